"""JavaScript and TypeScript: ``process.env.X``, ``process.env["X"]``, aliases
(``const env = process.env; env.X``), destructuring (``const { X } = process.env``);
module-level holders; ``memoize``/``once`` wrappers (lodash, memoizee, p-memoize, moize)."""

from __future__ import annotations

import re

from vault_gate.compliance.code.queries import Rules


def _declared(declarator: str) -> str:
    """A ``const``/``let`` or ``var`` declaration holding ``declarator``."""
    return f"[(lexical_declaration {declarator}) (variable_declaration {declarator})]"


_HOLDER = "(variable_declarator name: (identifier) @holder value: (_) @init)"
_BARE = "(variable_declarator name: (identifier) @holder !value)"

RULES = Rules(
    reads="""
    (member_expression object: (_) @env property: (property_identifier) @name)
    (subscript_expression object: (_) @env index: (string) @name)
    (variable_declarator name: (object_pattern (shorthand_property_identifier_pattern) @name)
                         value: (_) @env)
    (variable_declarator name: (object_pattern (object_assignment_pattern
                                  left: (shorthand_property_identifier_pattern) @name))
                         value: (_) @env)
    (variable_declarator name: (object_pattern (pair_pattern key: (_) @name)) value: (_) @env)
    (assignment_expression left: (object_pattern (shorthand_property_identifier_pattern) @name)
                           right: (_) @env)
    (call_expression function: (member_expression object: (_) @env
                                                  property: (property_identifier) @m)
                     arguments: (arguments . (string) @name) (#eq? @m "get"))
    """,
    env_mapping=re.compile(r"((global|globalThis|window)\.)?process\.env|import\.meta\.env|Deno\.env"),
    aliases="""
    (variable_declarator name: (identifier) @alias value: (_) @env)
    (assignment_pattern left: (identifier) @alias right: (_) @env)
    (assignment_expression left: (identifier) @alias right: (_) @env)
    """,
    holders=f"""
    (program {_declared(_HOLDER)})
    (program {_declared(_BARE)})
    (program (export_statement declaration: {_declared(_HOLDER)}))
    """,
    writes="""
    (assignment_expression left: (identifier) @target right: (_) @value)
    (assignment_expression left: (member_expression object: (identifier) @target)
                           right: (_) @value)
    (assignment_expression left: (subscript_expression object: (identifier) @target)
                           right: (_) @value)
    (augmented_assignment_expression left: (identifier) @target right: (_) @value)
    (augmented_assignment_expression left: (member_expression object: (identifier) @target)
                                     right: (_) @value)
    (call_expression function: (member_expression object: (identifier) @target
                                                  property: (property_identifier) @m)
                     arguments: (arguments (_) (_) @value) (#eq? @m "set"))
    """,
    clears="""
    (unary_expression operator: "delete"
                      argument: (member_expression object: (identifier) @target))
    (unary_expression operator: "delete"
                      argument: (subscript_expression object: (identifier) @target))
    (call_expression function: (member_expression object: (identifier) @target
                                                  property: (property_identifier) @m)
                     (#any-of? @m "clear" "delete"))
    """,
    memoised="""
    (call_expression function: (_) @memo arguments: (arguments . (_) @body))
    """,
    memoisers=re.compile(r"(^|\.)(memoize|memoizee|memoizeOne|memoizeWith|pMemoize|moize|once)$"),
    functions=frozenset({"function_declaration", "function_expression", "function",
                         "arrow_function", "method_definition",
                         "generator_function_declaration"}),
    calls=frozenset({"call_expression", "new_expression"}),
    clock=re.compile(r"Date\.now|performance\.now|new Date\b|hrtime|setInterval|setTimeout"),
    identifiers=frozenset({"identifier", "shorthand_property_identifier"}),
)  # fmt: skip
