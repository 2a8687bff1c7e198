"""Environment specs: what one side of a gate (or one environment of a run) measures with, and
its own isolated, cached virtual environment.

A spec is ``current`` (the environment sigbench runs in), a Python interpreter
(``python:/path/to/python`` or ``python3.12`` on PATH; the same library versions as here, on that
interpreter), a local source tree (``./path/to/blinker``) or a pip requirement
(``blinker==1.8.2``).  Environments live in ``.sigbench/envs/`` and are made once; a source tree
is reinstalled whenever its files have changed since it was installed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from packaging.requirements import InvalidRequirement, Requirement

#: Where environments are kept, relative to the working directory.
CACHE = Path(".sigbench") / "envs"
_READY = ".sigbench-ready"
_TREE = ".sigbench-tree"


class SpecError(ValueError):
    """A spec that names nothing usable, or an environment that could not be made."""


@dataclass(frozen=True)
class Spec:
    """A parsed spec: ``kind`` is current, python, tree, requirement, or results (a results file
    of instruction counts, which only an instructions-mode gate takes as its baseline)."""

    text: str
    kind: str
    value: str


def parse_spec(text: str) -> Spec:
    """Parse ``text``; SpecError says what is wrong with it."""
    text = text.strip()
    if not text:
        raise SpecError(
            "an empty spec is not a spec (current, python:PATH, python3.X, ./tree or a requirement)"
        )
    if text == "current":
        return Spec(text, "current", sys.executable)
    if text.startswith("python:") or re.fullmatch(r"python\d+(\.\d+)?", text):
        name = text.split(":", 1)[1] if text.startswith("python:") else text
        found = shutil.which(name)
        if not found:
            raise SpecError(f"{text}: no such Python interpreter (not a file, not on PATH)")
        return Spec(text, "python", found)
    if text.endswith(".json") and Path(text).expanduser().is_file():
        return Spec(text, "results", str(Path(text).expanduser().resolve()))
    if text.startswith((".", "/", "~")) or os.sep in text or Path(text).is_dir():
        tree = Path(text).expanduser().resolve()
        if not tree.is_dir():
            raise SpecError(f"{text}: no such directory")
        if not any((tree / name).exists() for name in ("pyproject.toml", "setup.py", "setup.cfg")):
            raise SpecError(f"{text}: not a Python source tree (no pyproject.toml, setup.py or setup.cfg)")
        return Spec(text, "tree", str(tree))
    try:
        Requirement(text)
    except InvalidRequirement as exc:
        raise SpecError(
            f"{text!r}: not a spec (current, python:PATH, python3.X, ./source/tree or a requirement): {exc}"
        ) from exc
    return Spec(text, "requirement", text)


def _python_in(directory: Path) -> Path:
    return directory / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(command: Sequence[str], what: str) -> None:
    result = subprocess.run(list(command), capture_output=True, text=True)
    if result.returncode != 0:
        raise SpecError(f"{what} failed: {(result.stderr or result.stdout).strip()[-800:]}")


def environment(
    spec: Spec,
    requirements: Sequence[str] = (),
    cache: Path = CACHE,
    log: Optional[Callable[[str], None]] = None,
) -> str:
    """The interpreter of ``spec``'s environment, made (once) when needed.

    ``requirements`` are what a ``python`` spec installs: the libraries under test at the
    versions of the current environment.  Raises SpecError when pip or venv fail.
    """
    if spec.kind == "current":
        return sys.executable
    if spec.kind == "results":
        raise SpecError(f"{spec.text}: a results file has no environment to measure with")
    base = spec.value if spec.kind == "python" else sys.executable
    key = "\n".join([spec.kind, spec.value, os.path.realpath(base), *sorted(requirements)])
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.text).strip("._")[:40] or "env"
    directory = cache / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    python = _python_in(directory)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    if not (directory / _READY).exists():
        shutil.rmtree(directory, ignore_errors=True)  # an environment left half made
        if log:
            log(f"making the environment for {spec.text} in {directory}")
        _run([base, "-m", "venv", str(directory)], f"{spec.text}: creating a virtual environment")
        install = list(requirements) if spec.kind == "python" else [spec.value]
        if install:
            _run([*pip, *install], f"{spec.text}: pip install {' '.join(install)}")
        (directory / _READY).write_text(spec.text + "\n", encoding="utf-8")
        if spec.kind == "tree":
            (directory / _TREE).write_text(tree_digest(Path(spec.value)), encoding="utf-8")
    elif spec.kind == "tree" and _read(directory / _TREE) != tree_digest(Path(spec.value)):
        if log:
            log(f"{spec.text} changed: reinstalling it into {directory}")
        _run([*pip, "--force-reinstall", "--no-deps", spec.value], f"{spec.text}: reinstalling the tree")
        (directory / _TREE).write_text(tree_digest(Path(spec.value)), encoding="utf-8")
    return os.path.abspath(python)  # workers may run in another directory


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
