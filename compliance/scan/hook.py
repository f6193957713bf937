"""``vault-gate-hook``: the repository scan as a pre-commit hook over staged files.

    vault-gate-hook [--baseline FILE] [--sarif FILE] [--update-baseline] FILE...

pre-commit runs it with the staged files (``.pre-commit-hooks.yaml``, id
``vault-gate-secrets``). Each file is scanned as :func:`vault_gate.compliance.scan.repo.scan` scans
a working tree (docs/scanner.md: Vault/OpenBao tokens and token assignments, unseal
keys, AppRole secret_ids, connection URLs with passwords, private and cloud keys,
secrets assigned to secret names, detect-secrets' regex plugins), and a ``.env`` file
is refused outright; the summary of what was scanned goes to stderr. Exit 1 on
findings, 0 when clean, 2 on bad input.

A reviewed false positive is allowed the ways detect-secrets allows it: an inline
``pragma: allowlist secret`` comment on the line, or an entry in the detect-secrets
baseline (``.secrets.baseline``, same file and ``hashed_secret``).
``--update-baseline`` records the files' current findings there. Messages name the
file, line, kind and a fingerprint, never the value.

Only the standard library is imported before the scan is needed: the hook must start
in a fraction of a second, and must not pull in the harness (pytest, servers).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import types
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

DEFAULT_BASELINE = ".secrets.baseline"
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

HOW_TO_ALLOW = """\
If a finding is not a secret (a test fixture, an example), allow it in one of two ways:
  - add the comment  pragma: allowlist secret  at the end of its line
    (or  pragma: allowlist nextline secret  on the line above), or
  - record it in the detect-secrets baseline:
      {update}
    and commit .secrets.baseline (review it: each entry is a hash, not the value).
A real secret: remove it, rotate it (it may already be in a clone), and read it from
Vault at run time instead."""
ENV_REFUSED = (
    "{path}: a .env file is never committed (no pragma or baseline allows it): "
    "git rm --cached {path}, add it to .gitignore, rotate what it held, and commit a "
    ".env.example with placeholders instead."
)
BASELINE_HOOK_ID = "vault-gate-baseline"  # .pre-commit-hooks.yaml, stage manual


def update_command(files: Sequence[str]) -> str:
    """The command that records findings in the baseline, as it exists where the reader
    is: under pre-commit (which sets PRE_COMMIT=1), ``vault-gate-hook`` lives in
    pre-commit's own environment, not on the user's PATH, so the manual-stage hook runs
    it; where the command is installed, it is named directly."""
    named = " ".join(files)
    if os.environ.get("PRE_COMMIT") or shutil.which("vault-gate-hook") is None:
        return (
            f"pre-commit run {BASELINE_HOOK_ID} --hook-stage manual --files {named}\n"
            f"      (list  - id: {BASELINE_HOOK_ID}  beside vault-gate-secrets in "
            ".pre-commit-config.yaml)"
        )
    return f"vault-gate-hook --update-baseline {named}"


class UsageError(Exception):
    pass


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is used, then imports it.

    detect-secrets' plugin base class imports ``requests`` for its verification calls,
    which vault-gate never makes; importing it is a third of the hook's start-up. The
    import machinery finds this module in ``sys.modules`` and binds it; the first
    attribute anyone reads (``requests.exceptions``...) imports the real module.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__spec__ = None

    def __getattr__(self, attr: str) -> object:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)


def _defer_import(name: str) -> None:
    if name not in sys.modules:
        sys.modules[name] = _Deferred(name)


def _norm(path: str) -> str:
    return PurePosixPath(os.path.normpath(path).replace(os.sep, "/")).as_posix()


def load_baseline(path: Path) -> dict[str, set[str]]:
    """file -> the hashed_secret values (SHA-1, detect-secrets' own) allowed in it."""
    from vault_gate.compliance.scan.baseline import BaselineError
    from vault_gate.compliance.scan.baseline import load_baseline as load

    try:
        return load(path, update_command(["FILE..."]))
    except BaselineError as exc:
        raise UsageError(str(exc)) from None


def update_baseline(path: Path, findings: Sequence[object]) -> int:
    """Add the findings (RepoFinding with a hashed_secret) to the baseline at ``path``,
    creating it with our detect-secrets settings; returns how many were added."""
    from vault_gate.compliance.scan import detectors

    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    else:
        from detect_secrets.__version__ import VERSION

        # detect-secrets' own settings only: ours are file:// paths of this machine, and
        # this hook does not read a baseline's settings, only its results.
        filters = [f for f in detectors.filter_settings() if not f["path"].startswith("file:")]
        data = {
            "version": VERSION,
            "plugins_used": detectors.builtin_plugin_settings(),
            "filters_used": filters,
            "results": {},
        }
    results: dict[str, list[dict[str, object]]] = data.setdefault("results", {})
    added = 0
    for f in findings:
        hashed = getattr(f, "hashed_secret", "")
        if not hashed:
            continue
        entries = results.setdefault(f.path, [])  # type: ignore[attr-defined]
        if any(e.get("hashed_secret") == hashed for e in entries):
            continue
        entries.append(
            {
                "type": f.kind,  # type: ignore[attr-defined]
                "filename": f.path,  # type: ignore[attr-defined]
                "hashed_secret": hashed,
                "is_verified": False,
                "line_number": f.line,  # type: ignore[attr-defined]
            }
        )
        added += 1
    data["results"] = {k: sorted(v, key=lambda e: e["line_number"]) for k, v in results.items()}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return added


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vault-gate-hook",
        description="Block commits that add secrets (Vault/OpenBao tokens, unseal keys, "
        "AppRole secret_ids, passwords in connection URLs, and detect-secrets' kinds).",
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help=f"detect-secrets baseline of allowed findings (default: {DEFAULT_BASELINE} "
        "if it exists)",
    )
    p.add_argument("--sarif", type=Path, metavar="FILE", help="also write findings as SARIF")
    p.add_argument(
        "--update-baseline",
        action="store_true",
        help="record the files' findings in the baseline instead of failing",
    )
    return p


def run(args: argparse.Namespace) -> int:
    files = [f for f in args.files if f]
    baseline_path: Path | None = args.baseline
    if baseline_path is None and Path(DEFAULT_BASELINE).is_file():
        baseline_path = Path(DEFAULT_BASELINE)
    if args.baseline is not None and not args.update_baseline and not args.baseline.is_file():
        raise UsageError(f"--baseline {args.baseline}: no such file")
    if args.sarif and not args.sarif.parent.is_dir():
        raise UsageError(f"--sarif {args.sarif}: directory {args.sarif.parent} does not exist")
    if not files:
        return EXIT_OK

    _defer_import("requests")
    from vault_gate.compliance.scan import repo

    if baseline_path is not None:  # its hashes look like secrets to the entropy plugins
        files = [f for f in files if _norm(f) != _norm(str(baseline_path))]
    report = repo.scan_hook([Path(f) for f in files])
    findings = report.findings
    # pre-commit shows it with the failure, or with --verbose: what was looked at.
    print(f"vault-gate-hook: {report.summary_line()}", file=sys.stderr)
    if args.update_baseline:
        target = baseline_path or Path(DEFAULT_BASELINE)
        added = update_baseline(target, findings)
        refused = [f for f in findings if not f.hashed_secret]
        print(f"{target}: {added} finding(s) recorded")
        for f in refused:
            print(f"{f.path}:{f.line}: {f.kind} cannot be recorded in a baseline")
        return EXIT_FINDINGS if refused else EXIT_OK

    allowed = load_baseline(baseline_path) if baseline_path else {}
    blocking = [f for f in findings if f.hashed_secret not in allowed.get(_norm(f.path), set())]
    if args.sarif:
        from vault_gate.compliance.report.sarif import write_sarif

        write_sarif(args.sarif, repo.sarif_report(blocking))
    if not blocking:
        return EXIT_OK
    print(f"vault-gate: {len(blocking)} secret(s) in the files to commit:")
    for f in blocking:
        print(f"  {f.path}:{f.line}: {f.kind} ({f.fingerprint})")
    print()
    env_files = sorted({f.path for f in blocking if not f.hashed_secret})
    for path in env_files:
        print(ENV_REFUSED.format(path=path))
    allowable = sorted({f.path for f in blocking if f.hashed_secret})
    if allowable:
        if env_files:
            print()
        print(HOW_TO_ALLOW.format(update=update_command(allowable)))
    return EXIT_FINDINGS


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as exc:
        print(f"vault-gate-hook: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
