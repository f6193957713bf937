"""Ruby: ``ENV["X"]``, ``ENV.fetch("X")`` (with or without a default); constants;
``||=`` memoisation of a Vault read on an instance, class or global variable."""

from __future__ import annotations

import re

from vault_gate.compliance.code.queries import Rules

RULES = Rules(
    reads="""
    (element_reference object: (_) @env . (string) @name)
    (call receiver: (_) @env method: (identifier) @m arguments: (argument_list . (string) @name)
          (#any-of? @m "fetch" "key?" "include?" "has_key?" "dig"))
    """,
    env_mapping=re.compile(r"(::)?ENV"),
    aliases="(assignment left: (identifier) @alias right: (_) @env)",
    holders="""
    (program (assignment left: (constant) @holder right: (_) @init))
    (class (body_statement (assignment left: (constant) @holder right: (_) @init)))
    (module (body_statement (assignment left: (constant) @holder right: (_) @init)))
    """,
    writes="""
    (assignment left: (element_reference object: (_) @target) right: (_) @value)
    (assignment left: [(class_variable) (global_variable)] @target right: (_) @value)
    """,
    clears="""
    (call receiver: (_) @target method: (identifier) @m (#any-of? @m "clear" "delete"))
    """,
    memoised="""
    (operator_assignment left: [(instance_variable) (class_variable) (global_variable)] @memo
                         operator: "||=" right: (_) @body)
    """,
    memoisers=re.compile(r"^(@@?|\$)\w+$"),
    functions=frozenset({"method", "singleton_method", "lambda", "block", "do_block"}),
    calls=frozenset({"call"}),
    clock=re.compile(r"Time\.(now|current)|Process\.clock_gettime|expires_in|Concurrent::TimerTask"),
    identifiers=frozenset({"identifier", "constant", "class_variable", "global_variable"}),
)  # fmt: skip
