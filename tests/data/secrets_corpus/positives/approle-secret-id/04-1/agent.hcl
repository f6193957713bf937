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
# role_id = "57fe08d1-a3a8-4776-bb6e-74cd3b60828c"
# secret_id = "64b9f702-b1f3-46a9-9a97-6a045b1cd917"  (temporary, remove)
