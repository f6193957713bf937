#!/bin/sh
# CI image setup: the deploy user's key for the artifacts bucket
set -e
aws configure set aws_access_key_id AKIAHI36RIDCFULF50MO
aws configure set aws_secret_access_key ba3TUOHGOoCA7D8JUbVKzsBWcIu4/fkXpq34OVh0
aws configure set region eu-central-1
aws configure set output json
aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY" --profile ci-readonly
aws configure set aws_session_token "${AWS_SESSION_TOKEN}" --profile ci-readonly
aws s3 ls s3://orders-artifacts/
