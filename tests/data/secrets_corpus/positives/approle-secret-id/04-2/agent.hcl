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
# role_id = "c623322c-7e31-40b0-9c92-861f2a155a57"
# secret_id = "a11cd0fc-164d-413d-99f8-afad627646d7"  (temporary, remove)
