"""Instruction counts of a timed region under valgrind's callgrind, inside a worker that
``sigbench.run.callgrind`` started (``gate --mode instructions``).

The worker runs under callgrind with collection off.  A region runs as a ctypes callback:
callgrind collects only inside ctypes' callback entry (``closure_fcn``) and writes a dump, with
that region's total, as the callback returns.  The meter reads the dump's ``totals:`` line and
deletes the file.  Everything outside the region (imports, setup, the runner's own work) is
never counted.  Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any, Callable, List

#: Where the worker finds callgrind's dumps: the ``--callgrind-out-file`` base name.
OUT_VARIABLE = "SIGBENCH_CALLGRIND_OUT"
#: The C function ctypes enters for every Python callback (Modules/_ctypes/callbacks.c).
ENTRY = "closure_fcn"
_REGION = ctypes.CFUNCTYPE(None)


class CountError(RuntimeError):
    """The region's instructions could not be isolated."""


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
