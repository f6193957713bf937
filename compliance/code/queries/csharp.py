"""C#: ``Environment.GetEnvironmentVariable("X")``; static fields (``static readonly``
initialised from a client call); ``Lazy<T>`` around a Vault read."""

from __future__ import annotations

import re

from vault_gate.compliance.code.queries import Rules

RULES = Rules(
    reads="""
    (invocation_expression
        function: (member_access_expression expression: (_) @env name: (identifier) @m)
        arguments: (argument_list . (argument (string_literal) @name))
        (#eq? @m "GetEnvironmentVariable"))
    """,
    env_mapping=re.compile(r"(System\.)?Environment"),
    holders="""
    (field_declaration (modifier) @mod
        (variable_declaration (variable_declarator name: (identifier) @holder (_) @init))
        (#eq? @mod "static"))
    """,
    writes="""
    (assignment_expression left: (identifier) @target right: (_) @value)
    (assignment_expression left: (element_access_expression expression: (identifier) @target)
                           right: (_) @value)
    (invocation_expression
        function: (member_access_expression expression: (identifier) @target name: (identifier) @m)
        arguments: (argument_list (_) (argument (_) @value))
        (#any-of? @m "Add" "TryAdd" "GetOrAdd" "AddOrUpdate" "Set"))
    """,
    clears="""
    (invocation_expression
        function: (member_access_expression expression: (identifier) @target name: (identifier) @m)
        (#any-of? @m "Clear" "Remove" "TryRemove"))
    """,
    memoised="""
    (object_creation_expression type: (generic_name (identifier) @memo)
                                arguments: (argument_list . (argument (_) @body)))
    """,
    memoisers=re.compile(r"^Lazy$"),
    functions=frozenset({"method_declaration", "constructor_declaration", "lambda_expression",
                         "local_function_statement"}),
    calls=frozenset({"invocation_expression", "object_creation_expression"}),
    clock=re.compile(r"DateTime(Offset)?\.(Utc)?Now|Stopwatch|AbsoluteExpiration|"
                     r"SlidingExpiration|\bTimer\b|PeriodicTimer"),
)  # fmt: skip
