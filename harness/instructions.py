"""Instruction counts of a timed region under valgrind's callgrind (``gate --mode instructions``).

The worker runs under callgrind with collection off.  A region runs as a ctypes callback:
callgrind collects only inside ctypes' callback entry (``closure_fcn``) and writes a dump, with
that region's total, as the callback returns.  The worker reads the dump's ``totals:`` line and
deletes the file.  Everything outside the region (imports, setup, the runner's own work) is
never counted.

Counts are deterministic only in a fixed setting, which ``command`` and ``environment`` make:
address-space randomisation off (``setarch -R``), a fixed hash seed, a clean environment and a
fixed allocator (pymalloc, whatever the caller's environment asked for).  Every worker also
does exactly the same work: points in the same order, loops calibrated by count.  Standard
library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import subprocess
from typing import Any, Callable, Dict, List, Optional

from benchmarks.implementations import EXTRA_ADAPTERS_VARIABLE

#: Where the worker finds callgrind's dumps: the ``--callgrind-out-file`` base name.
OUT_VARIABLE = "SIGBENCH_CALLGRIND_OUT"
#: The base name the runner uses, relative to each worker's own working directory.
DUMPS = "callgrind.out"
#: How a counting worker starts: not ``-m``, which puts the (per-worker) working directory on
#: ``sys.path`` and so makes the interpreter's state differ from worker to worker.
WORKER_ARGUMENTS = [
    "-c",
    "import runpy; runpy.run_module('harness.worker', run_name='__main__', alter_sys=True)",
]
#: The C function ctypes enters for every Python callback (Modules/_ctypes/callbacks.c).
ENTRY = "closure_fcn"
_REGION = ctypes.CFUNCTYPE(None)


class CountError(RuntimeError):
    """The region's instructions could not be isolated."""


def missing_tools() -> Optional[str]:
    """Why instructions cannot be counted on this machine, or None when they can."""
    for tool, package in (("valgrind", "valgrind"), ("setarch", "util-linux")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian/Ubuntu: apt-get install {package})"
    return None


def valgrind_version() -> str:
    result = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def command(out: str) -> List[str]:
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


def environment(pythonpath: str, out: str) -> Dict[str, str]:
    """A clean environment: nothing inherited that could change what the interpreter does, but
    the extra adapters a test or the self-test registered."""
    extra = {name: os.environ[name] for name in (EXTRA_ADAPTERS_VARIABLE,) if name in os.environ}
    return {
        **extra,
        "PATH": os.defpath,
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": pythonpath,
        "PYTHONHASHSEED": "0",
        "PYTHONMALLOC": "pymalloc",
        "PYTHONDONTWRITEBYTECODE": "1",
        OUT_VARIABLE: out,
    }


class InstructionMeter:
    """Runs a region and returns the instructions callgrind counted in it (a ``measure.Meter``)."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.dumps = 0
        while os.path.exists(self._dump(self.dumps + 1)):  # callbacks made before we started
            self.dumps += 1

    def _dump(self, number: int) -> str:
        return f"{self.out}.{number}"

    def __call__(self, region: Callable[[], Any]) -> float:
        raised: List[BaseException] = []

        def callback() -> None:
            try:
                region()
            except BaseException as exc:  # ctypes would print and swallow it
                raised.append(exc)

        _REGION(callback)()
        if raised:
            raise raised[0]
        self.dumps += 1
        dump = self._dump(self.dumps)
        if os.path.exists(self._dump(self.dumps + 1)):
            raise CountError("the code under test runs ctypes callbacks: its instructions cannot be isolated")
        try:
            with open(dump, encoding="utf-8") as handle:
                totals = [line for line in handle if line.startswith("totals:")]
            os.remove(dump)
        except OSError as exc:
            raise CountError(f"no callgrind dump for the region ({dump}): {exc.strerror or exc}") from exc
        count = int(totals[0].split()[1]) if totals else 0
        if count <= 0:
            raise CountError(
                f"callgrind counted nothing in the region: this Python's ctypes has no visible {ENTRY} symbol"
            )
        return float(count)


def meter_from_environment() -> InstructionMeter:
    """The meter of a worker started with ``command`` and ``environment``."""
    out = os.environ.get(OUT_VARIABLE)
    if not out:
        raise CountError(f"not running under sigbench's callgrind command ({OUT_VARIABLE} is not set)")
    return InstructionMeter(out)
