"""Adapters for the clean-state tests: one whose points with no receivers need a worker each,
and one whose global state is not put back (as a restore that a new library version broke).
Both are the plain list of callables (``baseline``) under another name."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List

from sigbench.suite.adapters.baseline import Baseline
from sigbench.suite.points import Point

#: The registry of ``Unrestored``: a global dict its connections go into and never leave.
REGISTRY: Dict[int, Any] = {}


class OwnProcess(Baseline):
    """What its points with no receivers depend on cannot be put back: each needs a worker of
    its own.  Each load, and each signal made, appends ``load`` or ``signal`` and the process id
    to the file ``SIGBENCH_LOADS`` names."""

    name = "own_process"

    def fresh_process(self, point: Point, lasting: bool, dying: bool) -> bool:
        return point.receivers == 0

    def load(self) -> None:
        _note("load")

    def new_signal(self) -> List[Callable[..., Any]]:
        _note("signal")
        return []


def _note(what: str) -> None:
    with open(os.environ["SIGBENCH_LOADS"], "a", encoding="utf-8") as notes:
        notes.write(f"{what} {os.getpid()}\n")


class Unrestored(Baseline):
    """Declares its global registry restored, but its restore forgets to empty it."""

    name = "unrestored"
    lasting_state = "restored"

    def connector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(_connect, signal)

    def global_containers(self) -> Dict[str, Any]:
        return {"state_adapters.REGISTRY": REGISTRY}

    def restore(self) -> None:
        pass  # the bug: the registry keeps every connection ever made


def _connect(signal: List[Any], receiver: Any) -> None:
    signal.append(receiver)
    REGISTRY[id(receiver)] = receiver


def notes(path: Path, what: str) -> List[int]:
    """The process ids that noted ``what`` (``load`` or ``signal``), in order."""
    lines = path.read_text().splitlines() if path.exists() else []
    return [int(line.split()[1]) for line in lines if line.split()[0] == what]
