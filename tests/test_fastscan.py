"""The fast scan loses nothing: compared with plain detect-secrets, same plugins, same filters.

``vault_gate.compliance.scan.fastscan.scan_file`` must yield exactly what
``detect_secrets.core.scan.scan_file`` yields (same secrets, same lines, same order), on
a generated corpus (every kind of secret, the formats detect-secrets transforms) and
on random lines. The prefilter's building blocks (literals and character runs a
pattern's matches must hold) are checked against strings generated from each pattern.
"""

from __future__ import annotations

import json
import logging
import re
import string
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from detect_secrets.core import scan as ds_scan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault_gate.compliance.scan import detectors, fastscan, repo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.corpus import SECRET_LINES, generate


@pytest.fixture(scope="module", autouse=True)
def quiet_detect_secrets() -> Iterator[None]:
    logger = logging.getLogger("detect-secrets")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


def _key(secret: object) -> tuple:
    return (
        secret.filename,  # type: ignore[attr-defined]
        secret.line_number,  # type: ignore[attr-defined]
        secret.type,  # type: ignore[attr-defined]
        secret.secret_hash,  # type: ignore[attr-defined]
    )


def _both(path: Path, prefilter: fastscan.Prefilter) -> tuple[list, list]:
    plain = [_key(s) for s in ds_scan.scan_file(str(path))]
    fast = [_key(s) for s in fastscan.scan_file(str(path), prefilter)]
    return plain, fast


# Files that exercise detect-secrets' transformers and the YAML shortcut's limits:
# escapes, tags, complex keys, folded and block scalars, flow style, comments,
# INI files and eager INI parsing of unknown file types, a file that is not YAML.
TRICKY = {
    "escaped.yaml": 'api: "p\\x61ssword: x"\ntoken: "hvs.\\u0041bCdEfGhIjKlMnOpQrStUvWx"\n',
    "tagged.yaml": "blob: !!binary |\n  {b64}\n  {b64}\nother: !Ref Thing\n",
    "complex.yaml": "? [a, b]\n: {b64q}\n[x]: y\n",
    "folded.yaml": "description: >\n  {half1}\n  {half2}\nliteral: |\n  password={pw}\n",
    "flow.yaml": "{{db_password: '{pw}', list: [{b64q}, plain]}}\n",
    "quotes.yaml": "value: 'it''s {b64}'\nq: \"a \\\"{b64}\\\" b\"\n",
    "comment.yaml": "key: value  # password: {pw}\nurl: postgres://app:{pw}@db/app\n",
    "broken.yaml": "key: [unclosed\n  password = '{pw}'\n",
    "seq.yml": "env:\n  - VAULT_TOKEN=dev-{pw}\n  - name: x\n    value: {b64}\n",
    "spaced.yaml": 'secret_key   : {pw}\n"db_password" : {pw}\n',
    "inline.yaml": "note: 'the password: {pw}'\ncheck: a == my_password\n",
    "semicolon.yaml": "cmd: export X='{pw}';\nvalue: secret/data/store-erp/prod/x\n",
    "folded-key.yaml": "text: >\n  api_key\n  = {pw}\nk: v\n",
    "app.ini": "[db]\npassword = {pw}\nurl = mysql://root:{pw}@db/x\n",
    "setup.cfg": "[auth]\nsecret_key: {b64}\n",
    "notes.txt": "[section]\napi_key = {b64}\n",
    "plain.txt": "no secrets here, just text with a :// and a . and AC and SK\n",
    "prose.md": "Unseal Key 1: {key}\nsecret_id = {uuid}\n",
    "data.json": '{{"password": "{pw}", "nested": {{"token": "{b64}"}}}}\n',
    "unicode.py": 'PASSWORD = "{pw}\u00e9"\n\u017fecret = "{b64}"\nAP\u0130_KEY = "{b64}"\n',
    "crlf.py": 'a = 1\r\npassword = "{pw}"\r\n',
    "tabs.env": "DB_PASSWORD=\t{pw}\nVAULT_TOKEN=\t{pw}\n",
}


def _tricky_files(root: Path) -> None:
    import base64
    import random
    import uuid

    r = random.Random(7)  # noqa: S311 - reproducible test data
    b64 = base64.b64encode(r.randbytes(30)).decode()
    values = {
        "b64": b64,
        "b64q": f'"{b64}"',
        "half1": b64[:20],
        "half2": b64[20:],
        "pw": "".join(r.choice(string.ascii_letters + string.digits) for _ in range(14)),
        "key": base64.b64encode(r.randbytes(32)).decode(),
        "uuid": str(uuid.UUID(int=r.getrandbits(128), version=4)),
    }
    for name, template in TRICKY.items():
        (root / name).write_text(template.format(**values), newline="")


@pytest.mark.parametrize("entropy", [True, False])
def test_generated_corpus_same_findings_as_plain_detect_secrets(
    tmp_path: Path, entropy: bool
) -> None:
    generate(tmp_path / "corpus", 400_000, seed=11, secret_rate=0.6, lines_per_file=(5, 120))
    _tricky_files(tmp_path)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    found_types: set[str] = set()
    with detectors.scan_settings(entropy=entropy):
        prefilter = fastscan.current_prefilter()
        for path in files:
            plain, fast = _both(path, prefilter)
            assert fast == plain, path.name
            found_types |= {k[2] for k in plain}
    # The corpus exercised the plugins: every kind it plants was found.
    expected = {"Secret Keyword", "Private Key", "GitHub Token", "JSON Web Token"}
    expected |= {d.secret_type for d in detectors.OUR_DETECTORS}
    if entropy:
        expected |= {"Base64 High Entropy String", "Hex High Entropy String"}
    assert expected <= found_types, expected - found_types


def test_yaml_files_proven_clean_without_parsing_are_clean(tmp_path: Path) -> None:
    """The YAML shortcut fires (else it would be dead code) and only where plain is empty."""
    generate(tmp_path, 300_000, seed=12, secret_rate=0.0)
    (tmp_path / "clean.yaml").write_text("name: web\nreplicas: 3\nimage: nginx:1.25\n")
    shortcut = 0
    with detectors.scan_settings():
        prefilter = fastscan.current_prefilter()
        for path in sorted(tmp_path.rglob("*.y*ml")):
            if fastscan._yaml_is_clean(str(path), prefilter):
                shortcut += 1
                assert list(ds_scan.scan_file(str(path))) == [], path.name
    assert shortcut >= 1


# --- random lines --------------------------------------------------------------------

_FRAGMENTS = [
    "password", "secret", "api_key", "apiKey", "db_pass", "token", "passwd", "pwd",
    "private_key", "VAULT_TOKEN", "BAO_TOKEN", "secret_id", "unseal", "recovery_keys",
    "keys_base64",
    "hvs.", "s.", "b.", "AKIA", "ghp_", "xoxb-1234567890-", "sk_live_", "eyJ", "SG.",
    "-----BEGIN RSA PRIVATE KEY-----", "postgresql://app:", "@db:5432/app", "://",
    "?password=", "host=db user=app password=", "AccountKey=", "-us1", "8.8.8.8",
    "10.0.0.1", "X-Vault-Token:", "-dev-root-token-id=", "${VAULT_TOKEN:-", "ENV VAULT_TOKEN ",
    "<VAULT_TOKEN>", 'name="VAULT_TOKEN" value=', 'os.getenv("VAULT_TOKEN", ',
    " = ", ": ", "=", ":", '"', "'", " ", "\t", "#", "\\", "!", "?", "[", "]", "{", "}", ",",
    "- ", "  ", "\u00e9", "\u017f", "\u0130", "\u212a", "pragma: allowlist secret",
    "cloudant_password",
    "ibm_cloud_iam_key", "softlayer_api_key", "ibm_cos_hmac_secret_access_key",
]  # fmt: skip
_ALPHABET = string.ascii_letters + string.digits + "+/=_-.:@"


@st.composite
def _random_value(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["b64", "hex", "uuid", "word", "token"]))
    if kind == "b64":
        return draw(st.text(alphabet=_ALPHABET, min_size=8, max_size=90))
    if kind == "hex":
        return draw(st.text(alphabet="0123456789abcdef", min_size=8, max_size=64))
    if kind == "uuid":
        return str(draw(st.uuids()))
    if kind == "token":
        base62 = string.ascii_letters + string.digits
        return draw(st.text(alphabet=base62, min_size=24, max_size=24))
    return draw(st.sampled_from(["root", "changeme", "xxxx", "${DB_PASSWORD}", "hunter2hunter2"]))


_LINE = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), _random_value()), max_size=9).map("".join)
_NAMES = [
    "a.py", "c.yaml", "d.yml", "e.ini", "f.cfg", "g.txt", "h.json", "i.env", "j.go", "k.js",
    "l.toml", "m.properties", "n.md", "Dockerfile", "o.tf", "p.java", "q.conf", "r.cs",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(_NAMES), lines=st.lists(_LINE, min_size=1, max_size=6))
def test_random_lines_same_findings_as_plain_detect_secrets(name: str, lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, detectors.scan_settings():
        path = Path(tmp) / name
        path.write_text("\n".join(lines) + "\n")
        plain, fast = _both(path, fastscan.current_prefilter())
        assert fast == plain


# --- the building blocks -------------------------------------------------------------


def _all_needles() -> list[tuple[str, fastscan.Needle]]:
    with detectors.scan_settings():
        prefilter = fastscan.current_prefilter()
    return [
        (type(plugin).__name__, needle)
        for plugin, needles in zip(prefilter.plugins, prefilter.needles, strict=True)
        for needle in needles or ()
    ]


def test_every_plugin_is_narrowed() -> None:
    """No plugin falls back to every line, and each one's needles test something."""
    with detectors.scan_settings():
        prefilter = fastscan.current_prefilter()
    assert all(n is not None for n in prefilter.needles)
    for name, needle in _all_needles():
        assert needle.literals or needle.run or needle.line_gate or needle.regex, name


@pytest.mark.parametrize(("name", "needle"), _all_needles(), ids=lambda v: str(v)[:40])
def test_needle_finds_every_match_of_its_pattern(name: str, needle: fastscan.Needle) -> None:
    """Strings generated to match a plugin's own pattern are always kept by its needle."""
    pattern = needle.regex.pattern

    try:
        strategy = st.from_regex(re.compile(pattern, needle.regex.flags & ~re.MULTILINE))
    except Exception:  # lookbehinds and backreferences: hypothesis cannot generate them
        # Without its zero-width assertions a pattern matches more, never less.
        stripped = re.sub(r"\(\?<?[!=](?:[^()]|\([^()]*\))*\)", "", pattern)
        strategy = st.from_regex(re.compile(stripped, needle.regex.flags & ~re.MULTILINE))

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def check(text: str) -> None:
        for line in text.split("\n"):
            if needle.regex.search(line) and (
                needle.accept is None or any(needle.accept(m) for m in needle.regex.finditer(line))
            ):
                assert 0 in needle.lines(fastscan._Text([line])), (name, line)

    check()


def test_needles_from_the_disk_cache_are_the_needles_built() -> None:
    """What a later process reads back is exactly what this one derived."""
    for name, needle in _all_needles():
        if needle.accept is not None:
            continue  # entropy needles are built in-process, never cached
        back = fastscan._needle_from_json(
            needle.regex, json.loads(json.dumps(fastscan._needle_to_json(needle)))
        )
        assert back == needle, name


@pytest.mark.parametrize("threads", ["one thread (fork)", "threads alive (spawn)"])
def test_repository_scan_same_report_in_workers(tmp_path: Path, monkeypatch, threads) -> None:
    """Parallel workers change nothing in the report (forced on a small tree here).

    With other threads alive (as in a pytest session with background work) the workers
    are spawned, fresh interpreters that must set up detect-secrets' plugins themselves.
    """
    generate(tmp_path, 200_000, seed=13, secret_rate=0.5, lines_per_file=(5, 60))
    serial = repo.scan([tmp_path], workers=1)
    monkeypatch.setattr(repo, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(repo, "PARALLEL_MIN_FILES", 4)
    done = threading.Event()
    if threads.startswith("threads"):
        threading.Thread(target=done.wait, args=(120,), daemon=True).start()
    else:
        monkeypatch.setattr(threading, "active_count", lambda: 1)
    try:
        parallel = repo.scan([tmp_path], workers=2)
    finally:
        done.set()
    assert parallel.findings == serial.findings
    assert parallel.files == serial.files and parallel.not_scanned == serial.not_scanned
    assert len(serial.findings) >= 10


def test_secret_lines_cover_every_plugin_family() -> None:
    """The corpus plants every family the comparison relies on."""
    assert {"vault_token", "unseal_key", "secret_id", "dsn", "keyword", "base64_entropy"} <= set(
        SECRET_LINES
    )
