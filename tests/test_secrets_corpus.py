"""The labelled corpus holds what it claims, the scorer scores, and the scanner keeps
its accuracy on it (line F1 and precision >= 0.95: the issue's bar, as a regression
guard; the side-by-side figures are benchmarks/peers.py's).

The real files (negatives/, copied unchanged from public repositories) are not
committed: fetched material stays out of the repository. `benchmarks/secrets_corpus.py
negatives --mirror DIR` re-creates them from an export of the recorded commit; where
they are absent, their labels are kept (the corpus's shape is checked) and the accuracy
bar is held on the generated part alone."""

from __future__ import annotations

from benchmarks.secrets_corpus import CORPUS, KINDS, _span, load_labels, ours, score

MIN_FILES = 300
BAR = 0.95


def test_corpus_has_every_kind_in_real_file_types_with_valid_labels() -> None:
    labels = load_labels()
    assert len(labels) >= MIN_FILES
    kinds = {kind for spans in labels.values() for kind in spans.values()}
    assert kinds == set(KINDS)
    suffixes = {p.rsplit("/", 1)[-1].rsplit(".", 1)[-1] for p in labels}
    assert {"yml", "yaml", "json", "env", "sh", "py", "js", "tf", "hcl", "tfstate", "log",
            "ipynb", "md"} <= suffixes | {"Dockerfile"}  # fmt: skip
    assert any(p.endswith("Dockerfile") for p in labels)
    for path, spans in labels.items():
        if not (CORPUS / path).exists():
            assert path.startswith("negatives/"), path  # only the uncommitted real files
            continue
        lines = (CORPUS / path).read_bytes().split(b"\n")
        for key in spans:
            first, last = _span(key)
            assert 1 <= first <= last <= len(lines), (path, key)
    assert (CORPUS / "PROVENANCE.md").is_file()
    assert sum(p.startswith("negatives/") for p in labels) >= 100


def test_scorer_counts_hits_misses_and_false_positives() -> None:
    labels = {"positives/k/a.env": {"2": "k", "5-7": "p"}, "negatives/docs/b.md": {}}
    s = score({"positives/k/a.env": {2, 6, 7, 9}, "negatives/docs/b.md": {1}}, labels)
    assert (s.tp["k"], s.tp["p"], sum(s.fn.values())) == (1, 1, 0)  # 6 and 7: one secret
    assert (s.fp["k"], s.fp["neg:docs"]) == (1, 1)
    assert s.overall() == (0.5, 1.0, 2 * 0.5 / 1.5)
    missed = score({}, labels)
    assert sum(missed.fn.values()) == 2 and missed.overall()[1] == 0.0


def test_our_scan_keeps_its_accuracy_on_the_corpus() -> None:
    present = {p: s for p, s in load_labels().items() if (CORPUS / p).exists()}
    assert sum(p.startswith("positives/") for p in present) >= 200
    result = score(ours(), present)
    precision, recall, f1 = result.overall()
    assert precision >= BAR and f1 >= BAR, (precision, recall, f1, result.fp_lines[:5])


# The frozen measuring part (benchmarks/frozen_corpus.py): no rule is written against it,
# so its files and labels must not move. A change here is a new measuring set: say so in
# its README and re-measure every tool, do not edit the digest to make this pass.
FROZEN_SHA256 = "4c4fe8cf642eed968ecee2560ea5c9c09fb83339f6825a08952cc1e9abcacb45"


def test_frozen_measuring_part_is_unchanged() -> None:
    from benchmarks.frozen_corpus import FROZEN, frozen_digest, load_labels, real_files

    assert frozen_digest() == FROZEN_SHA256
    labels = load_labels()
    real = {f"real/{repo.replace('/', '__')}/{path}" for repo, _, path, _ in real_files()}
    assert real == {p for p in labels if p.startswith("real/")}
    for path in labels:
        assert path.startswith(("generated/", "real/")), path
        assert path.startswith("real/") or (FROZEN / path).is_file(), path


def test_our_scan_keeps_the_bar_on_the_frozen_part() -> None:
    """A regression guard on the measuring part (measured once, rules frozen: 0.98 with
    the real files, docs/scanner.md); its misses are not read to write rules."""
    from benchmarks.frozen_corpus import ours, score_frozen

    precision, recall, f1 = score_frozen(ours()).overall()
    assert f1 >= BAR and precision >= BAR, (precision, recall, f1)
