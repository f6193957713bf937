"""Live mode: gate an existing Vault or OpenBao before a deployment, read-only.

The ephemeral servers prove the integration; this package looks at the server the
app is about to meet (staging, production) with an auditor token that can read
what the checks need and nothing else (``vault/policies/auditor.hcl``).

* :mod:`.auth` finds the token: a 0600 file, the Vault agent's sink, or the CLI's
  token helper; never a command-line argument, never ``VAULT_TOKEN``.
* :mod:`.client` is the only way the checks talk to the server: GET and LIST, and
  the one lookup Vault serves only as a POST (``auth/token/lookup-accessor``).
  It has no method that writes.
* One module per concern (:mod:`.server`, :mod:`.audit`, :mod:`.policies`,
  :mod:`.approle`, :mod:`.kv`, :mod:`.tree`, :mod:`.tokens`), each a check
  returning a :class:`compliance.result.CheckResult`; they reuse the sign-off's
  checks (``compliance.running``, ``compliance.policy``, ``compliance.audit``).
* :mod:`.runner` runs them for one environment; :mod:`.output` writes JSON,
  SARIF and JUnit; :mod:`.command` is ``vault-gate check``.

What the auditor could not read is a finding that says what was not checked,
never a silent pass and never a crash.
"""
