"""Deliberately broken implementations for the runner's isolation tests.

Each behaves like ``baseline`` through conformance (a handful of sends), then fails for real
once it is being timed: it aborts or segfaults the interpreter, raises, or never returns.
``flaky`` passes in the first worker process and fails conformance in later ones.
Loaded through ``SIGBENCH_EXTRA_ADAPTERS`` (see tests/test_isolation.py).
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any, Callable, List

from sigbench.suite.adapters.baseline import Baseline

#: Conformance sends a few times per point; timing sends thousands of times.
FAIL_AFTER_SENDS = 200
#: The file ``flaky`` creates in its first process.
FLAKY_MARKER_VARIABLE = "SIGBENCH_FLAKY_MARKER"


def _segfault() -> None:
    ctypes.string_at(0)  # reads address 0: SIGSEGV


def _hang() -> None:
    while True:
        pass


def _raise() -> None:
    raise RuntimeError("deliberate failure while sending")


class _FailsWhileTimed(Baseline):
    """Baseline whose sends call ``fail`` once conformance is surely over."""

    fail: Callable[[], None]

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        send = super().emitter(signal, sender, payload)
        sends = 0
        fail = type(self).fail

        def send_then_fail() -> None:
            nonlocal sends
            sends += 1
            if sends > FAIL_AFTER_SENDS:
                fail()
            send()

        return send_then_fail


class Aborting(_FailsWhileTimed):
    name = "aborting"
    fail = staticmethod(os.abort)


class Segfaulting(_FailsWhileTimed):
    name = "segfaulting"
    fail = staticmethod(_segfault)


class Raising(_FailsWhileTimed):
    name = "raising"
    fail = staticmethod(_raise)


class Hanging(_FailsWhileTimed):
    name = "hanging"
    fail = staticmethod(_hang)


class BrokenSetup(Baseline):
    """Cannot even make a signal."""

    name = "broken_setup"

    def new_signal(self) -> List[Any]:
        raise OSError("deliberate failure making a signal")


class Flaky(Baseline):
    """Delivers in the first worker process, drops every receiver in later ones."""

    name = "flaky"

    def load(self) -> None:
        marker = Path(os.environ[FLAKY_MARKER_VARIABLE])
        self.broken = marker.exists()
        marker.touch()

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        return (lambda: None) if self.broken else super().emitter(signal, sender, payload)


class Absent(Baseline):
    """A library that is not installed."""

    name = "absent"
    module = "sigbench_absent_library"
    distribution = "sigbench-absent-library"
    install_hint = "pip install sigbench-absent-library"
