"""Vault/OpenBao ACL policies read as the server reads them: HCL1, then the ACL model.

``hcl1*`` port HashiCorp's HCL v1; ``acl`` holds rules, capabilities and the
least-privilege judgement.
"""
