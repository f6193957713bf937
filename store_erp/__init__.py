"""store-erp: the application under test, with its Vault integration done right.

``app`` is the Flask app, ``config`` says where secrets come from per environment,
``vault_client`` is the hvac-based client (AppRole, renewal, a cache that sees
rotation), ``db`` the connection pools over dynamic database logins.
"""
