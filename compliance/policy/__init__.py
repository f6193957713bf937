"""Vault/OpenBao ACL policies read as the server reads them: HCL1, then the ACL model.

``hcl1*`` port HashiCorp's HCL v1; ``acl`` holds rules, capabilities, identity
templates and the matching. The least-privilege judgement is
:mod:`vault_gate.compliance.checks.least_privilege`; the policy written from an audit
log, :mod:`vault_gate.compliance.checks.suggest`.
"""
