"""``vault-gate``: the checks from a command line, without pytest.

    vault-gate scan PATH... [--history | --history-only] [--no-cache] [--json]
                   [--summary-json FILE] [--exclude GLOB]... [--sarif FILE] [--baseline FILE]
                   [--respect-gitignore] [--verify URL [--verify-ca FILE]]
    vault-gate scan-env PID [--known-values FILE] [--allow NAME]... [--json]
    vault-gate policy capabilities --policy FILE... --path PATH
    vault-gate policy check --policy FILE... --env ENV [--json]
    vault-gate policy suggest --audit-log LOG (--role NAME | --token-accessor A |
                   --target FILE --env ENV) [--flavour openbao|vault] [--declare GRANT]...
                   [--no-implied] [--out FILE] [--json]
    vault-gate audit summary LOG
    vault-gate check --env ENV --addr URL [--ca-cert FILE] [--target FILE] [--json] ...

Exit codes: 0 nothing found / check passed, 1 findings / check failed, 2 bad input
(the message names what was wrong), 3 could not judge (a server unreachable or
unreadable; ``vault-gate signoff``: the app or its set-up never came up). Output
never carries a secret value: findings name a file, a line, a kind and a fingerprint.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import orjson

from vault_gate.compliance.exits import (
    EXIT_CODES_HELP,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
)
from vault_gate.compliance.result import CheckResult
from vault_gate.compliance.secret import Secret

# Subcommands that other parts of vault-gate plug in (the sign-off lives with the
# harness, which the base install does not carry): an entry point in this group names a
# ``register(subparsers)`` function, so this module never imports the harness.
COMMANDS_GROUP = "vault_gate.commands"


def _print_json(data: object) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def _result_json(result: CheckResult) -> dict:
    return {
        "criterion": result.criterion,
        "environment": result.environment,
        "passed": result.passed,
        "findings": list(result.findings),
        "evidence": [{"looked_at": e.looked_at, "found": e.found} for e in result.evidence],
    }


def _emit(result: CheckResult, as_json: bool) -> int:
    if as_json:
        _print_json(_result_json(result))
    else:
        print(result.explain())
    return EXIT_OK if result.passed else EXIT_FINDINGS


def _known_values(path: Path | None) -> list[Secret]:
    """Known secret values, one per line, from a file that only its owner can read."""
    if path is None:
        return []
    try:
        if path.stat().st_mode & 0o077:
            raise UsageError(f"{path}: readable by others; known values belong in a 0600 file")
        if not path.is_file():  # a FIFO would block forever
            raise UsageError(f"{path}: not a regular file")
        lines = path.read_bytes().decode("utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    return [Secret(line) for line in lines if line.strip()]


DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024  # compliance.repo's; not imported at start-up
_SIZE = re.compile(r"^\s*(\d+)\s*([kKmMgG]?)[bB]?\s*$")


def _byte_size(text: str) -> int:
    """``--max-file-size``: bytes, or a number with k, M or G (powers of 1024)."""
    match = _SIZE.match(text)
    if match is None or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r}: not a size (e.g. 5000000, 500k, 100M, 1G)")
    return int(match.group(1)) * 1024 ** " KMG".index(match.group(2).upper() or " ")


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan the named paths; findings on stdout, and always, on stderr, the summary of
    what was scanned and skipped (``--summary-json FILE`` writes it as JSON: ``--json``
    stays the list of findings its consumers parse)."""
    if args.history or args.history_only:
        from vault_gate.compliance.scan import history

        for path in args.paths:
            if path.is_dir():
                history.prefetch_commits(path)  # git lists them while the rules load
    from vault_gate.compliance.scan.repo import scan

    for path in args.paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
    args.history = args.history or args.history_only
    verifier = None
    if args.verify:
        from vault_gate.compliance.scan.verify import Verifier, VerifyError

        try:
            verifier = Verifier(args.verify, args.verify_ca)
        except (VerifyError, OSError, ValueError) as exc:
            raise UsageError(str(exc)) from None
    for flag, out in (("--sarif", args.sarif), ("--summary-json", args.summary_json)):
        if out and not out.parent.is_dir():
            raise UsageError(f"{flag} {out}: directory {out.parent} does not exist")
    allowed = None
    if args.baseline:  # read before the scan: bad input is said at once
        from vault_gate.compliance.scan.baseline import BaselineError, load_baseline

        try:
            allowed = load_baseline(args.baseline, "vault-gate-hook --update-baseline FILE...")
        except BaselineError as exc:
            raise UsageError(f"--baseline {exc}") from None
    report = scan(
        args.paths,
        known_values=_known_values(args.known_values),
        history=args.history,
        exclude=args.exclude,
        ignored=not args.respect_gitignore,
        working_tree=not args.history_only,
        history_cache=not args.no_cache,
        keep_values=verifier is not None,
        max_file_bytes=args.max_file_size,
        named_roots=True,
    )
    for entry in report.not_scanned:  # each skipped file on its own line, and why
        print(f"not scanned: {entry}", file=sys.stderr)
    findings = report.findings
    if allowed is not None:  # the baseline's reviewed findings are not reported
        from vault_gate.compliance.scan.baseline import not_allowed

        findings = not_allowed(findings, allowed)
    verdicts = _verify(findings, verifier) if verifier else {}
    if args.summary_json:
        try:
            summary = orjson.dumps(report.summary(), option=orjson.OPT_INDENT_2)
            args.summary_json.write_bytes(summary)
        except OSError as exc:
            raise UsageError(f"--summary-json {args.summary_json}: {exc.strerror}") from None
    if args.sarif:
        from vault_gate.compliance.report.sarif import write_sarif
        from vault_gate.compliance.scan.repo import sarif_report

        try:
            write_sarif(args.sarif, sarif_report(findings))
        except (OSError, ValueError) as exc:
            raise UsageError(f"--sarif {args.sarif}: {exc}") from None
    if args.json:
        rows = [f.to_json() for f in findings]
        if verifier:  # a key only when asked for: the format stays what consumers parse
            rows = [{**r, "verified": verdicts.get(i, "")} for i, r in enumerate(rows)]
        _print_json(rows)
    else:
        for i, f in enumerate(findings):
            verdict = f" [{verdicts[i]}]" if i in verdicts else ""
            print(f"{f.path}:{f.line}: {f.kind} ({f.fingerprint}) [{f.where}]{verdict}")
        print(f"{len(findings)} finding(s)", file=sys.stderr)
    print(report.summary_line(), file=sys.stderr)
    return EXIT_FINDINGS if findings else EXIT_OK


def _verify(findings: Sequence[object], verifier: object) -> dict[int, str]:
    """Index of each verifiable finding -> live / dead / unknown (reason)."""
    out: dict[int, str] = {}
    for i, f in enumerate(findings):
        creds = getattr(f, "credentials", ())
        if len(creds) == 1 and getattr(f, "kind", "").startswith("Vault/OpenBao token"):
            out[i] = verifier.token(creds[0])  # type: ignore[attr-defined]
        elif len(creds) == 2:
            out[i] = verifier.approle(*creds)  # type: ignore[attr-defined]
        elif len(creds) == 1:
            out[i] = "unknown (no role_id beside this secret_id)"
    return out


def cmd_scan_env(args: argparse.Namespace) -> int:
    from vault_gate.compliance.checks.environment import DEFAULT_ALLOW, check_no_secrets_in_env

    if args.pid <= 0 or not Path(f"/proc/{args.pid}").is_dir():
        raise UsageError(f"{args.pid}: no such process")
    allow = set(DEFAULT_ALLOW) | set(args.allow)
    result = check_no_secrets_in_env(
        args.pid, args.env, _known_values(args.known_values), allow=allow
    )
    return _emit(result, args.json)


def _policies(files: Sequence[Path], flavour: str = "openbao"):  # type: ignore[no-untyped-def]
    from vault_gate.compliance.policy.acl import PolicyError, load_policies

    try:
        return load_policies(list(files), flavour=flavour)  # type: ignore[arg-type]
    except (PolicyError, OSError) as exc:
        raise UsageError(str(exc)) from None


def cmd_policy_capabilities(args: argparse.Namespace) -> int:
    from vault_gate.compliance.policy.acl import capabilities

    _print_json(capabilities(_policies(args.policy, args.flavour), args.path))
    return EXIT_OK


def cmd_policy_check(args: argparse.Namespace) -> int:
    from vault_gate.compliance.checks.least_privilege import check_least_privilege
    from vault_gate.compliance.live.targetfile import layout_from_target, names_of
    from vault_gate.compliance.profiles import profile
    from vault_gate.compliance.target import TargetError, load_target

    try:
        target = load_target(args.target)
        prof = target.bind(profile(args.env))
        layout = layout_from_target(names_of(target), prof, profiles=target.profiles())
    except (ValueError, TargetError) as exc:
        raise UsageError(f"--target/--env: {exc}") from None
    policies = _policies(args.policy, args.flavour)
    return _emit(check_least_privilege(policies, prof, layout=layout), args.json)


def cmd_policy_suggest(args: argparse.Namespace) -> int:
    """Write the smallest policy allowing exactly the app's requests in the audit log;
    requests into another environment's paths are findings (exit 1), never rules."""
    from vault_gate.compliance.checks.suggest import AppIdentity, SuggestError, observe, suggest

    if not args.audit_log.is_file():
        problem = "not a regular file" if args.audit_log.exists() else "no such file"
        raise UsageError(f"--audit-log {args.audit_log}: {problem}")
    scope, environment = None, ""
    if args.target is not None or args.env is not None:
        identity, scope, environment = _suggest_target(args)
    elif args.role:
        identity = AppIdentity("role", args.role)
    elif args.token_accessor:
        identity = AppIdentity("accessor", args.token_accessor)
    else:
        raise UsageError("name the app: --role NAME, --token-accessor A or --target FILE --env ENV")
    if args.out is not None and not args.out.parent.is_dir():
        raise UsageError(f"--out {args.out}: directory {args.out.parent} does not exist")
    try:
        obs = observe(args.audit_log, identity)
        result = suggest(
            obs,
            scope=scope,
            environment=environment,
            flavour=args.flavour,
            declared=args.declare,
            implied=not args.no_implied,
        )
    except SuggestError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"--audit-log {args.audit_log}: {exc.strerror}") from None
    text = result.hcl()
    if args.out is not None:
        _write_whole(args.out, text)
    if args.json:
        _print_json(result.to_json())
    elif args.out is None:
        sys.stdout.write(text)
    if obs.stats.corrupt:
        print(f"skipped {obs.stats.corrupt} lines that are not JSON", file=sys.stderr)
    for finding in result.findings:
        print(f"finding: {finding}", file=sys.stderr)
    return EXIT_FINDINGS if result.findings else EXIT_OK


def _suggest_target(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """(identity, scope, environment) from --target FILE --env ENV."""
    from vault_gate.compliance.checks.least_privilege import Scope, assumed_mounts
    from vault_gate.compliance.checks.suggest import AppIdentity
    from vault_gate.compliance.live.targetfile import layout_from_target, names_of
    from vault_gate.compliance.profiles import profile
    from vault_gate.compliance.target import TargetError, load_target

    if args.target is None or args.env is None:
        raise UsageError("--target and --env go together")
    if args.role or args.token_accessor:
        raise UsageError("name the app one way: --target/--env, --role or --token-accessor")
    try:
        target = load_target(args.target)
        prof = target.bind(profile(args.env))
        layout = layout_from_target(names_of(target), prof, profiles=target.profiles())
    except (ValueError, TargetError) as exc:
        raise UsageError(f"--target/--env: {exc}") from None
    role = target.approle(args.env)
    if not role:
        raise UsageError(f"--target {args.target}: [vault] approle is not set: name --role")
    scope = Scope.of_layout(layout, assumed_mounts(layout, [target.vault.kv_mount]))
    return AppIdentity("role", role), scope, args.env


def _write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"--out {path}: {exc.strerror}") from None


def cmd_audit_summary(args: argparse.Namespace) -> int:
    from vault_gate.compliance.checks.audit import summarize

    if not args.log.is_file():
        problem = "not a regular file" if args.log.exists() else "no such file"
        raise UsageError(f"{args.log}: {problem}")
    _print_json(summarize(args.log))
    return EXIT_OK


def _add_scan(sub: argparse._SubParsersAction) -> None:
    scan = sub.add_parser("scan", help="find secrets in files and git repositories")
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    scan.add_argument("--history", action="store_true", help="also every commit of a git repo")
    scan.add_argument(
        "--history-only", action="store_true", help="a git repo's commits, not its files"
    )
    scan.add_argument(
        "--no-cache",
        action="store_true",
        help="rescan every commit (default: only commits the last run did not see)",
    )
    scan.add_argument("--json", action="store_true", help="findings as JSON")
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    scan.add_argument("--sarif", type=Path, metavar="FILE", help="also write findings as SARIF")
    scan.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="a detect-secrets baseline (.secrets.baseline, as detect-secrets or "
        "vault-gate-hook --update-baseline write it): its reviewed findings (same file, "
        "same hashed_secret) are not reported; a committed .env file always is",
    )
    scan.add_argument(
        "--summary-json",
        type=Path,
        metavar="FILE",
        help="also write what was scanned and skipped, and why, as JSON",
    )
    scan.add_argument(
        "--verify",
        metavar="URL",
        help="ask this Vault/OpenBao server whether each found token and AppRole "
        "role_id/secret_id pair is live (opt-in; values are never printed)",
    )
    scan.add_argument("--verify-ca", type=Path, metavar="FILE", help="CA file for --verify")
    scan.add_argument(
        "--respect-gitignore",
        action="store_true",
        help="skip files git ignores under a named path (default: scan them, reported "
        "'on disk, ignored by git')",
    )
    scan.add_argument(
        "--known-values",
        type=Path,
        metavar="FILE",
        help="a 0600 file of known secret values, one per line, to search for",
    )
    scan.add_argument(
        "--max-file-size",
        type=_byte_size,
        default=DEFAULT_MAX_FILE_BYTES,
        metavar="SIZE",
        help="files larger than this are not scanned and reported as such "
        "(bytes, or with k/M/G; default 100M; larger files are read in pieces)",
    )
    scan.set_defaults(func=cmd_scan)


def _add_scan_env(sub: argparse._SubParsersAction) -> None:
    env = sub.add_parser("scan-env", help="secrets in a running process's environment")
    env.add_argument("pid", type=int)
    env.add_argument("--env", default="-", help="environment name for the report")
    env.add_argument("--known-values", type=Path, metavar="FILE")
    env.add_argument("--allow", action="append", default=[], metavar="NAME")
    env.add_argument("--json", action="store_true")
    env.set_defaults(func=cmd_scan_env)


def _add_policy(sub: argparse._SubParsersAction) -> None:
    policy = sub.add_parser("policy", help="analyse Vault policy files (HCL)")
    psub = policy.add_subparsers(dest="policy_command", required=True)
    caps = psub.add_parser("capabilities", help="capabilities the policies grant on a path")
    caps.add_argument("--policy", action="append", required=True, type=Path, metavar="FILE")
    caps.add_argument("--path", required=True)
    caps.set_defaults(func=cmd_policy_capabilities)
    flavour_help = "whose rules read the policies: OpenBao's (default) or HashiCorp Vault's"
    check = psub.add_parser("check", help="judge policies as an environment's app policy")
    check.add_argument("--policy", action="append", required=True, type=Path, metavar="FILE")
    check.add_argument("--env", required=True)
    check.add_argument(
        "--target", required=True, type=Path, metavar="FILE",
        help="the app's target file: its names on the server say which tree is its own",
    )  # fmt: skip
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_policy_check)
    from vault_gate.compliance.checks.suggest import TIME_GRANTS

    suggest_ = psub.add_parser(
        "suggest", help="the smallest policy allowing exactly the app's requests in an audit log"
    )
    suggest_.add_argument("--audit-log", required=True, type=Path, metavar="LOG")
    suggest_.add_argument("--role", metavar="NAME", help="the app's AppRole role")
    suggest_.add_argument(
        "--token-accessor", metavar="A", help="the app's token accessor, as the log writes it"
    )
    suggest_.add_argument("--target", type=Path, metavar="FILE", help="the app's target file")
    suggest_.add_argument("--env", help="the environment (with --target)")
    suggest_.add_argument(
        "--declare", action="append", default=[], choices=sorted(TIME_GRANTS), metavar="GRANT",
        help="a time-dependent grant the app needs though the log may not show it: "
        + ", ".join(sorted(TIME_GRANTS)),
    )  # fmt: skip
    suggest_.add_argument(
        "--no-implied", action="store_true",
        help="do not add the renewals a renewable token or lease implies",
    )  # fmt: skip
    suggest_.add_argument("--out", type=Path, metavar="FILE", help="write the policy here")
    suggest_.add_argument("--json", action="store_true")
    suggest_.set_defaults(func=cmd_policy_suggest)
    for sub_parser in (caps, check, suggest_):
        sub_parser.add_argument(
            "--flavour", choices=("openbao", "vault"), default="openbao", help=flavour_help
        )


def _add_audit(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="read Vault audit logs")
    asub = audit.add_subparsers(dest="audit_command", required=True)
    summary = asub.add_parser("summary", help="counts by type, operation, path, accessor")
    summary.add_argument("log", type=Path)
    summary.set_defaults(func=cmd_audit_summary)


def _add_check(sub: argparse._SubParsersAction) -> None:
    from vault_gate.compliance.live.command import register

    register(sub)


# Built-in subcommands by name (``check`` is live mode's); plugged-in ones by entry point.
BUILT_IN = {
    "scan": _add_scan,
    "scan-env": _add_scan_env,
    "policy": _add_policy,
    "audit": _add_audit,
    "check": _add_check,
}


class _VersionAction(argparse.Action):
    """``--version``, reading the installed metadata only when asked (not at every start)."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str = argparse.SUPPRESS,
        default: str = argparse.SUPPRESS,
        help: str | None = None,
    ) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default,
                         help=help or "show the version and exit")  # fmt: skip

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"vault-gate {_version()}")  # on stdout, as argparse's own version action
        parser.exit()


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``command`` (a built-in subcommand's name) only that
    subcommand's options are built, so ``vault-gate scan`` starts without importing what
    the other subcommands need (the policy suggester, live mode, plugged-in commands)."""
    p = argparse.ArgumentParser(
        prog="vault-gate",
        description="Check a Vault migration: the sign-off on real servers, secrets in a "
        "repository or a process environment, policies, audit logs, a live server.",
        epilog=EXIT_CODES_HELP,
    )
    p.add_argument("--version", action=_VersionAction)
    sub = p.add_subparsers(dest="command", required=True)
    for name, register in BUILT_IN.items():
        if command in (None, name):
            register(sub)
    if command not in BUILT_IN:
        from importlib.metadata import entry_points

        for entry in entry_points(group=COMMANDS_GROUP):
            entry.load()(sub)
    return p


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vault-gate")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    for arg in sys.argv[1:] if argv is None else argv:
        # Bytes that are not UTF-8 arrive as lone surrogates and would fail at output.
        if any("\ud800" <= c <= "\udfff" for c in arg):
            print(f"vault-gate: error: argument {arg!a} is not valid UTF-8", file=sys.stderr)
            return EXIT_USAGE
    given = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in given if not a.startswith("-")), None)
    args = parser(first if first in BUILT_IN else None).parse_args(given)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"vault-gate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
