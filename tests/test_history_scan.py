"""History as added lines, its cache, shallow and broken clones; the engine's prefilter
loses nothing; bad input (huge lines, invalid UTF-8, symlink loops) in bounded time.

Real ``git`` repositories in temporary directories; no servers.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_repo_scan import (
    DSN,
    TOKEN,
    assert_not_leaked,
    commit,
    git,
    has,
    init_repo,
    random_token,
)
from vault_gate.compliance.scan import detectors, engine, history
from vault_gate.compliance.scan.repo import (
    KIND_ENV_FILE,
    KIND_UNREADABLE,
    SKIP_BINARY,
    SKIP_SYMLINK,
    scan,
)

CORPUS = Path(__file__).parent / "data" / "secrets_corpus"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def test_history_reports_the_added_line_at_its_commit(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    commit(repo, "one", {"app.yml": "name: app\nport: 8080\n"})
    token = random_token()
    second = commit(repo, "two", {"app.yml": f"name: app\nport: 8080\ntoken: {token.reveal()}\n"})
    commit(repo, "three", {"app.yml": "name: app\nport: 8080\n"})
    report = scan([repo], history=True, working_tree=False)
    assert has(
        report.findings, TOKEN, token, path="app.yml", line=3, where=f"history {second[:10]}"
    )
    assert report.commits == 3
    assert_not_leaked(report.findings, [token])


def test_history_is_read_as_committed_whatever_diff_filters_the_repository_names(
    tmp_path: Path,
) -> None:
    """A textconv filter (named by .gitattributes, configured by the user) would show
    ``git log -p`` other text than was committed, here none, and would run a program
    for each file; history is read without it. A deleted file adds nothing."""
    repo = init_repo(tmp_path / "r")
    git(repo, "config", "diff.hide.textconv", "sh -c 'touch ran; true'")
    token = random_token()
    added = commit(repo, "add", {".gitattributes": "*.conf diff=hide\n",
                                 "app.conf": f"token = {token.reveal()}\n"})  # fmt: skip
    git(repo, "rm", "-q", "app.conf")
    commit(repo, "remove")
    report = scan([repo], history=True, working_tree=False)
    assert has(report.findings, TOKEN, token, path="app.conf", where=f"history {added[:10]}")
    assert len([f for f in report.findings if f.kind == TOKEN]) == 1
    assert not (repo / "ran").exists()
    assert_not_leaked(report.findings, [token])


def test_history_cache_scans_only_new_commits(tmp_path: Path, cache_home: Path) -> None:
    repo = init_repo(tmp_path / "r")
    token = random_token()
    commit(repo, "one", {"a.env.example": "X=1\n", "run.sh": f"vault login {token.reveal()}\n"})
    commit(repo, "two", {"b.txt": "hello\n"})
    first = scan([repo], history=True, working_tree=False, history_cache=True)
    assert first.commits_cached == 0
    again = scan([repo], history=True, working_tree=False, history_cache=True)
    assert (again.commits, again.commits_cached) == (2, 2)
    assert again.findings == first.findings
    newer = random_token()
    commit(repo, "three", {"c.sh": f"vault login {newer.reveal()}\n"})
    third = scan([repo], history=True, working_tree=False, history_cache=True)
    assert (third.commits, third.commits_cached) == (3, 2)
    assert has(third.findings, TOKEN, newer, path="c.sh") and has(third.findings, TOKEN, token)
    cached = list(cache_home.rglob("*.json"))
    assert cached and oct(cached[0].stat().st_mode & 0o777) == "0o600"
    text = "".join(p.read_text() for p in cached)
    assert_not_leaked(text, [token, newer])


def test_known_values_bypass_the_cache(tmp_path: Path, cache_home: Path) -> None:
    from vault_gate.compliance.secret import Secret

    repo = init_repo(tmp_path / "r")
    value = Secret("s3cr3t-value-" + "x7Q")
    commit(repo, "one", {"notes.txt": f"the value is {value.reveal()}\n"})
    scan([repo], history=True, working_tree=False, history_cache=True)
    report = scan(
        [repo], history=True, working_tree=False, history_cache=True, known_values=[value]
    )
    assert report.commits_cached == 0
    assert any(f.kind.startswith("known secret value") for f in report.findings)


def test_shallow_clone_is_scanned_and_says_what_it_lacks(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    old = random_token()
    commit(repo, "one", {"old.sh": f"vault login {old.reveal()}\n"})
    commit(repo, "two", {"old.sh": "echo removed\n"})
    new = random_token()
    commit(repo, "three", {"new.sh": f"vault login {new.reveal()}\n"})
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)],
        check=True, capture_output=True,
    )  # fmt: skip
    report = scan([clone], history=True, working_tree=False)
    assert has(report.findings, TOKEN, new, path="new.sh")
    assert not has(report.findings, TOKEN, old)  # not in this clone: said so below
    assert any("shallow clone" in n for n in report.not_scanned)
    assert "shallow boundary" in report.summary_line()


def test_history_with_missing_objects_falls_back_and_reports_them(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    token = random_token()
    commit(
        repo, "one", {"gone.txt": "lost content\n", "kept.sh": f"vault login {token.reveal()}\n"}
    )
    blob = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD:gone.txt"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    report = scan([repo], history=True, working_tree=False)
    assert has(report.findings, TOKEN, token, path="kept.sh")
    assert has(report.findings, KIND_UNREADABLE, path="gone.txt")
    assert any("blob by blob" in n for n in report.not_scanned)


def test_history_only_reports_a_tracked_env_file_at_its_commit(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    first = commit(repo, "one", {".env": "A=1\n"})
    report = scan([repo], history=True, working_tree=False)
    assert has(report.findings, KIND_ENV_FILE, path=".env", where=f"history {first[:10]}")


# --- the engine's prefilter loses nothing ---------------------------------------------


class _EveryLine(engine.Engine):
    """Every rule on every line: what the prefilter must agree with."""

    def __init__(self, plugins: list[object]) -> None:
        super().__init__(plugins)
        self._hs = None
        self._re = []
        self._always = list(range(len(self.rules)))


@pytest.mark.parametrize("hyperscan", [True, False])
def test_prefilter_finds_what_every_rule_on_every_line_finds(
    hyperscan: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hyperscan:
        monkeypatch.setenv("VAULT_GATE_NO_HYPERSCAN", "1")
    elif engine.hyperscan is None:
        pytest.skip("no hyperscan wheel here")
    from detect_secrets.settings import get_plugins

    with detectors.scan_settings():
        plugins = engine.engine_plugins(get_plugins())
        fast = engine.Engine(plugins)
        assert fast.uses_hyperscan is hyperscan
        slow = _EveryLine(plugins)
        files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
        assert len(files) > 250  # the generated part (the real files are re-created locally)
        for path in files:
            data = path.read_bytes()
            assert fast.scan(data, path.name) == slow.scan(data, path.name), path


# --- bad input ------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_a_50_mb_single_line_is_scanned_in_bounded_time(tmp_path: Path) -> None:
    token = random_token()
    chunk = b"a.b(c,d);" * 1000
    data = chunk * (50 * 1024 * 1024 // len(chunk)) + f";t='{token.reveal()}'".encode()
    (tmp_path / "bundle.min.js").write_bytes(data)
    report = scan([tmp_path], max_file_bytes=64 * 1024 * 1024, workers=1)
    assert has(report.findings, TOKEN, token, path="bundle.min.js", line=1)
    assert report.bytes_scanned["working tree"] == len(data)


def test_invalid_utf8_and_odd_bytes_are_text_not_a_crash(tmp_path: Path) -> None:
    token = random_token()
    (tmp_path / "latin1.conf").write_bytes(
        b"caf\xe9 = \xff\xfe\xfd\nVAULT_TOKEN=" + token.reveal().encode() + b"\r\n\x80\x81\n"
    )
    report = scan([tmp_path])
    assert has(report.findings, TOKEN, token, path="latin1.conf", line=2)


def test_symlink_loops_and_links_are_counted_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "a").mkdir(parents=True)
    (root / "a" / "loop").symlink_to(root / "a")
    (root / "self").symlink_to(root / "self")
    (root / "real.txt").write_text("hello\n")
    report = scan([root])
    assert report.skipped[SKIP_SYMLINK] == 2
    assert report.files["working tree"] == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="a FIFO as root: not readable content")
def test_a_fifo_is_skipped_never_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    report = scan([tmp_path])
    assert report.skipped["not a regular file"] == 1


def test_binary_is_skipped_and_counted(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x7fELF\0\0\0\0" + bytes(range(256)) * 4)
    report = scan([tmp_path])
    assert report.skipped[SKIP_BINARY] == 1
    assert "1 binary" in report.summary_line()


def test_dsn_in_a_minified_bundle_is_still_found(tmp_path: Path) -> None:
    from vault_gate.compliance.secret import Secret

    password = Secret("Zx9" + "q" * 3 + "Lm2Pw7")
    line = "var a=1;" * 200 + f'var u="postgresql://app:{password.reveal()}@db/app";' + "x()" * 50
    (tmp_path / "app.min.js").write_text(line + "\n")
    report = scan([tmp_path])
    assert has(report.findings, DSN, password)


# --- rules: what the docs claim ---------------------------------------------------------


def test_assignment_rule_conditions(tmp_path: Path) -> None:
    from vault_gate.compliance.secret import Secret

    django = Secret("django-insecure-" + "k3y(" * 10)
    password = Secret("Tr0ub4dor-" + "x9Q!")
    (tmp_path / "settings.py").write_text(
        f"KEY_FOR_SESSIONS = '{django.reveal()}'\n"  # Django's key, whatever the name
        "secrets_validated = check_all_secrets()\n"  # a call
        f"conn = dict(password='{password.reveal()}')\n"  # a keyword argument in a call
    )
    (tmp_path / "mvnw").write_text('case "${MVNW_PASSWORD:+has-password}" in\n')
    (tmp_path / "README.md").write_text('{ "api_key": "myapp-api-key-123456" }\n')
    report = scan([tmp_path])
    kinds = {(f.path, f.line, f.kind) for f in report.findings}
    assert kinds == {
        ("settings.py", 1, "Flask/Django secret key"),
        ("settings.py", 3, "Secret Keyword"),
    }
    assert_not_leaked(report.findings, [django, password])


def _log(commits: list[list[bytes]]) -> bytes:
    out = b""
    for i, lines in enumerate(commits):
        out += b"\x01" + f"{i:040x}".encode() + b"\n"
        for j, line in enumerate(lines):
            out += f"diff --git a/f{j} b/f{j}\n+++ b/f{j}\n@@ -0,0 +1 @@\n+".encode()
            out += line + b"\n"
    return out


@given(
    commits=st.lists(
        st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b" ")), max_size=3),
        min_size=1,
        max_size=8,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12),
)
def test_a_log_read_in_blocks_is_scanned_in_whole_commits(
    commits: list[list[bytes]], cuts: list[int]
) -> None:
    """However git's output arrives (a pipe gives what it has), every piece holds
    whole commits: the same commits and file changes as the log read at once."""
    log = _log(commits)
    edges = sorted({c for c in cuts if c < len(log)} | {0, len(log)})
    blocks = [log[a:b] for a, b in itertools.pairwise(edges)]
    pieces = list(history.whole_commits(blocks))
    assert b"".join(pieces) == log
    assert all(piece.startswith(b"\x01") for piece in pieces)
    whole = [(c.commit, c.path, c.hunks) for c in history.parse(log)]
    assert [(c.commit, c.path, c.hunks) for p in pieces for c in history.parse(p)] == whole


# --- screening a piece of history at once -----------------------------------------------


class _Unscreened:
    """The same scanner, every change scanned on its own (no screening)."""

    def __init__(self, inner: history.ChangeScanner) -> None:
        self.inner = inner
        self.scanned = 0

    def scan_bytes(self, data: bytes, path: str) -> list[tuple[int, str, str, str]]:
        self.scanned += 1
        return self.inner.scan_bytes(data, path)

    def anchor_ends(self, data: bytes) -> None:
        return None


def _corpus_log() -> tuple[bytes, list[str]]:
    """Every file of the corpus's tuning part as a new file, four to a commit, in
    hunks of up to five lines (a hunk's lines are joined as git shows them)."""
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and "frozen" not in p.parts)
    out, shas = [], []
    for n in range(0, len(files), 4):
        sha = f"{n:040x}"
        shas.append(sha)
        out.append(b"\x01" + sha.encode() + b"\n\n")
        for path in files[n : n + 4]:
            name = path.relative_to(CORPUS).as_posix()
            lines = path.read_bytes().replace(b"\r", b"").split(b"\n")
            out.append(f"diff --git a/{name} b/{name}\nnew file mode 100644\n".encode())
            out.append(f"--- /dev/null\n+++ b/{name}\n".encode())
            for start in range(0, len(lines), 5):
                hunk = lines[start : start + 5]
                out.append(f"@@ -0,0 +{start + 1},{len(hunk)} @@\n".encode())
                out.append(b"".join(b"+" + line + b"\n" for line in hunk))
    return b"".join(out), shas


def _scanned(log: bytes, shas: list[str], scanner: history.ChangeScanner) -> history.Scanned:
    out = history.Scanned.zero(shas)
    index = {sha: i for i, sha in enumerate(shas)}
    history._scan_changes(log, out, index, scanner, lambda p: False, 1 << 30, lambda p: True)
    return out


def test_screening_a_piece_at_once_finds_what_scanning_each_change_finds() -> None:
    """Every change of a piece is screened in one pass of the rules' anchors, and only
    those where one matched are scanned: the same findings, at the same lines, as
    scanning each change (the corpus's secrets, four files a commit)."""
    from vault_gate.compliance.scan.repo import KnownValues, _FileScanner

    scanner = _FileScanner(KnownValues([]), 1 << 30)
    log, shas = _corpus_log()
    screened = _Unscreened(scanner)
    screened.anchor_ends = scanner.anchor_ends  # type: ignore[method-assign]
    plain = _Unscreened(scanner)
    every = _scanned(log, shas, plain)
    assert sum(len(n.found) for n in every.notes.values()) > 100  # the corpus's secrets
    assert _scanned(log, shas, screened) == every
    assert 0 < screened.scanned < plain.scanned  # it did screen: fewer changes scanned
    if engine.hyperscan is not None:
        assert scanner.anchor_ends(b"x") is not None


def test_no_screening_where_anchors_cannot_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """``re`` reports non-overlapping matches only, so one change's match could hide
    the next one's: without Hyperscan, no screening (every change scanned)."""
    monkeypatch.setenv("VAULT_GATE_NO_HYPERSCAN", "1")
    from detect_secrets.settings import get_plugins

    with detectors.scan_settings():
        slow = engine.Engine(engine.engine_plugins(get_plugins()))
    assert not slow.uses_hyperscan
    assert slow.anchor_ends(b"VAULT_TOKEN=hvs.x") is None


def test_scanned_columns_join_pick_and_survive_the_cache(tmp_path: Path) -> None:
    a = history.Scanned(["a1", "a2"], [1, 0], [10, 0], [0, 2])
    a.note("a1").found.append(("p", 3, "kind", "fp", "hash"))
    b = history.Scanned(["b1"], [4], [40], [1])
    b.note("b1").new_paths.append(".env")
    both = history.Scanned.join([a, b])
    assert both.shas == ["a1", "a2", "b1"] and both.files == [1, 0, 4]
    assert set(both.notes) == {"a1", "b1"}
    picked = history.Scanned.join([both], only={"b1", "a2"})
    assert picked.shas == ["a2", "b1"] and picked.size == [0, 40] and set(picked.notes) == {"b1"}
    cache = tmp_path / "c.json"
    history.save_cache(cache, both)
    assert history.load_cache(cache) == both
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    cache.write_text('{"shas": ["x"], "files": [], "size": [], "binary": [], "notes": {}}')
    assert history.load_cache(cache) == history.Scanned()  # columns disagree: no cache


def test_a_prefetched_listing_is_the_listing_and_is_taken_once(tmp_path: Path) -> None:
    """The CLI starts ``git rev-list`` before the rules load; :func:`history.commits`
    takes that listing (the same commits as its own) and leaves nothing running."""
    repo = init_repo(tmp_path / "r")
    commit(repo, "first", {"a.txt": "one\n"})
    commit(repo, "second", {"b.txt": "two\n"})
    own = history.commits(repo)
    history.prefetch_commits(repo)
    proc = history._listings[str(repo.resolve())]
    assert history.commits(repo) == own and len(own) == 2
    assert not history._listings and proc.returncode == 0


def test_a_prefetched_listing_that_failed_fails_as_git_does(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    history.prefetch_commits(tmp_path / "plain")  # not a repository: git says so
    with pytest.raises(subprocess.CalledProcessError):
        history.commits(tmp_path / "plain")
    assert not history._listings


def test_a_listing_never_taken_is_stopped_at_exit(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    commit(repo, "first", {"a.txt": "one\n"})
    history.prefetch_commits(repo)
    proc = history._listings[str(repo.resolve())]
    history._stop_listings()  # what atexit runs
    assert proc.returncode is not None and not history._listings


def test_the_log_events_are_told_apart_by_their_group_numbers() -> None:
    """parse() tells _EVENTS' alternatives apart by the number of the group each ends
    with (faster than by name): a group added or moved must move those numbers too."""
    groups = history._EVENTS.groupindex
    assert (groups["added"], groups["commit"], groups["diff"]) == (
        history._HUNK, history._COMMIT, history._DIFF,
    )  # fmt: skip
    assert (groups["plus"], groups["new"], groups["binary"]) == (
        history._PLUS, history._NEW, history._BINARY,
    )  # fmt: skip
    assert history._EVENTS.groups == 7


@pytest.mark.skipif(engine.hyperscan is None, reason="no hyperscan wheel here")
def test_no_screening_where_an_anchor_holds_only_at_the_buffers_start() -> None:
    """``\\A`` matches at the start of each change alone, but only once in the joined
    piece: an engine with such an anchor is not screened; without one, it is."""
    import re

    class _AtStart(detectors._Detector):
        secret_type = "at start"
        denylist = (re.compile(r"\Akey=\w+"),)

        def find(self, line: str, filename: str, context: object) -> Iterator[str]:
            yield from (m.group(0) for m in self.denylist[0].finditer(line))

    class _Anywhere(_AtStart):
        denylist = (re.compile(r"key=\w+"),)

    assert engine.Engine([_AtStart()]).anchor_ends(b"x\nkey=1") is None
    assert list(engine.Engine([_Anywhere()]).anchor_ends(b"x\nkey=1")) != []
