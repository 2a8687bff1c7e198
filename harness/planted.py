"""A planted regression for the gate's self-test: a tiny signal library, ``sigbench_planted``,
written as a source tree whose per-receiver cost is a known number of loop iterations, and its
adapter (``planted``, registered through ``SIGBENCH_EXTRA_ADAPTERS``).

The work per receiver dominates everything else a send does (a 1000-iteration loop against one
call), so a tree with ``1000 * (1 + f)`` iterations is slower by very nearly ``f``; the self-test
also counts instructions to state the exact size of what it planted.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Callable, ClassVar, Dict

from harness.adapter import Adapter

#: Loop iterations per receiver in the unregressed library.
UNITS = 1000
#: What registers the adapter (the value of ``SIGBENCH_EXTRA_ADAPTERS``).
REGISTRATION = f"planted={__name__}"

_SOURCE = '''"""sigbench's planted regression: a signal whose send does {units} units of work per receiver."""

__version__ = "1.0"
UNITS = {units}


class Signal:
    def __init__(self):
        self.receivers = []

    def connect(self, receiver):
        self.receivers.append(receiver)

    def disconnect(self, receiver):
        self.receivers.remove(receiver)

    def send(self, sender, payload):
        for receiver in self.receivers:
            for _ in range(UNITS):
                pass
            receiver(sender, payload)
'''

_PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "sigbench-planted"
version = "1.0"
"""


def write_tree(directory: Path, slowdown: float = 0.0) -> Path:
    """Write the library, ``slowdown`` (e.g. 0.05) slower per receiver, as a source tree."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(_PYPROJECT, encoding="utf-8")
    units = round(UNITS * (1 + slowdown))
    (directory / "sigbench_planted.py").write_text(_SOURCE.format(units=units), encoding="utf-8")
    return directory


class Planted(Adapter):
    name = "planted"
    module = "sigbench_planted"
    distribution = "sigbench-planted"
    install_hint = "a source tree written by harness.planted.write_tree"
    description = "the gate self-test's planted regression"
    style = "positional"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    reasons: ClassVar[Dict[str, str]] = {"weak": "holds receivers strongly", "sender": "has no sender filter"}

    def new_signal(self) -> Any:
        import sigbench_planted

        return sigbench_planted.Signal()

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.connect

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.disconnect

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.send, sender, payload)

    def reset(self, signal: Any) -> None:
        signal.receivers.clear()


ADAPTER = Planted
