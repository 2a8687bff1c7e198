"""What an interpreter has installed: each implementation's availability and version, and the
versions of the libraries under test.  Standard library only, so that ``python -m
harness.inventory`` answers for any interpreter or environment the runner measures with."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from benchmarks.implementations import IMPLEMENTATIONS, get_adapter, implementation_names

#: The project root: put on PYTHONPATH so another interpreter imports this checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def availability(name: str) -> Tuple[bool, str]:
    """Whether an implementation's library can be imported here, and its version or hint."""
    adapter = get_adapter(name)
    if adapter.module is not None and importlib.util.find_spec(adapter.module.split(".")[0]) is None:
        return False, adapter.install_hint
    try:
        return True, adapter.version()
    except importlib.metadata.PackageNotFoundError:
        return False, adapter.install_hint


def library_versions() -> Dict[str, Optional[str]]:
    """Installed versions of every library under test and of the measuring tools."""
    names = {get_adapter(name).distribution for name in IMPLEMENTATIONS} | {"pyperf"}
    versions: Dict[str, Optional[str]] = {}
    for name in sorted(n for n in names if n):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def here() -> Dict[str, Any]:
    """This interpreter's inventory."""
    from harness.worker import environment

    machine = environment()
    return {
        "availability": {name: list(availability(name)) for name in implementation_names()},
        "libraries": library_versions(),
        "interpreter": {
            key: machine[key] for key in ("python_version", "python_implementation", "python_gil")
        },
    }


def of(python: str) -> Dict[str, Any]:
    """The inventory of ``python`` (this process's own when it is the running interpreter)."""
    # Not realpath: a virtual environment's python is a symlink to its base interpreter, but
    # sees other packages.
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        return here()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [python, "-m", "harness.inventory"], capture_output=True, text=True, env=env, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"{python}: cannot take its inventory: {result.stderr.strip()[-500:]}")
    return json.loads(result.stdout)


if __name__ == "__main__":
    json.dump(here(), sys.stdout)
