"""The plan's success criteria as checks, one module per criterion, each a CheckResult.

They take explicit inputs (files, a client, an audit log) and never import fixtures/:
the sign-off and live mode share them.
"""
