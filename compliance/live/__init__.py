"""Live mode: gate an existing Vault or OpenBao before a deployment, read-only.

The ephemeral servers prove the integration; this package looks at the server the
app is about to meet (staging, production) with an auditor token that can read
what the checks need and nothing else (``vault/policies/auditor.hcl``).

* :mod:`.layout` says what is judged: a :class:`~.layout.Layout` naming the app's
  Vault paths (KV at any mount, v1 or v2), its AppRole roles and mounts, its
  policies, the audit devices, other environments' paths, and the profile. It is
  built from the command line or a target file (:mod:`.targetfile`); what it leaves
  empty is discovered on the server. Nothing here knows an application's names.
* :mod:`.auth` finds the token: a 0600 file, the Vault agent's sink, or the CLI's
  token helper; never a command-line argument, never ``VAULT_TOKEN``.
* :mod:`.client` is the only way the checks talk to the server: GET and LIST, and
  the one lookup Vault serves only as a POST (``auth/token/lookup-accessor``).
  It has no method that writes.
* :mod:`.preflight` diagnoses the connection once before any check (unreachable,
  wrong scheme, TLS trust, sealed, no leader, token refused or lacking reads).
* One module per concern (:mod:`.server`, :mod:`.audit`, :mod:`.policies` with
  :mod:`.privilege`, :mod:`.approle`, :mod:`.kv`, :mod:`.tree`, :mod:`.tokens`),
  each a function ``check(vault, layout) -> CheckResult``: the same server-reading
  checks serve the sign-off on its ephemeral servers.
* :mod:`.runner` runs them for one environment; :mod:`.output` writes JSON,
  SARIF and JUnit; :mod:`.command` is ``vault-gate check``.

What the auditor could not read is a finding that says what was not checked,
never a silent pass and never a crash.
"""
