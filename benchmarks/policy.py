"""The policy analyzer's speed beside the server's own, in one run.

A measurement, not a test: ``.venv/bin/python benchmarks/policy.py [--rounds 3]
[--generated 300] [--json FILE]``. The policies are the real-policy corpus when
``$VAULT_GATE_POLICY_CORPUS`` names it (tests/data/policy_corpus/README.md) and
``--generated`` synthetic ones (20 rules each, in the shapes real policies use); the
request paths are the differential test's samples (tests/policy_cases.py). One dev
server (the harness's own start_dev, on loopback) answers the same work:

- policies/s: the analyzer parsing and checking each policy (``parse_policy``) beside
  the server storing it (``PUT sys/policies/acl/NAME``, one request each, as
  ``bao policy write`` sends them);
- cases/s: (token, path) capability answers. The analyzer builds the ACL of each token's
  policies and answers every path; the server answers ``sys/capabilities`` with all the
  paths in one call per token (its best case), and one path per call (what a check
  asking path by path pays).

Every answer is compared while measuring: ``disagreements`` must be 0. Absolute rates
are noisy on a shared machine; the ratios within one run are the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from policy_cases import corpus, sample_paths  # noqa: E402

from vault_gate.compliance.policy.acl import Acl, Policy, PolicyError, parse_policy  # noqa: E402
from vault_gate.fixtures.reaper import Reaper  # noqa: E402
from vault_gate.fixtures.servers.binaries import resolve_vault_binary  # noqa: E402
from vault_gate.fixtures.servers.openbao import start_dev  # noqa: E402

SINGLE_PATH_CALLS = 300
GROUP = 4


def generated(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """Policies shaped like real ones: KV v1/v2 trees per app and environment, +/*
    globs, system paths, legacy ``policy =``, deny carve-outs, wrapping TTLs."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    apps = ["billing", "erp", "web", "ci", "ops", "reports"]
    envs = ["dev", "staging", "prod"]
    out = []
    for n in range(count):
        app, env = rng.choice(apps), rng.choice(envs)
        blocks = []
        for _ in range(20):
            shape = rng.randrange(8)
            if shape == 0:
                path = f"secret/data/{app}/{env}/*"
            elif shape == 1:
                path = f"secret/metadata/{app}/+/config"
            elif shape == 2:
                path = f"kv/{app}/{rng.choice(envs)}/{rng.randrange(50)}"
            elif shape == 3:
                path = rng.choice(["sys/mounts", "sys/policies/acl/*", "auth/token/lookup-self"])
            elif shape == 4:
                path = f"database/creds/{app}-{env}"
            elif shape == 5:
                path = f"auth/approle/role/{app}-{env}/secret-id"
            elif shape == 6:
                path = f"transit/+/{app}"
            else:
                path = f"secret/data/{app}/{env}/admin*"
            caps = rng.sample(["read", "list", "create", "update", "delete", "patch"], 2)
            body = f"  capabilities = {json.dumps(caps)}\n"
            if shape == 7:
                body = '  capabilities = ["deny"]\n'
            elif shape == 2:
                body = f'  policy = "{rng.choice(["read", "write"])}"\n'
            elif shape == 5:
                body += '  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = "10m"\n'
            blocks.append(f'path "{path}" {{\n{body}}}\n')
        out.append((f"generated-{n}.hcl", "".join(blocks)))
    return out


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def _best(rounds: int, work: Callable[[], int]) -> tuple[int, float]:
    """(items, seconds) of the fastest of ``rounds`` runs of ``work``."""
    times, items = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        items = work()
        times.append(time.perf_counter() - started)
    return items, min(times)


def measure(texts: list[tuple[str, str]], rounds: int) -> dict[str, float | int]:
    parsed: dict[str, Policy] = {}

    def analyze_policies() -> int:
        for label, text in texts:
            try:
                parsed[label] = parse_policy(text, label)
            except PolicyError:
                parsed.pop(label, None)
        return len(texts)

    n_policies, t_parse = _best(rounds, analyze_policies)
    labels = [label for label, _ in texts if label in parsed]
    groups = [labels[i : i + GROUP] for i in range(0, len(labels), GROUP)]
    paths_for = {tuple(g): sample_paths(parsed[x] for x in g) for g in groups}

    def analyze_cases() -> int:
        cases = 0
        for group, paths in paths_for.items():
            acl = Acl([parsed[x] for x in group])
            for path in paths:
                acl.capabilities(path)
            cases += len(paths)
        return cases

    n_cases, t_cases = _best(rounds, analyze_cases)

    reaper = Reaper()
    with tempfile.TemporaryDirectory(prefix="vault-gate-bench-") as tmp:
        Path(tmp).chmod(0o700)
        server = start_dev(resolve_vault_binary(), Path(tmp) / "dev", reaper)
        try:
            assert server.root_token is not None
            root = server.client(server.root_token)
            names: dict[str, str] = {}
            started = time.perf_counter()
            refused = 0
            for i, (label, text) in enumerate(texts):
                try:
                    root.sys.create_or_update_acl_policy(f"bench-{i}", text)
                    names[label] = f"bench-{i}"
                except Exception:  # a refusal, as the analyzer's PolicyError
                    refused += 1
            t_write = time.perf_counter() - started
            accept_disagreements = sum((label in names) != (label in parsed) for label, _ in texts)
            tokens = {
                g: root.auth.token.create(
                    policies=[names[x] for x in g], no_default_policy=True, ttl="30m"
                )["auth"]["client_token"]
                for g in paths_for
            }
            disagreements = accept_disagreements
            started = time.perf_counter()
            answers = {
                g: root.sys.get_capabilities(list(paths), token=tokens[g])["data"]
                for g, paths in paths_for.items()
            }
            t_batched = time.perf_counter() - started
            for g, paths in paths_for.items():
                acl = Acl([parsed[x] for x in g])
                disagreements += sum(acl.capabilities(p) != answers[g][p] for p in paths)
            singles = [(g, p) for g, paths in paths_for.items() for p in paths]
            random.Random(1).shuffle(singles)  # noqa: S311 - a sample, not a secret
            singles = singles[:SINGLE_PATH_CALLS]
            started = time.perf_counter()
            for g, p in singles:
                root.sys.get_capabilities([p], token=tokens[g])
            t_single = time.perf_counter() - started
        finally:
            server.stop()
            reaper.close()
    return {
        "policies": n_policies,
        "policies_refused": refused,
        "tokens": len(paths_for),
        "cases": n_cases,
        "analyzer_policies_per_s": _rate(n_policies, t_parse),
        "server_policy_writes_per_s": _rate(len(texts), t_write),
        "analyzer_cases_per_s": _rate(n_cases, t_cases),
        "server_cases_per_s_batched": _rate(n_cases, t_batched),
        "server_cases_per_s_one_per_call": _rate(len(singles), t_single),
        "disagreements": disagreements,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="analyzer rounds (best kept)")
    parser.add_argument("--generated", type=int, default=300, help="synthetic policies")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    files = corpus() or []
    texts = [(f"{f.repository}/{f.source_path}", f.path.read_text("utf-8")) for f in files]
    sets = {"corpus": texts} if texts else {}
    sets["generated"] = generated(args.generated)
    results = {name: measure(t, args.rounds) for name, t in sets.items()}
    _print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(r["disagreements"] == 0 for r in results.values()) else 1


def _print(results: dict[str, dict[str, float | int]]) -> None:
    print(f"{'set':<10} {'what':<34} {'analyzer':>12} {'server':>12} {'ratio':>8}")
    for name, r in results.items():
        rows = [
            ("policies/s (parse | write)", "analyzer_policies_per_s", "server_policy_writes_per_s"),
            ("cases/s (vs batched call)", "analyzer_cases_per_s", "server_cases_per_s_batched"),
            (
                "cases/s (vs one path a call)",
                "analyzer_cases_per_s",
                "server_cases_per_s_one_per_call",
            ),
        ]
        for what, ours, theirs in rows:
            a, s = float(r[ours]), float(r[theirs])
            print(f"{name:<10} {what:<34} {a:>12.0f} {s:>12.0f} {a / s:>7.1f}x")
        print(
            f"{name:<10} {r['policies']} policies ({r['policies_refused']} refused), "
            f"{r['tokens']} tokens, {r['cases']} cases, "
            f"disagreements {r['disagreements']}"
        )
    print("median analyzer/server policy ratio:", round(statistics.median(
        float(r["analyzer_policies_per_s"]) / float(r["server_policy_writes_per_s"])
        for r in results.values()), 2))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
