auto_auth {
  method "approle" {
    config = {
      role_id_file_path = "/etc/vault/role_id"
      secret_id_file_path = "/etc/vault/secret_id"
    }
  }
}
template {
  source = "/etc/app.tpl"
  destination = "/etc/app.conf"
}
# role_id = "2a5a1593-190c-491a-a57c-7e8a30df7e68"
# secret_id = "2e4293e6-0d9e-4aab-b772-96daa5901ef9"  (temporary, remove)
