# The declared file audit device (OpenBao). HashiCorp Vault enables the same device
# through `sys/audit/file` instead; the bootstrap does that when the binary is Vault.
# log_raw stays off: secret values must reach the log only as HMACs.

audit "file" "file" {
  options {
    file_path = "${audit_log}"
    log_raw   = "false"
  }
}
