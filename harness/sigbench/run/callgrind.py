"""Setting up workers that count instructions under valgrind's callgrind (``gate --mode
instructions``; the worker's side is ``sigbench.worker.meter``).

Counts are deterministic only in a fixed setting, which ``command`` and ``clean_environment``
make: address-space randomisation off (``setarch -R``), a fixed hash seed, a clean environment and
a fixed allocator (pymalloc, whatever the caller's environment asked for).  Every worker also
does exactly the same work: points in the same order, loops calibrated by count.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from typing import Dict, List, Optional

from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE
from sigbench.worker.meter import ENTRY, OUT_VARIABLE

#: The base name of the dumps, relative to each worker's own working directory.
DUMPS = "callgrind.out"


def missing_tools() -> Optional[str]:
    """Why instructions cannot be counted on this machine, or None when they can."""
    for tool, package in (("valgrind", "valgrind"), ("setarch", "util-linux")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian/Ubuntu: apt-get install {package})"
    return None


def valgrind_version() -> str:
    result = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def command(out: str = DUMPS) -> List[str]:
    """The prefix that runs a worker under callgrind, deterministically, dumping to ``out.N``."""
    return [
        "setarch",
        platform.machine(),
        "-R",  # no address-space randomisation: the same addresses, hashes and orders every run
        "valgrind",
        "--quiet",
        "--tool=callgrind",
        "--collect-atstart=no",
        f"--toggle-collect={ENTRY}",
        f"--dump-after={ENTRY}",
        "--dump-line=no",
        f"--callgrind-out-file={out}",
    ]


def clean_environment(out: str = DUMPS) -> Dict[str, str]:
    """A clean environment: nothing inherited that could change what the interpreter does, but
    the extra adapters a test or the self-test registered."""
    extra = {name: os.environ[name] for name in (EXTRA_ADAPTERS_VARIABLE,) if name in os.environ}
    return {
        **extra,
        "PATH": os.defpath,
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONMALLOC": "pymalloc",
        "PYTHONDONTWRITEBYTECODE": "1",
        OUT_VARIABLE: out,
    }
