"""Java: ``System.getenv("X")``, ``System.getenv().get("X")`` and a map bound to it;
static fields (a ``static final`` initialised from a client call is read once, for ever);
``@Cacheable`` methods and Guava's ``Suppliers.memoize``."""

from __future__ import annotations

import re

from vault_gate.compliance.code.queries import Rules

RULES = Rules(
    reads="""
    (method_invocation object: (_) @env name: (identifier) @m
                       arguments: (argument_list . (string_literal) @name) (#eq? @m "getenv"))
    (method_invocation object: (_) @env name: (identifier) @m
                       arguments: (argument_list . (string_literal) @name)
                       (#any-of? @m "get" "getOrDefault" "containsKey"))
    """,
    # System.getenv("X"): @env is System; System.getenv().get("X"): @env is System.getenv()
    env_mapping=re.compile(r"(java\.lang\.)?System(\.getenv\(\))?"),
    aliases="""
    (variable_declarator name: (identifier) @alias value: (_) @env)
    (assignment_expression left: (identifier) @alias right: (_) @env)
    """,
    holders="""
    (field_declaration (modifiers) @mods
                       declarator: (variable_declarator name: (identifier) @holder value: (_) @init)
                       (#match? @mods "static"))
    (field_declaration (modifiers) @mods
                       declarator: (variable_declarator name: (identifier) @holder !value)
                       (#match? @mods "static"))
    """,
    writes="""
    (assignment_expression left: (identifier) @target right: (_) @value)
    (assignment_expression left: (field_access field: (identifier) @target) right: (_) @value)
    (method_invocation object: (identifier) @target name: (identifier) @m
                       arguments: (argument_list (_) (_) @value)
                       (#any-of? @m "put" "putIfAbsent" "computeIfAbsent" "compute" "merge"))
    """,
    clears="""
    (method_invocation object: (identifier) @target name: (identifier) @m
                       (#any-of? @m "clear" "remove" "invalidate" "invalidateAll"))
    """,
    memoised="""
    (method_declaration (modifiers (marker_annotation name: (identifier) @memo)) body: (_) @body)
    (method_declaration (modifiers (annotation name: (identifier) @memo)) body: (_) @body)
    (method_invocation name: (identifier) @memo arguments: (argument_list . (_) @body))
    """,
    memoisers=re.compile(r"^(Cacheable|Memoized|memoize)$"),
    functions=frozenset({"method_declaration", "constructor_declaration", "lambda_expression",
                         "static_initializer"}),
    calls=frozenset({"method_invocation", "object_creation_expression"}),
    clock=re.compile(r"System\.(currentTimeMillis|nanoTime)|Instant\.now|LocalDateTime\.now|"
                     r"\bClock\b|expireAfter|refreshAfter|scheduleAtFixedRate|scheduleWithFixedDelay"),
)  # fmt: skip
