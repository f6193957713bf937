#!/bin/bash
export AWS_ACCESS_KEY_ID=AKIAU6VBHZKF01WVT6W5
export AWS_SECRET_ACCESS_KEY=pz6WaQz0+bpAzpGB8MAp2CbUiJdVShqwe2lrrbtL
export AWS_SESSION_TOKEN="${AWS_SESSION_TOKEN:-}"
aws s3 ls s3://erp-backups/
