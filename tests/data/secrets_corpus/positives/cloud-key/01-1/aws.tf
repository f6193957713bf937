provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA5VH39UZ74SXF5NU2"
  secret_key = "5H5aDG/vvSXkjoPz3OPAmFHjO1iG0vEnCWCfjaOG"
}
resource "aws_s3_bucket" "b" {
  bucket = "erp-backups"
}
