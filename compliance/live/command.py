"""``vault-gate check``: live mode from the command line.

    vault-gate check --env prod --addr https://vault.example:8200 [--ca-cert FILE]
        [--target FILE] [--token-file FILE | --agent-sink FILE] [--approle NAME]
        [--audit-log FILE] [--only CHECK]... [--json] [--sarif FILE] [--junit FILE]

Exit codes as every vault-gate command: 0 all checks passed, 1 findings, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import orjson

from compliance.live.auth import IGNORED_ENV, TokenSourceError, find_token
from compliance.live.output import passed, to_json, to_text, write_junit
from compliance.live.runner import CHECK_IDS, connect, run_checks
from compliance.live.spec import DEFAULT_APP, LiveSpec, build_spec
from compliance.profiles import ENVIRONMENTS, profile


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser(
        "check",
        help="live mode: gate an existing Vault/OpenBao read-only with an auditor token",
        description="Judge an existing Vault or OpenBao for one environment with a "
        "read-only auditor token (vault/policies/auditor.hcl). The token comes from "
        "--token-file (0600), --agent-sink, or the CLI's token helper / ~/.vault-token; "
        "never from the command line, and VAULT_TOKEN is ignored.",
    )
    check.add_argument("--env", required=True, choices=ENVIRONMENTS)
    check.add_argument("--addr", required=True, metavar="URL", help="https://host:port")
    check.add_argument("--ca-cert", type=Path, metavar="FILE", help="CA to verify TLS with")
    check.add_argument("--target", type=Path, metavar="FILE", help="the app (TOML target file)")
    check.add_argument("--token-file", type=Path, metavar="FILE", help="a 0600 file")
    check.add_argument("--agent-sink", type=Path, metavar="FILE", help="a Vault agent file sink")
    check.add_argument("--approle", metavar="NAME", help="the app's AppRole (<app>-<tree>)")
    check.add_argument(
        "--audit-log", type=Path, metavar="FILE", help="the server's audit log, to find this run in"
    )
    check.add_argument("--only", action="append", choices=CHECK_IDS, metavar="CHECK",
                       help=f"run only these checks ({', '.join(CHECK_IDS)})")  # fmt: skip
    check.add_argument("--json", action="store_true", help="results as JSON on stdout")
    check.add_argument("--sarif", type=Path, metavar="FILE", help="write SARIF 2.1.0")
    check.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML")
    check.set_defaults(func=cmd_check)


class LiveUsageError(ValueError):
    pass


def spec_from_args(args: argparse.Namespace) -> LiveSpec:
    """The spec, or LiveUsageError naming the bad option."""
    try:
        parts = urlsplit(args.addr)
        parts.port  # noqa: B018 - raises ValueError for a port that is no port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise LiveUsageError(f"--addr {args.addr!r}: want http(s)://host[:port]")
    if args.ca_cert is not None and not args.ca_cert.is_file():
        raise LiveUsageError(f"--ca-cert {args.ca_cert}: no such file")
    if args.audit_log is not None and not args.audit_log.is_file():
        raise LiveUsageError(f"--audit-log {args.audit_log}: no such file")
    for option in ("sarif", "junit"):
        out = getattr(args, option, None)
        if out is not None and not out.parent.is_dir():
            raise LiveUsageError(f"--{option} {out}: its directory does not exist")
    if getattr(args, "sarif", None) is not None and find_spec("compliance.sarif") is None:
        raise LiveUsageError("--sarif: this install has no SARIF writer (compliance.sarif)")
    app, vault_paths = DEFAULT_APP, ()
    if args.target is not None:
        from compliance.target import TargetError, load_target

        try:
            target = load_target(args.target)
        except TargetError as exc:
            raise LiveUsageError(f"--target: {exc}") from None
        app, vault_paths = target.name, target.vault_paths
    try:
        return build_spec(
            profile(args.env),
            args.addr.rstrip("/"),
            ca_file=str(args.ca_cert) if args.ca_cert else None,
            app=app,
            vault_paths=vault_paths,
            approle=args.approle,
            audit_log=args.audit_log,
        )
    except ValueError as exc:
        raise LiveUsageError(str(exc)) from None


def cmd_check(args: argparse.Namespace) -> int:
    from compliance.cli import EXIT_FINDINGS, EXIT_OK, UsageError

    try:
        spec = spec_from_args(args)
        token = find_token(args.token_file, args.agent_sink)
    except (LiveUsageError, TokenSourceError) as exc:
        raise UsageError(str(exc)) from None
    source = token.source
    ignored = [k for k in IGNORED_ENV if k in os.environ]
    if ignored:
        source += f"; {', '.join(ignored)} ignored"
    vault = connect(spec, token.secret)
    results = list(run_checks(vault, spec, tuple(args.only or CHECK_IDS)))
    if args.json:
        data = to_json(results, spec, source, vault.requests)
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(to_text(results, spec, source))
    if args.junit:
        write_junit(args.junit, results, spec)
    if args.sarif:
        from compliance.live.sarif import write_live_sarif

        write_live_sarif(args.sarif, results, spec)
    return EXIT_OK if passed(results) else EXIT_FINDINGS
