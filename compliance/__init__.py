"""The plan's success criteria as checks that can fail.

Importable without pytest: every check takes explicit inputs and returns a result
that carries its evidence. Secret values never leave this package except through
:class:`compliance.secret.Secret`, whose text form is a fingerprint.
"""
