"""What a worker process sees: its own environment's packages, sigbench's worker code from a
private directory that holds nothing else, and nothing of the host's.

A worker starts as ``python -c BOOTSTRAP`` in an empty scratch directory, without any of the
host's ``PYTHON*`` variables (``PYTHONPATH`` above all, which would put the host's packages in
front of the environment's).  The bootstrap puts the private directory first on ``sys.path``, in
place of the working directory, appends the directories of extra adapters named in
``SIGBENCH_EXTRA_ADAPTERS`` (after the environment's own packages, so they cannot shadow one),
and runs the worker module.  The private directory is a copy of ``sigbench/__init__.py``,
``sigbench/suite`` and ``sigbench/worker`` (standard library only), named by a digest of what it
holds and kept in the user's cache: the same code gives the same path, so every worker's command
line is the same, byte for byte, as instruction counting needs.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import sigbench
from sigbench.suite.adapters import extra_adapter_modules

#: The sub-packages a worker may import: what is measured, and the worker itself.
WORKER_PACKAGES = ("suite", "worker")
#: The worker's module, run with ``runpy`` (``-m`` would put the working directory on its path).
WORKER_MODULE = "sigbench.worker"
#: The inventory's module: what an interpreter has (``sigbench.worker.inventory``).
INVENTORY_MODULE = "sigbench.worker.inventory"

_made: Dict[str, Path] = {}


def _sources() -> Dict[str, bytes]:
    """The worker's files, by path relative to the directory that holds ``sigbench``."""
    package = Path(sigbench.__file__).resolve().parent
    files = [package / "__init__.py"]
    for name in WORKER_PACKAGES:
        files.extend(sorted((package / name).rglob("*.py")))
    return {path.relative_to(package.parent).as_posix(): path.read_bytes() for path in files}


def cache_directory() -> Path:
    """sigbench's directory in the user's cache (``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sigbench"


def worker_code() -> Path:
    """The private directory of sigbench's worker code (made once per content)."""
    sources = _sources()
    digest = hashlib.sha256()
    for name, data in sorted(sources.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    key = digest.hexdigest()[:16]
    if key in _made:
        return _made[key]
    try:
        directory = _write(sources, cache_directory(), f"worker-{sigbench.__version__}-{key}")
    except OSError:  # no writable cache: a directory of this process's own, removed at its exit
        scratch = Path(tempfile.mkdtemp(prefix="sigbench-worker-"))
        atexit.register(shutil.rmtree, scratch, True)
        directory = _write(sources, scratch, key)
    _made[key] = directory
    return directory


def _write(sources: Dict[str, bytes], parent: Path, name: str) -> Path:
    """``sources`` written below ``parent / name``, atomically: a directory that exists is whole."""
    target = parent / name
    if target.is_dir():
        return target
    parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=parent))
    try:
        for relative, data in sources.items():
            path = building / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.rename(building, target)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        if not target.is_dir():  # another process made it meanwhile: theirs is as good
            raise
    return target


def extra_adapter_paths() -> List[str]:
    """The ``sys.path`` entries the extra adapters' modules are found in here (those outside
    sigbench, whose own are in the worker's copy)."""
    paths: List[str] = []
    for module in extra_adapter_modules():
        if module.split(".")[0] == "sigbench":
            continue
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin:
            continue
        origin = os.path.realpath(spec.origin)
        entries = [
            os.path.realpath(entry or os.getcwd())
            for entry in sys.path
            if origin.startswith(os.path.join(os.path.realpath(entry or os.getcwd()), ""))
        ]
        if entries:
            chosen = max(entries, key=len)
            if chosen not in paths:
                paths.append(chosen)
    return paths


def bootstrap(module: str) -> str:
    """The ``-c`` program that starts ``module`` from the worker's private code."""
    return (
        "import sys, runpy; "
        f"sys.path[:] = [{str(worker_code())!r}] + [p for p in sys.path if p not in ('', '.')] "
        f"+ {extra_adapter_paths()!r}; "
        f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    )


def command(python: str, module: str = WORKER_MODULE) -> List[str]:
    """The command line that runs ``module`` (the worker, or the inventory) in ``python``."""
    return [python, "-c", bootstrap(module)]


def worker_environment(base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """``base`` (the host's environment) without its ``PYTHON*`` variables."""
    return {
        name: value
        for name, value in (os.environ if base is None else base).items()
        if not name.startswith("PYTHON")
    }
