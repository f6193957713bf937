import boto3

ec2 = boto3.client("ec2")

ec2.run_instances(ImageId="ami-0abc1234def567890", MinCount=1, MaxCount=1, ClientToken="8816c6fe-68c4-42be-a35e-b0689617f5a6")
resp = ec2.describe_instances(MaxResults=50, NextToken="Et0l8JpKRsYBS8UAFvIbSi6/Pk5qd5j1o84wNrpL2GKxQCUzqVKM/M518FNB8i8n//1U5SCCJsJs0CMbFBr7NEwzsUANYSRFZ8AvUL9Ps53UiZLGBrWYHpuR")
waf_token = waf.get_change_token()["ChangeToken"]  # e.g. "6fe04300-03b8-4e02-bb18-f8b686e0ee09"
page_token = resp.get("NextToken")
request_id = "faafd566-f08b-4785-8d6e-4cda88ea5592"
