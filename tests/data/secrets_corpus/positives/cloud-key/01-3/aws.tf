provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAVXP5UE7Z22BX3QVG"
  secret_key = "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"
}
resource "aws_s3_bucket" "b" {
  bucket = "erp-backups"
}
