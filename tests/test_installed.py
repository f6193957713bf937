"""vault-gate adopted from a team's own repository: the built wheel, installed into a fresh
virtual environment that already holds the team's packages named ``compliance``,
``fixtures`` and ``steps``, runs the team's tests and the whole sign-off (with a scenario
of the team's own) from an empty directory, through the GitHub Action's own shell steps.

Slow by nature (a pip install and a sign-off on real servers): one environment and one
sign-off serve every test here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import yaml
from team_feature import write_team_features

ROOT = Path(__file__).resolve().parents[1]
LEDGER = ROOT / "sample_apps" / "ledger"
TEAM_PACKAGES = ("compliance", "fixtures", "steps")


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("vault_gate-*.whl")
    return built


def _team_repository(base: Path) -> Path:
    """A team's repository: its own packages with the generic names, its own tests."""
    repo = base / "team"
    for name in TEAM_PACKAGES:
        (repo / name).mkdir(parents=True)
        (repo / name / "__init__.py").write_text(f'WHO = "the team\'s {name}"\n')
    (repo / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "team-app"
        version = "1.0"
        [tool.setuptools]
        packages = {list(TEAM_PACKAGES)!r}
        """)
    )
    (repo / "tests").mkdir()
    (repo / "tests" / "test_team.py").write_text(
        "import compliance, fixtures, steps\n\n\n"
        "def test_the_teams_own_packages():\n"
        "    for m in (compliance, fixtures, steps):\n"
        '        assert m.WHO.startswith("the team\'s"), m.__file__\n'
    )
    return repo


def _action_steps() -> dict[str, str]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    return {s["name"]: s["run"] for s in action["runs"]["steps"] if "run" in s}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fresh venv with the team's packages, then vault-gate installed by the Action's
    own install step (from this checkout, with the harness extra)."""
    base = tmp_path_factory.mktemp("adopt")
    team = _team_repository(base)
    runner_temp = base / "runner"
    runner_temp.mkdir()
    venv = runner_temp / "vault-gate-venv"
    done = _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    assert done.returncode == 0, done.stderr
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    done = _run([*pip, "--disable-pip-version-check", str(team)], timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    github_path = base / "github_path"
    env = {
        **os.environ,
        "RUNNER_TEMP": str(runner_temp),
        "VG_ACTION_PATH": str(ROOT),
        "GITHUB_PATH": str(github_path),
    }
    env.pop("VIRTUAL_ENV", None)
    done = _run(["bash", "-c", _action_steps()["Install vault-gate"]], env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert github_path.read_text().strip() == str(venv / "bin")
    return {"venv": venv, "team": team, "base": base}


def test_the_wheel_adds_one_top_level_name_and_ships_the_features(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"vault_gate"}, top
    for expected in (
        "vault_gate/features/least_privilege.feature",
        "vault_gate/steps/test_success_criteria.py",
        "vault_gate/signoff.ini",
        "vault_gate/vault/config/server.hcl",
        "vault_gate/vault/policies/auditor.hcl",
        "vault_gate/compliance/scan/engine.py",
        "vault_gate/fixtures/run/plugin.py",
    ):
        assert expected in names, expected
    assert not any("store_erp" in n or "sample_apps" in n for n in names)


def test_the_teams_own_tests_still_pass_beside_it(installed: dict[str, Path]) -> None:
    python = installed["venv"] / "bin" / "python"
    done = _run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=installed["team"],
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_version_and_exit_codes_in_help(installed: dict[str, Path]) -> None:
    exe = installed["venv"] / "bin" / "vault-gate"
    done = _run([str(exe), "--version"], timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("vault-gate "), done
    done = _run([str(exe), "--help"], timeout=60)
    assert "signoff" in done.stdout and "exit codes: 0 passed" in done.stdout, done.stdout


def test_the_actions_steps_sign_off_a_copy_of_ledger_with_a_team_scenario(
    installed: dict[str, Path],
) -> None:
    """In an empty directory outside any clone: the target (a copy of ledger) and the
    team's features; the Action's sign-off, scan and verdict steps, as GitHub runs them."""
    work = installed["base"] / "repo"
    shutil.copytree(LEDGER, work, ignore=shutil.ignore_patterns("__pycache__"))
    write_team_features(work / "gate-features")
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "ledger"]):
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *argv]
        assert _run(git, cwd=work, timeout=60).returncode == 0
    venv_bin = installed["venv"] / "bin"
    env = {
        **{k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "VG_TARGET": "target.toml",
        "VG_REPORT_DIR": "vault-gate-report",
        "VG_WAIVERS": "",
        "VG_FEATURES": "gate-features",
    }
    steps, codes = _action_steps(), {}
    for name in ("Sign-off", "Secret scan"):
        outputs = installed["base"] / f"github_output_{len(codes)}"
        done = _run(
            ["bash", "-c", steps[name]],
            cwd=work,
            env={**env, "GITHUB_OUTPUT": str(outputs)},
            timeout=1200,
        )
        assert done.returncode == 0, (name, done.stdout[-4000:], done.stderr[-2000:])
        codes[name] = outputs.read_text().strip().removeprefix("exit-code=")
    report = json.loads((work / "vault-gate-report" / "signoff.json").read_text())
    team = next(c for c in report["criteria"] if c["id"] == "health_answers")
    assert team["title"] == "The application answers its health check"
    assert {c["status"] for c in team["environments"].values()} == {"pass"}, team
    assert len(team["environments"]) == 3
    failed = {
        (c["id"], env): [f for r in cell["results"] for f in r["findings"]] + cell["errors"]
        for c in report["criteria"]
        for env, cell in c["environments"].items()
        if cell["status"] != "pass"
    }
    assert codes == {"Sign-off": "0", "Secret scan": "0"}, (codes, failed)
    verdict = _run(
        ["bash", "-c", steps["The gate's verdict"]],
        env={**env, "VG_SIGNOFF": codes["Sign-off"], "VG_SCAN": codes["Secret scan"]},
        timeout=60,
    )
    assert verdict.returncode == 0, verdict.stdout
    assert (work / "vault-gate-report" / "junit.xml").is_file()
    assert (work / "vault-gate-report" / "secrets.sarif").is_file()
    assert not (work / ".pytest_cache").exists()
