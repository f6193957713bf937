"""Python: ``os.environ[...]``, ``os.getenv``, ``environ.get``; module-level holders;
``functools.lru_cache``/``cache``/``cached_property`` and cachetools' ``cached``."""

from __future__ import annotations

import re

from vault_gate.compliance.code.queries import Rules

RULES = Rules(
    reads="""
    (call function: (attribute object: (_) @env attribute: (identifier) @m)
          arguments: (argument_list . (string) @name)
          (#any-of? @m "get" "pop" "setdefault"))
    (call function: (attribute attribute: (identifier) @m)
          arguments: (argument_list . (string) @name) (#any-of? @m "getenv" "getenvb"))
    (call function: (identifier) @m
          arguments: (argument_list . (string) @name) (#any-of? @m "getenv" "getenvb"))
    (subscript value: (_) @env subscript: (string) @name)
    """,
    # os.environ, environ, self.env, settings.environment: what the old heuristic took.
    env_mapping=re.compile(r"(?i).*(environ|env|environment)"),
    aliases="(assignment left: (identifier) @alias right: (_) @env)",
    holders="""
    (module (expression_statement (assignment left: (identifier) @holder right: (_) @init)))
    (module (expression_statement (assignment left: (identifier) @holder !right)))
    """,
    writes="""
    (assignment left: (subscript value: (identifier) @target) right: (_) @value)
    (assignment left: (identifier) @target right: (_) @value)
    (call function: (attribute object: (identifier) @target attribute: (identifier) @m)
          arguments: (argument_list (_) @value .) (#any-of? @m "update" "setdefault"))
    """,
    clears="""
    (call function: (attribute object: (identifier) @target attribute: (identifier) @m)
          (#any-of? @m "clear" "pop" "popitem" "cache_clear"))
    (delete_statement (subscript value: (identifier) @target))
    """,
    memoised="""
    (decorated_definition (decorator) @memo
        definition: (function_definition body: (_) @body))
    """,
    memoisers=re.compile(r"^@\s*(functools\.)?(lru_cache|cache|cached_property|cached)\b"),
    functions=frozenset({"function_definition", "lambda"}),
    calls=frozenset({"call"}),
    clock=re.compile(r"\btime\.(time|monotonic|perf_counter)|datetime\.(now|utcnow)|\bmonotonic\(|"
                     r"TTLCache|\bTimer\("),
)  # fmt: skip
