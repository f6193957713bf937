# parcels' OpenBao server, stage prod: the stanzas the team owns (storage, addresses and
# certificates are the platform's). Every request and response is audited to a file,
# with values HMAC'd (log_raw off); clients must speak TLS 1.3.

audit "file" "parcels-audit" {
  description = "parcels: every request, values hashed"
  options {
    file_path = "{audit_log}"
    log_raw   = "false"
  }
}

listener "tcp" {
  tls_min_version = "tls13"
}
