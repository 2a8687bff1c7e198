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
    """Its lasting state cannot be restored: every point needs a worker of its own.  Each load
    appends the worker's process id to the file ``SIGBENCH_LOADS`` names."""

    name = "own_process"
    lasting_state = "process"

    def load(self) -> None:
        with open(os.environ["SIGBENCH_LOADS"], "a", encoding="utf-8") as loads:
            loads.write(f"{os.getpid()}\n")


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


def loads(path: Path) -> List[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []
