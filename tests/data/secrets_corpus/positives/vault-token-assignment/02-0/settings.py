import os

import hvac

TOKEN = os.getenv("VAULT_TOKEN", "path-root")
ADDR = os.getenv("VAULT_ADDR", "http://localhost:8200")
token = os.environ["VAULT_TOKEN"]
