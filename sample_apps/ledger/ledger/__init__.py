"""ledger: a small bookkeeping API whose every secret lives in Vault (OpenBao).

A second sample application for vault-gate, written as an application team would
write it: Falcon on Waitress, AppRole login, one KV v2 entry holding its keys, dynamic
PostgreSQL logins from Vault's database engine. It knows nothing of vault-gate.
"""
