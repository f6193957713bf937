"""The secret scanner: rules, the prefilter engine, detect-secrets plugins, history, the hook.

Entry points: ``repo.scan`` (trees and history), ``hook.main`` (pre-commit), ``verify``
(is a finding live on a server).
"""
