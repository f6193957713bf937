provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAYFJUZY5YJDRDMP4J"
  secret_key = "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"
}
resource "aws_s3_bucket" "b" {
  bucket = "erp-backups"
}
