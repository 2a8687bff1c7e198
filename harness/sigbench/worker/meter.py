"""Instruction counts of a timed region under valgrind's callgrind, inside a worker that
``sigbench.run.callgrind`` started (``gate --mode instructions``).

The worker runs under callgrind with collection off.  A region runs as a ctypes callback:
callgrind collects only inside ctypes' callback entry (``closure_fcn``) and writes a dump, with
that region's total, as the callback returns.  The meter reads the dump's ``totals:`` line and
deletes the file, or keeps it for the runner to read each function's calls and own instructions
(``function_costs``, for the differential profile).  Everything outside the region (imports, setup,
the runner's own work) is never counted.  Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import ctypes
import os
import re
from collections import Counter
from typing import Any, Callable, Dict, Iterable, List, Tuple

#: Where the worker finds callgrind's dumps: the ``--callgrind-out-file`` base name.
OUT_VARIABLE = "SIGBENCH_CALLGRIND_OUT"
#: The C function ctypes enters for every Python callback (Modules/_ctypes/callbacks.c).
ENTRY = "closure_fcn"
_REGION = ctypes.CFUNCTYPE(None)
_RECURSION = re.compile(r"'\d+$")


class CountError(RuntimeError):
    """The region's instructions could not be isolated."""


class InstructionMeter:
    """Runs a region and returns the instructions callgrind counted in it (a ``measure.Meter``)."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.dumps = 0
        #: Whether to keep the dumps for their per-function counts, which the runner reads
        #: (``function_costs``): read here, under callgrind, they would cost more than the
        #: counting itself.  The sampler asks for one value's.
        self.by_function = False
        #: The dumps kept since ``take_dumps``.
        self.kept: List[str] = []
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
            with open(dump, encoding="utf-8", errors="replace") as handle:
                totals = [line for line in handle if line.startswith("totals:")]
            if self.by_function:
                self.kept.append(os.path.abspath(f"{dump}.kept"))
                os.rename(dump, self.kept[-1])
            else:
                os.remove(dump)
        except OSError as exc:
            raise CountError(f"no callgrind dump for the region ({dump}): {exc.strerror or exc}") from exc
        count = int(totals[0].split()[1]) if totals else 0
        if count <= 0:
            raise CountError(
                f"callgrind counted nothing in the region: this Python's ctypes has no visible {ENTRY} symbol"
            )
        return float(count)

    def take_dumps(self) -> List[str]:
        """The dumps kept since the last take (absolute paths)."""
        taken, self.kept = self.kept, []
        return taken


def dumps_costs(paths: Iterable[str]) -> Tuple[Counter[str], Counter[str]]:
    """``function_costs`` summed over the dumps at ``paths``, which are deleted."""
    calls: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            found = function_costs(handle)
        calls.update(found[0])
        own.update(found[1])
        os.remove(path)
    return calls, own


def function_costs(lines: Iterable[str]) -> Tuple[Counter[str], Counter[str]]:
    """Per function of a callgrind dump: the calls made to it and its own (exclusive)
    instructions.  Names may be compressed (``fn=(12) name`` once, ``fn=(12)`` after); the cost
    line after a ``calls=`` line is that call's inclusive cost, which is the caller's only by
    way of the callee, so it is not the caller's own."""
    names: Dict[str, str] = {}
    calls: Counter[str] = Counter()
    own: Counter[str] = Counter()
    current = callee = ""
    inclusive = False

    def name(text: str) -> str:
        text = text.strip()
        if text.startswith("("):
            key, _, rest = text.partition(")")
            if rest.strip():
                names[key] = rest.strip()
            text = names.get(key, text)
        return _RECURSION.sub("", text)  # callgrind names a recursive call's level: f'2

    for line in lines:
        if line.startswith("fn="):
            current = name(line[3:])
        elif line.startswith("cfn="):
            callee = name(line[4:])
        elif line.startswith("calls="):
            calls[callee] += int(line[6:].split()[0])
            inclusive = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if inclusive:
                inclusive = False
                continue
            fields = line.split()
            if len(fields) > 1:
                own[current] += int(fields[1])
    return calls, own


def meter_from_environment() -> InstructionMeter:
    """The meter of a worker started with ``command`` and ``environment``."""
    out = os.environ.get(OUT_VARIABLE)
    if not out:
        raise CountError(f"not running under sigbench's callgrind command ({OUT_VARIABLE} is not set)")
    return InstructionMeter(out)
