pid_file = "/run/vault-agent/pid"

auto_auth {
  method "approle" {
    config = {
      role_id_file_path                   = "/etc/vault-agent/role-id"
      secret_id_file_path                 = "/etc/vault-agent/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }

  sink "file" {
    config = {
      path = "/run/vault-agent/token"
    }
  }
}

template {
  source      = "/etc/vault-agent/app.env.ctmpl"
  destination = "/run/app/app.env"
}
