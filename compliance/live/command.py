"""``vault-gate check``: live mode from the command line.

    vault-gate check --env prod --addr https://vault.example:8200 [--ca-cert FILE]
        [--target FILE] [--vault-path PATH]... [--approle NAME]... [--approle-mount PATH]...
        [--policy NAME]... [--audit-device PATH]... [--audit-log FILE]
        [--token-file FILE | --agent-sink FILE] [--only CHECK]...
        [--json] [--sarif FILE] [--junit FILE]

What is judged (the :class:`~vault_gate.compliance.live.layout.Layout`) comes from the flags and
the target file; what neither names is discovered on the server (every AppRole
mount and role, every audit device, every KV mount).

Exit codes: 0 all checks passed, 1 findings, 2 bad input (as every vault-gate
command), 3 the server could not be judged: unreachable, wrong scheme, TLS trust,
sealed, a standby without a leader, the token refused or lacking the auditor's
reads (one message, no check run).
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import orjson

from vault_gate.compliance.exits import EXIT_CANNOT_JUDGE, EXIT_FINDINGS, EXIT_OK, UsageError
from vault_gate.compliance.live.auth import IGNORED_ENV, TokenSourceError, find_token
from vault_gate.compliance.live.layout import Layout, build_layout
from vault_gate.compliance.live.output import passed, to_json, to_text, write_junit
from vault_gate.compliance.live.runner import CHECK_IDS, connect, preflight, run_checks
from vault_gate.compliance.live.targetfile import TargetFileError, layout_from_target, read_target
from vault_gate.compliance.profiles import ENVIRONMENTS, profile

EXIT_CONNECTION = EXIT_CANNOT_JUDGE


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser(
        "check",
        help="live mode: gate an existing Vault/OpenBao read-only with an auditor token",
        description="Judge an existing Vault or OpenBao for one environment with a "
        "read-only auditor token (vault/policies/auditor.hcl). The token comes from "
        "--token-file (0600), --agent-sink, or the CLI's token helper / ~/.vault-token; "
        "never from the command line, and VAULT_TOKEN is ignored. Exit status: 0 passed, "
        "1 findings, 2 bad input, 3 the server could not be judged (connection, seal, token).",
    )
    check.add_argument("--env", required=True, choices=ENVIRONMENTS)
    check.add_argument("--addr", required=True, metavar="URL", help="https://host:port")
    check.add_argument("--ca-cert", type=Path, metavar="FILE", help="CA to verify TLS with")
    check.add_argument("--target", type=Path, metavar="FILE",
                       help="the app (TOML target file): its name and vault_paths")  # fmt: skip
    check.add_argument("--vault-path", action="append", default=[], metavar="PATH",
                       help="a path the app reads, as it requests it ({tree} allowed): "
                       "kv-prod/data/billing/config, kv/billing/config (KV v1), "
                       "database/creds/billing-{tree}")  # fmt: skip
    check.add_argument("--token-file", type=Path, metavar="FILE", help="a 0600 file")
    check.add_argument("--agent-sink", type=Path, metavar="FILE", help="a Vault agent file sink")
    check.add_argument(
        "--approle",
        action="append",
        default=[],
        metavar="NAME",
        help="the app's AppRole role (default: every role on the AppRole mounts)",
    )
    check.add_argument(
        "--approle-mount",
        action="append",
        default=[],
        metavar="PATH",
        help="where AppRole is mounted (default: every approle auth mount)",
    )
    check.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="NAME",
        help="a policy to judge besides those the roles attach",
    )
    check.add_argument(
        "--audit-device",
        action="append",
        default=[],
        metavar="PATH",
        help="an audit device that must be enabled (default: any one)",
    )
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


def _strings(args: argparse.Namespace, name: str) -> list[str]:
    value = getattr(args, name, None) or []
    return [value] if isinstance(value, str) else list(value)


def layout_from_args(args: argparse.Namespace) -> tuple[Layout, str, str | None]:
    """(the layout, the address, the CA file), or LiveUsageError naming the bad option."""
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
    if (
        getattr(args, "sarif", None) is not None
        and find_spec("vault_gate.compliance.report.sarif") is None
    ):
        raise LiveUsageError(
            "--sarif: this install has no SARIF writer (vault_gate.compliance.report.sarif)"
        )
    vault_paths = _strings(args, "vault_path")
    for path in vault_paths:
        filled = path.replace("{tree}", "t").replace("{env}", "e").strip("/")
        if not filled or "{" in filled or any(s in ("", ".", "..") for s in filled.split("/")):
            raise LiveUsageError(f"--vault-path {path!r}: not a plain Vault path")
    extra = {
        "vault_paths": vault_paths,
        "roles": _strings(args, "approle"),
        "approle_mounts": _strings(args, "approle_mount"),
        "policies": _strings(args, "policy"),
        "audit_devices": _strings(args, "audit_device"),
        "audit_log": args.audit_log,
    }
    if args.target is not None:
        try:
            target = read_target(args.target)
        except TargetFileError as exc:
            raise LiveUsageError(f"--target: {exc}") from None
        layout = layout_from_target(target, profile(args.env), **extra)  # type: ignore[arg-type]
    else:
        layout = build_layout(profile(args.env), **extra)  # type: ignore[arg-type]
    return layout, args.addr.rstrip("/"), str(args.ca_cert) if args.ca_cert else None


def cmd_check(args: argparse.Namespace) -> int:
    try:
        layout, addr, ca_file = layout_from_args(args)
        token = find_token(args.token_file, args.agent_sink)
    except (LiveUsageError, TokenSourceError) as exc:
        raise UsageError(str(exc)) from None
    source = token.source
    ignored = [k for k in IGNORED_ENV if k in os.environ]
    if ignored:
        source += f"; {', '.join(ignored)} ignored"
    vault = connect(addr, token.secret, ca_file)
    problem = preflight(vault, layout)
    if problem is not None:
        print(f"vault-gate check: cannot judge {addr}: {problem}", file=sys.stderr)
        if args.json:
            data = {"schema_version": 1, "mode": "live", "environment": layout.profile.name,
                    "addr": addr, "passed": False, "connection": problem.kind,
                    "error": problem.message, "checks": []}  # fmt: skip
            sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return EXIT_CONNECTION
    results = list(run_checks(vault, layout, tuple(args.only or CHECK_IDS)))
    if args.json:
        data = to_json(results, layout, addr, source, vault.requests)
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print(to_text(results, layout, addr, source))
    if args.junit:
        write_junit(args.junit, results, layout)
    if args.sarif:
        from vault_gate.compliance.live.sarif import write_live_sarif

        write_live_sarif(args.sarif, results, layout, addr)
    return EXIT_OK if passed(results) else EXIT_FINDINGS
