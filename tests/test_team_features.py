"""The team's own scenarios (--features): how their files are read, and the step library's
documentation kept equal to the steps (fast; the whole run is in tests/test_installed.py)."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import yaml
from team_feature import write_team_features

from vault_gate.compliance.criteria import BY_ID
from vault_gate.compliance.exits import UsageError
from vault_gate.fixtures.run import command
from vault_gate.fixtures.run.team import read_feature, signoff_features
from vault_gate.steps import library

ROOT = Path(__file__).resolve().parents[1]


def _feature(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "team.feature"
    path.write_text(text)
    return path


def test_a_tagged_feature_is_a_criterion_of_its_own(tmp_path: Path) -> None:
    feature = read_feature(
        _feature(
            tmp_path,
            "# the team's check\n@success_criteria @health_answers  # why\n"
            "Feature: The application answers its health check\n"
            "  @slow\n  Scenario Outline: x <environment>\n",
        )
    )
    assert feature.feature_tags == ("success_criteria", "health_answers")
    assert set(feature.tags) == {"success_criteria", "health_answers", "slow"}
    assert feature.criterion is not None
    assert feature.criterion.id == "health_answers"
    assert feature.criterion.title == "The application answers its health check"


@pytest.mark.parametrize(
    "head",
    [
        "@health_answers",  # not part of the sign-off
        "@success_criteria",  # no criterion of its own
        "@success_criteria @least_privilege",  # one of ours: a scenario added to it
    ],
    ids=["no-signoff-tag", "no-own-tag", "packaged-tag"],  # -k success_criteria: not these
)
def test_no_criterion_without_the_signoff_tag_and_a_tag_of_its_own(
    tmp_path: Path, head: str
) -> None:
    assert read_feature(_feature(tmp_path, f"{head}\nFeature: F\n")).criterion is None
    assert "least_privilege" in BY_ID


def test_a_file_without_a_feature_line_is_named(tmp_path: Path) -> None:
    path = _feature(tmp_path, "@success_criteria\nScenario: no feature\n")
    with pytest.raises(ValueError, match=r"team\.feature: no 'Feature:' line"):
        read_feature(path)


def test_the_signoff_binds_every_packaged_feature_but_the_faults() -> None:
    names = {Path(f).name for f in signoff_features()}
    packaged = {p.name for p in (ROOT / "features").glob("*.feature")}
    assert names == packaged - {"faults.feature"}


def test_the_step_library_document_is_current() -> None:
    assert (ROOT / "docs" / "steps.md").read_text() == library.markdown(), (
        "docs/steps.md is stale: python -m vault_gate.steps.library > docs/steps.md"
    )
    texts = [s.text for s in library.library()]
    assert "the {environment} environment's Vault server" in texts
    assert all(s.meaning and not s.meaning.startswith("(from") for s in library.library())


def _signoff_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers())
    return parser.parse_args(["signoff", *argv])


def test_signoff_bad_input_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--target .*: no such file"):
        command.pytest_argv(_signoff_args("--target", str(tmp_path / "missing.toml")))
    target = tmp_path / "t.toml"
    target.write_text("")
    with pytest.raises(UsageError, match=r"--features .*: no such folder"):
        command.pytest_argv(_signoff_args("--target", str(target), "--features", "nope"))


def test_signoff_runs_the_packaged_module_with_the_packaged_ini(tmp_path: Path) -> None:
    target = tmp_path / "t.toml"
    target.write_text("")
    argv = command.pytest_argv(
        _signoff_args("--target", str(target), "--", "--junitxml=j.xml", "-k", "dev")
    )
    assert Path(argv[0]).name == "test_success_criteria.py" and Path(argv[0]).is_file()
    assert Path(argv[argv.index("-c") + 1]).is_file()
    assert argv[argv.index("--target") + 1] == str(target.resolve())
    assert argv[-3:] == ["--junitxml=j.xml", "-k", "dev"]


def test_the_gitlab_include_speaks_the_command_line() -> None:
    """Every vault-gate command the GitLab include runs parses with the real CLI."""
    from vault_gate.compliance.cli import parser

    job = yaml.safe_load((ROOT / "ci" / "gitlab-vault-gate.yml").read_text())[".vault-gate"]
    commands = [shlex.split(line.split("||")[0]) for line in job["script"] if "vault-gate" in line]
    assert {c[1] for c in commands} == {"scan", "signoff"}
    for argv in commands:
        args = parser().parse_args(
            [
                a.replace("$VAULT_GATE_REPORT_DIR", "r").replace("$VAULT_GATE_TARGET", "t.toml")
                for a in argv[1:]
            ]
        )
        assert args.command == argv[1]


@pytest.mark.servers
def test_team_scenarios_run_in_parallel_workers_too(tmp_path: Path) -> None:
    """``-n 2`` (pytest-xdist): each worker reads the team's features and steps, and the
    report, written once, holds the team's criterion with every environment's verdict.
    Known-bad beside it: the same run without the team's conftest.py fails on the
    missing step, in every environment, never as a pass."""
    target = ROOT / "sample_apps" / "ledger" / "target.toml"
    features = write_team_features(tmp_path / "features")

    def signoff(reports: Path) -> tuple[int, dict[str, str]]:
        out = subprocess.run(
            [sys.executable, "-m", "vault_gate", "signoff", "--target", str(target),
             "--features", str(features), "--report-dir", str(reports),
             "--", "-n", "2", "-k", "health_answers"],
            cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        report = orjson.loads((reports / "signoff.json").read_bytes())
        team = next(c for c in report["criteria"] if c["id"] == "health_answers")
        return out.returncode, {e: x["status"] for e, x in team["environments"].items()}

    assert signoff(tmp_path / "good") == (0, dict.fromkeys(("dev", "staging", "prod"), "pass"))
    (features / "conftest.py").unlink()
    code, cells = signoff(tmp_path / "bad")
    assert code != 0
    assert set(cells) == {"dev", "staging", "prod"}
    assert "pass" not in cells.values()
