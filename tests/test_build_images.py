"""scripts/build_images.py's pure parts: what the gate image's commands are rewritten to
and where a host file lands in the image (tests/test_gate_image.py builds the image)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("build_images", ROOT / "scripts" / "build_images.py")
assert _spec is not None and _spec.loader is not None
build_images = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_images)

OLD = "/build/vault-gate-image-x/venv/bin/python"
NEW = "/usr/local/bin/python3.11"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (f"#!{OLD}\nimport sys\n", f"#!{NEW}\nimport sys\n"),
        (f"#!{OLD} -E\nimport sys\n", f"#!{NEW} -E\nimport sys\n"),
        (
            f"#!/bin/sh\n'''exec' \"{OLD}\" \"$0\" \"$@\"\n' '''\nimport sys\n",
            f"#!/bin/sh\n'''exec' \"{NEW}\" \"$0\" \"$@\"\n' '''\nimport sys\n",
        ),
    ],
)
def test_a_pip_launcher_is_pointed_at_the_images_python(
    tmp_path: Path, script: str, expected: str
) -> None:
    path = tmp_path / "tool"
    path.write_text(script)
    assert build_images._shebang_fixed(path, OLD, NEW) == expected.encode()


@pytest.mark.parametrize(
    "script",
    [
        "#!/bin/sh\necho a shell script\n",
        f"#!{OLD}3\nimport sys\n",  # another interpreter whose name starts the same
        "\x7fELF\x02\x01",
        "",
    ],
)
def test_anything_else_is_left_as_it_is(tmp_path: Path, script: str) -> None:
    path = tmp_path / "tool"
    path.write_text(script)
    assert build_images._shebang_fixed(path, OLD, NEW) is None


def test_a_host_path_lands_under_its_resolved_directory(tmp_path: Path) -> None:
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    os.symlink("usr/bin", tmp_path / "bin")
    assert build_images._image_path(f"{tmp_path}/bin/sh") == f"{tmp_path}/usr/bin/sh"
    assert build_images._image_path(f"{tmp_path}/usr/bin/sh") == f"{tmp_path}/usr/bin/sh"
