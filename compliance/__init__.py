"""The plan's success criteria as checks that can fail.

Importable without pytest: every check takes explicit inputs and returns a result
that carries its evidence. Secret values never leave this package except through
:class:`vault_gate.compliance.secret.Secret`, whose text form is a fingerprint.

Rooms: ``scan`` (the secret scanner), ``policy`` (HCL1 and the ACL model), ``checks``
(one module per criterion), ``report`` (what a reviewer reads), ``live`` (live mode).
At the top: the target model, the profiles, results, criteria, Secret and the CLI.
"""
