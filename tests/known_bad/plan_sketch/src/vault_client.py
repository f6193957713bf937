# src/vault_client.py
import os
import hvac
from functools import lru_cache

class VaultClient:
    def __init__(self):
        self.vault_url = os.getenv('VAULT_ADDR', 'http://127.0.0.1:8200')
        self.vault_token = os.getenv('VAULT_TOKEN')
        self.client = hvac.Client(url=self.vault_url, token=self.vault_token)
        
        if not self.client.is_authenticated():
            raise Exception("Vault authentication failed")
    
    @lru_cache(maxsize=128)
    def get_secret(self, path):
        """Get secret from Vault with caching"""
        try:
            response = self.client.secrets.kv.v2.read_secret_version(path=path)
            return response['data']['data']
        except Exception as e:
            raise Exception(f"Failed to get secret from Vault: {e}")
    
    def update_secret(self, path, data):
        """Update secret in Vault"""
        try:
            self.client.secrets.kv.v2.create_or_update_secret(path=path, secret=data)
        except Exception as e:
            raise Exception(f"Failed to update secret in Vault: {e}")

# Usage
vault = VaultClient()
flask_secrets = vault.get_secret('store-erp/development/flask')
SECRET_KEY = flask_secrets['secret_key']
