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
# role_id = "2978f46d-b353-4b5d-afb4-b46a37b614c4"
# secret_id = "bcf96c9a-b5f4-4763-8acb-f4da7981ec5b"  (temporary, remove)
