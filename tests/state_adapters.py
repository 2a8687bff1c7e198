"""Adapters for the clean-state tests: one whose state needs a worker of its own for every point,
and one whose global state is not put back (as a restore that a new library version broke).
Both are the plain list of callables (``baseline``) under another name."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, List

from sigbench.suite.adapters.baseline import Baseline

#: The registry of ``Unrestored``: a global dict its connections go into and never leave.
REGISTRY: Dict[int, Any] = {}


class OwnProcess(Baseline):
    """Its lasting state cannot be restored: every point needs a process of its own.  Each load,
    and each signal made, appends ``load`` or ``signal`` and the process id to the file
    ``SIGBENCH_LOADS`` names."""

    name = "own_process"
    lasting_state = "process"

    def load(self) -> None:
        _note("load")

    def new_signal(self) -> List[Callable[..., Any]]:
        _note("signal")
        return []


class OwnProcessFaults(OwnProcess):
    """As ``OwnProcess``, but a send to 100 receivers aborts the process and a send to 1000
    hangs: what happens in a forked child must cost that point only."""

    name = "own_process_faults"

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        if len(signal) == 100:
            os.abort()
        if len(signal) == 1000:
            _note("hanging")
            while True:
                pass
        return super().emitter(signal, sender, payload)


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
