# app-policy.hcl
path "secret/data/store-erp/development/*" {
  capabilities = ["read"]
}

path "secret/data/store-erp/production/*" {
  capabilities = ["read"]
}
