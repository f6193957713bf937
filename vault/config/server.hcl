# Server-mode configuration for the staging and production environments.
# The harness fills the $$-placeholders per session (fixtures/openbao.py);
# everything else is what a real deployment of the plan should look like:
# raft storage, TLS on a loopback listener, and (on OpenBao) a declared file
# audit device, since OpenBao refuses to enable audit devices through the API.

ui            = false
api_addr      = "https://127.0.0.1:${port}"
cluster_addr  = "https://127.0.0.1:${cluster_port}"

storage "raft" {
  path    = "${data_dir}"
  node_id = "${node_id}"
  # Raft's tightest timers (1 = the value recommended for production hardware).
  # The default (5) makes a fresh single node wait 5-10 s for its first election.
  performance_multiplier = 1
}

listener "tcp" {
  address         = "127.0.0.1:${port}"
  cluster_address = "127.0.0.1:${cluster_port}"
  tls_cert_file   = "${tls_cert_file}"
  tls_key_file    = "${tls_key_file}"
${listener_options}
}
