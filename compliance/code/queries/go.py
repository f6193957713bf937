"""Go: ``os.Getenv``, ``os.LookupEnv`` (and ``syscall``'s); package-level variables;
``sync.Once``/``sync.OnceValue`` around a Vault read."""

from __future__ import annotations

import re

from vault_gate.compliance.code.queries import Rules

_STRING = "[(interpreted_string_literal) (raw_string_literal)]"

RULES = Rules(
    reads=f"""
    (call_expression function: (selector_expression operand: (identifier) @pkg
                                                    field: (field_identifier) @m)
                     arguments: (argument_list . {_STRING} @name)
                     (#any-of? @pkg "os" "syscall") (#any-of? @m "Getenv" "LookupEnv"))
    """,
    env_mapping=re.compile(r"os"),
    holders="""
    (source_file (var_declaration (var_spec name: (identifier) @holder
                                            value: (expression_list . (_) @init))))
    (source_file (var_declaration (var_spec name: (identifier) @holder !value)))
    (source_file (var_declaration (var_spec_list (var_spec name: (identifier) @holder
                                                   value: (expression_list . (_) @init)))))
    (source_file (var_declaration (var_spec_list (var_spec name: (identifier) @holder !value))))
    """,
    writes="""
    (assignment_statement left: (expression_list (identifier) @target)
                          right: (expression_list (_) @value))
    (assignment_statement left: (expression_list (index_expression operand: (identifier) @target))
                          right: (expression_list (_) @value))
    (call_expression function: (selector_expression operand: (identifier) @target
                                                    field: (field_identifier) @m)
                     arguments: (argument_list (_) (_) @value) (#any-of? @m "Store" "LoadOrStore"))
    """,
    clears="""
    (call_expression function: (identifier) @f arguments: (argument_list . (identifier) @target)
                     (#any-of? @f "delete" "clear"))
    (call_expression function: (selector_expression operand: (identifier) @target
                                                    field: (field_identifier) @m)
                     (#any-of? @m "Delete" "Clear" "LoadAndDelete"))
    """,
    memoised="""
    (call_expression function: (_) @memo arguments: (argument_list . (_) @body))
    """,
    memoisers=re.compile(r"(?i)(once\w*\.Do|sync\.OnceValues?|sync\.OnceFunc)$"),
    functions=frozenset({"function_declaration", "method_declaration", "func_literal"}),
    calls=frozenset({"call_expression"}),
    clock=re.compile(r"time\.(Now|Since|Until|NewTicker|Tick|AfterFunc|NewTimer)"),
)  # fmt: skip
