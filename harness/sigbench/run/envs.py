"""Environment specs: what one side of a gate (or one environment of a run) measures with, and
its own isolated, cached virtual environment.

A spec is ``current`` (the environment sigbench runs in), a Python interpreter
(``python:/path/to/python``, or ``python3.12`` on PATH or among pyenv's versions: for a run, each
library's newest release for that interpreter, ``sigbench.run.requirements``; for
the gate, the same versions as here), a local source tree (``./path/to/blinker``) or a pip
requirement with optional pip options (``blinker==1.8.2``, ``psygnal==0.16.1 --no-binary=psygnal``).
Two more expand to several specs for a run (``expand``): ``releases:REQUIREMENT`` (one spec per
release on the package index that the requirement admits) and ``pythons`` (every CPython from 3.9
on found here).  Environments live in ``.sigbench/envs/`` and are made once; a source tree is
reinstalled whenever its files have changed since it was installed.  Each records the version of
every library under test it was made with, as a worker imports it: what the version guard
(``sigbench.run.guard``) holds every later worker in it to.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from sigbench.run.isolation import worker_environment
from sigbench.run.process import InventoryError, inventory_of
from sigbench.slugs import slug
from sigbench.worker.inventory import TOOLS, normal_name

#: Where environments are kept, relative to the working directory.
CACHE = Path(".sigbench") / "envs"
#: In an environment's directory once it is whole: its spec and the versions it was made with.
_MANIFEST = ".sigbench-env.json"
_TREE = ".sigbench-tree"


#: The oldest interpreter the workers run on (``requires-python``).
OLDEST_PYTHON = (3, 9)


class SpecError(ValueError):
    """A spec that names nothing usable, or an environment that could not be made."""


class AbsentInterpreter(SpecError):
    """An interpreter spec that names no interpreter on this machine: a run skips it with a note."""


@dataclass(frozen=True)
class Environment:
    """Where a side of a gate, or one environment of a run, is measured: its label (the spec),
    its interpreter, and what the version guard holds its workers to: the version of each
    library under test it was made with (``wanted``), and for sigbench's own environments their
    directory, which every library under test must be imported from."""

    label: str
    python: str
    wanted: Mapping[str, str] = field(default_factory=dict)
    directory: Optional[str] = None


def current_environment() -> Environment:
    """The environment sigbench runs in: nothing asked of it but to stay as it was."""
    return Environment("current", sys.executable)


@dataclass(frozen=True)
class Spec:
    """A parsed spec: ``kind`` is current, python, tree, requirement, or results (a results file
    of instruction counts, which only an instructions-mode gate takes as its baseline)."""

    text: str
    kind: str
    value: str
    #: One release of a ``releases:`` spec: when it cannot be installed, the run skips it with a
    #: note rather than failing (an old release may no longer build, or miss a dependency).
    optional: bool = False


def parse_spec(text: str) -> Spec:
    """Parse ``text``; SpecError says what is wrong with it."""
    text = text.strip()
    if not text:
        raise SpecError(
            "an empty spec is not a spec (current, python:PATH, python3.X, ./tree or a requirement)"
        )
    if text == "current":
        return Spec(text, "current", sys.executable)
    if text.startswith("python:") or re.fullmatch(r"python\d+(\.\d+t?)?", text):
        name = text.split(":", 1)[1] if text.startswith("python:") else text
        found = find_python(name)
        if not found:
            raise AbsentInterpreter(
                f"{text}: no such Python interpreter (not a file, not on PATH, not among pyenv's versions)"
            )
        return Spec(text, "python", found)
    if text.endswith(".json") and Path(text).expanduser().is_file():
        return Spec(text, "results", str(Path(text).expanduser().resolve()))
    first = text.split()[0]
    if Path(text).expanduser().is_dir() or first.startswith((".", "/", "~")) or os.sep in first:
        tree = Path(text).expanduser().resolve()
        if not tree.is_dir():
            raise SpecError(f"{text}: no such directory")
        if not any((tree / name).exists() for name in ("pyproject.toml", "setup.py", "setup.cfg")):
            raise SpecError(f"{text}: not a Python source tree (no pyproject.toml, setup.py or setup.cfg)")
        return Spec(text, "tree", str(tree))
    try:
        requirement, *options = shlex.split(text)
    except ValueError as exc:
        raise SpecError(f"{text!r}: not a spec: {exc}") from exc
    try:
        Requirement(requirement)
    except InvalidRequirement as exc:
        raise SpecError(
            f"{text!r}: not a spec (current, python:PATH, python3.X, ./source/tree or a requirement): {exc}"
        ) from exc
    if options and not options[0].startswith("-"):
        raise SpecError(
            f"{text!r}: after the requirement only pip options (--no-binary=NAME, ...) may follow"
        )
    return Spec(text, "requirement", text)


def _runs(python: str) -> bool:
    """Whether ``python`` starts (a pyenv shim for a version not selected does not)."""
    try:
        return subprocess.run([python, "-c", ""], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def find_python(name: str) -> Optional[str]:
    """The interpreter ``name`` names (a path, ``python3.12``, or ``python3.13t`` for a
    free-threaded build): on PATH when it runs there, else the newest ``3.12.x`` (``3.13.xt``)
    among pyenv's installed versions."""
    found = shutil.which(os.path.expanduser(name))
    if found and _runs(found):
        return found
    minor = re.fullmatch(r"python(\d+\.\d+)(t?)", name)
    if not minor:
        return None
    candidates = sorted(
        (_version_of(path.name.rstrip("t")), path / "bin" / name)
        for path in _pyenv_root().glob(f"versions/{minor.group(1)}.*")
        if re.fullmatch(r"\d+\.\d+\.\d+" + minor.group(2), path.name)
    )
    for _, python in reversed(candidates):
        if python.exists() and _runs(str(python)):
            return str(python)
    return None


def _version_of(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion:
        return Version("0")


def interpreters() -> List[str]:
    """``python3.X`` for every CPython 3.X from ``OLDEST_PYTHON`` on found here, oldest first."""
    minors = set()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        for path in Path(directory or ".").glob("python3.*"):
            minors.add(path.name[len("python") :])
    minors.update(".".join(path.name.split(".")[:2]) for path in _pyenv_root().glob("versions/3.*.*"))
    names = [
        f"python{minor}"
        for minor in sorted(m for m in minors if re.fullmatch(r"3\.\d+", m))
        if tuple(map(int, minor.split("."))) >= OLDEST_PYTHON
    ]
    names.sort(key=lambda name: _version_of(name[len("python") :]))
    return [name for name in names if find_python(name)]


def releases(requirement: str) -> List[str]:
    """``name==version`` for every final release on the package index (pip's configured index)
    that ``requirement`` admits, oldest first."""
    parsed = Requirement(requirement)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", parsed.name, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    listed = re.search(r"^Available versions: (.*)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not listed:
        raise SpecError(
            f"releases:{requirement}: cannot list {parsed.name}'s releases: "
            f"{(result.stderr or result.stdout).strip()[-500:]}"
        )
    versions = [_version_of(text.strip()) for text in listed.group(1).split(",")]
    chosen = sorted(v for v in versions if v in parsed.specifier and not v.is_prerelease and str(v) != "0")
    if not chosen:
        raise SpecError(f"releases:{requirement}: no release of {parsed.name} matches {parsed.specifier}")
    return [f"{parsed.name}=={version}" for version in chosen]


def expand(text: str) -> List[str]:
    """The specs ``text`` stands for: ``releases:REQUIREMENT`` and ``pythons`` stand for several,
    anything else for itself.  SpecError when a release list cannot be had."""
    text = text.strip()
    if text.startswith("releases:"):
        requirement = text.split(":", 1)[1].strip()
        try:
            return releases(requirement)
        except InvalidRequirement as exc:
            raise SpecError(f"{text!r}: not a requirement: {exc}") from exc
    if text == "pythons":
        return interpreters()
    return [text]


def pinned(libraries: Mapping[str, Optional[str]]) -> List[str]:
    """``name==version`` for each library under test installed (a results file's or an
    inventory's ``libraries``), by name."""
    return sorted(
        f"{name}=={version}" for name, version in libraries.items() if version and name not in TOOLS
    )


def current_requirements() -> List[str]:
    """The libraries under test at this environment's versions (what the gate's ``python`` specs
    install: both sides on the same code)."""
    return pinned(inventory_of(sys.executable)["libraries"])


def _python_in(directory: Path) -> Path:
    return directory / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(command: Sequence[str], what: str) -> None:
    """Run a step of making an environment (venv, pip) as workers run: without the host's
    ``PYTHON*`` variables, so nothing of the host's is seen as installed there."""
    result = subprocess.run(list(command), capture_output=True, text=True, env=worker_environment())
    if result.returncode != 0:
        raise SpecError(f"{what} failed: {(result.stderr or result.stdout).strip()[-800:]}")


def directory_for(spec: Spec, requirements: Sequence[str] = (), cache: Path = CACHE) -> Path:
    """Where ``spec``'s environment is kept: named after the spec, keyed by what makes it (the
    interpreter, and for an interpreter spec the requirements it installs)."""
    base = spec.value if spec.kind == "python" else sys.executable
    installed = sorted(requirements) if spec.kind == "python" else []
    key = "\n".join([spec.kind, spec.value, os.path.realpath(base), *installed])
    name = slug(spec.text)[:40]
    return cache / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def prepare(
    spec: Spec,
    requirements: Sequence[str] = (),
    cache: Path = CACHE,
    log: Optional[Callable[[str], None]] = None,
) -> Environment:
    """``spec``'s environment, made (once) when needed.

    ``requirements`` are what a ``python`` spec installs: the libraries under test at the
    versions of the current environment.  Raises SpecError when pip or venv fail.
    """
    if spec.kind == "current":
        return current_environment()
    if spec.kind == "results":
        raise SpecError(f"{spec.text}: a results file has no environment to measure with")
    base = spec.value if spec.kind == "python" else sys.executable
    directory = directory_for(spec, requirements, cache)
    python = os.path.abspath(_python_in(directory))  # workers run in another directory
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    wanted = _manifest(directory)
    if wanted is None:
        shutil.rmtree(directory, ignore_errors=True)  # an environment left half made, or an old one
        if log:
            log(f"making the environment for {spec.text} in {directory}")
        _run([base, "-m", "venv", str(directory)], f"{spec.text}: creating a virtual environment")
        if spec.kind == "python":
            _install_each(pip, spec.text, requirements, log)
        else:
            install = shlex.split(spec.value) if spec.kind == "requirement" else [spec.value]
            _run([*pip, *install], f"{spec.text}: pip install {' '.join(install)}")
        if spec.kind == "tree":
            (directory / _TREE).write_text(tree_digest(Path(spec.value)), encoding="utf-8")
        wanted = _record(spec, directory, python)
    elif spec.kind == "tree" and _read(directory / _TREE) != tree_digest(Path(spec.value)):
        if log:
            log(f"{spec.text} changed: reinstalling it into {directory}")
        _run([*pip, "--force-reinstall", "--no-deps", spec.value], f"{spec.text}: reinstalling the tree")
        (directory / _TREE).write_text(tree_digest(Path(spec.value)), encoding="utf-8")
        wanted = _record(spec, directory, python)
    return Environment(spec.text, python, wanted, os.path.abspath(directory))


def _manifest(directory: Path) -> Optional[Dict[str, str]]:
    """The versions a whole environment was made with; None for one not (or not fully) made."""
    try:
        return dict(json.loads((directory / _MANIFEST).read_text(encoding="utf-8"))["wanted"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record(spec: Spec, directory: Path, python: str) -> Dict[str, str]:
    """Write the manifest of a newly made environment: each library under test's version as a
    worker there imports it.  A requirement's own library must be what it asked for."""
    try:
        libraries = inventory_of(python)["libraries"]
    except (OSError, InventoryError, ValueError) as exc:
        raise SpecError(f"{spec.text}: the new environment does not start: {exc}") from exc
    wanted = {name: version for name, version in libraries.items() if version and name not in TOOLS}
    if spec.kind == "requirement":
        requirement = Requirement(shlex.split(spec.value)[0])
        found = {normal_name(name): version for name, version in wanted.items()}.get(
            normal_name(requirement.name)
        )
        if found is not None and not requirement.specifier.contains(found, prereleases=True):
            raise SpecError(
                f"{spec.text}: a worker in the new environment imports {requirement.name} {found}, "
                f"which {requirement} excludes"
            )
    manifest = {"spec": spec.text, "wanted": wanted}
    (directory / _MANIFEST).write_text(
        json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return wanted


def _install_each(
    pip: List[str], what: str, requirements: Sequence[str], log: Optional[Callable[[str], None]]
) -> None:
    """Install ``requirements`` together, or one by one when that fails: a library without that
    release for this interpreter gets its newest one for it, or, with none, is missing here."""
    if not requirements:
        return
    try:
        _run([*pip, *requirements], f"{what}: pip install")
        return
    except SpecError:
        pass
    for requirement in requirements:
        name = Requirement(requirement).name
        try:
            _run([*pip, requirement], f"{what}: pip install {requirement}")
            continue
        except SpecError:
            pass
        try:  # no such release for this interpreter: its newest one that is
            _run([*pip, name], f"{what}: pip install {name}")
            if log:
                log(f"{what}: {requirement} does not install here; measuring {name}'s newest release for it")
        except SpecError as exc:
            if log:
                log(f"{exc} (its implementations are unavailable in this environment)")


#: What is not part of a source tree's code: version control, build output, caches, environments.
_NOT_SOURCE = {".git", ".hg", ".tox", ".nox", ".venv", "venv", ".sigbench", "build", "dist", "__pycache__"}


def tree_digest(tree: Path) -> str:
    """A digest of a source tree's files (names and contents), to reinstall only what changed."""
    digest = hashlib.sha256()
    for root, directories, files in os.walk(tree):
        directories[:] = sorted(
            d for d in directories if d not in _NOT_SOURCE and not d.endswith(".egg-info")
        )
        for name in sorted(files):
            path = Path(root, name)
            digest.update(str(path.relative_to(tree)).encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:  # a dangling link or an unreadable file: its name still counts
                pass
    return digest.hexdigest()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""
