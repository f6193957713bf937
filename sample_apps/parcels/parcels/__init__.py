"""parcels: a parcel-tracking HTTP service (standard library server) whose keys and
database logins come from Vault. vault-gate's third sample application."""
