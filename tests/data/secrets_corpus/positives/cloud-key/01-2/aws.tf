provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAV2ITZJS91NP6XMNI"
  secret_key = "PDeRuNnxqztVAx8O39J8IKQz9vxoHoqXOtUqfCTd"
}
resource "aws_s3_bucket" "b" {
  bucket = "erp-backups"
}
