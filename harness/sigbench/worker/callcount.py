"""What each function does per operation, for the differential profile (``sigbench.analysis.profiles``):
counted in a worker of its own (a job with ``"profile": true``), never where values are timed.

Around each region of a point's body (the same ``Bench`` the timing uses, with this counter as
its meter), ``sys.setprofile`` sees every call of a Python function and of a built-in C function,
and ``sys.settrace`` with ``f_trace_opcodes`` every bytecode instruction a Python function
executes itself: its own work, which a slower function does more of even when nothing it calls
changes.  Both are counts, not times, so they do not depend on the machine.  Per operation:
the counts of 2L loops less those of L loops, over L operations, so the region's fixed cost
cancels.  The harness's own functions (``sigbench.worker``) are left out; receivers and adapters
are part of what the point runs and stay.  Threads started in a region are counted too.
Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

import gc
import os
import sys
import sysconfig
import threading
from collections import Counter
from time import perf_counter
from types import CodeType, FrameType
from typing import Any, Callable, Dict, List, Optional, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.worker.measure import Bench, inner_loops, per_operation

#: The harness's own code, whose calls and instructions are not the point's.
_HARNESS = os.path.dirname(os.path.abspath(__file__)) + os.sep
#: A profiled body (traced, tens of times slower than timed) takes about this long at most.
PROFILE_SECONDS = 0.05
#: The label prefix of a built-in (C) function, which has calls but no bytecode of its own.
BUILTIN = "[C] "
Counts = Dict[str, List[Optional[float]]]


def _prefixes() -> List[Tuple[str, str]]:
    """Directory prefixes to strip from file names, longest first (site-packages before stdlib)."""
    paths = sysconfig.get_paths()
    found = [(paths[key], "") for key in ("purelib", "platlib") if key in paths]
    found += [(path, "") for path in sys.path if path.endswith(("site-packages", "dist-packages"))]
    found += [(paths["stdlib"], "")] if "stdlib" in paths else []
    sigbench = os.path.dirname(os.path.dirname(_HARNESS.rstrip(os.sep)))
    found.append((sigbench, ""))
    return sorted({(os.path.join(p, ""), label) for p, label in found}, key=lambda item: -len(item[0]))


def function_label(code: CodeType, prefixes: List[Tuple[str, str]], frame: Optional[FrameType] = None) -> str:
    """``blinker/base.py:Signal.send``: the file below site-packages (or the standard library)
    and the qualified name, without line numbers, which move between releases."""
    filename = code.co_filename
    for prefix, replacement in prefixes:
        if filename.startswith(prefix):
            filename = replacement + filename[len(prefix) :]
            break
    return f"{filename.replace(os.sep, '/')}:{_qualified_name(code, frame)}"


def _qualified_name(code: CodeType, frame: Optional[FrameType]) -> str:
    """``Signal.send``: the code's qualified name (``co_qualname``, Python 3.11+); before 3.11, a
    method's is found through the class of the frame's ``self`` or ``cls`` that defines it."""
    name = getattr(code, "co_qualname", None)
    if name:
        return str(name)
    owner = frame.f_locals.get("self", frame.f_locals.get("cls")) if frame is not None else None
    if owner is not None:
        for klass in (owner if isinstance(owner, type) else type(owner)).__mro__:
            found = klass.__dict__.get(code.co_name)
            if getattr(getattr(found, "__func__", found), "__code__", None) is code:
                return f"{klass.__qualname__}.{code.co_name}"
    return code.co_name


def builtin_label(function: Any) -> str:
    """``[C] list.append``, ``[C] len``: a built-in function's qualified name."""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or repr(function)
    module = getattr(function, "__module__", None)
    if module and module != "builtins" and not name.startswith(module):
        name = f"{module}.{name}"
    return BUILTIN + str(name)


class CallCounter:
    """A meter (``measure.Meter``) that counts, for each function, its calls and its own bytecode
    instructions while a region runs; returns the region's own result."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.bytecodes: Counter[str] = Counter()
        self._labels: Dict[CodeType, Optional[str]] = {}
        self._prefixes = _prefixes()
        self._lock = threading.Lock()  # threads of a region count into the same tallies

    def _label(self, code: CodeType, frame: Optional[FrameType] = None) -> Optional[str]:
        """The code's label (``frame``: one running it), or None for the harness's own code."""
        try:
            return self._labels[code]
        except KeyError:
            harness = code.co_filename.startswith(_HARNESS)
            found = None if harness else function_label(code, self._prefixes, frame)
            self._labels[code] = found
            return found

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            label = self._label(frame.f_code, frame)
        elif event == "c_call" and self._label(frame.f_code, frame) is not None:
            label = builtin_label(arg)
        else:
            return
        if label is not None:
            with self._lock:
                self.calls[label] += 1

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Optional[Callable[..., Any]]:
        label = self._label(frame.f_code, frame)
        if label is None:
            return None
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        bytecodes, lock = self.bytecodes, self._lock

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "opcode":
                with lock:
                    bytecodes[label] += 1
            return local

        return local

    def __call__(self, region: Callable[[], Any]) -> float:
        threading.setprofile(self._profile)
        threading.settrace(self._trace)
        sys.setprofile(self._profile)
        sys.settrace(self._trace)
        try:
            return float(region())
        finally:
            sys.settrace(None)
            sys.setprofile(None)
            threading.settrace(None)
            threading.setprofile(None)

    def take(self) -> Tuple[Counter[str], Counter[str]]:
        """The tallies so far, which start again from nothing."""
        taken = self.calls, self.bytecodes
        self.calls, self.bytecodes = Counter(), Counter()
        return taken


def count_point(adapter: Adapter, point: Point, loops: Optional[int] = None) -> Tuple[int, Counts]:
    """Per function, ``[calls, own bytecode instructions]`` per operation of ``point`` (``None``
    for the bytecodes of a built-in function), and the loops L counted: at most ``loops`` (the
    timing's), fewer when a traced body would take longer than ``PROFILE_SECONDS``."""
    counter = CallCounter()
    bench = Bench(adapter, point, counter)
    try:
        gc.collect()
        started = perf_counter()
        bench.body(1)  # also warms what a first call fills (caches, lazily made state)
        once = perf_counter() - started
        loops = max(1, min(loops or 1, int(PROFILE_SECONDS / max(once, 1e-9))))
        counted = []
        for repeat in (loops, 2 * loops):
            counter.take()
            gc.collect()
            bench.body(repeat)
            counted.append(counter.take())
    finally:
        bench.close()
    counts = per_operation(counted[0], counted[1], loops * inner_loops(point))
    for label in counts:
        if label.startswith(BUILTIN):
            counts[label][1] = None  # a built-in function runs no bytecode of its own
    return loops, counts
