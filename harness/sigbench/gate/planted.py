"""A planted regression for the gate's self-test: a tiny signal library, ``sigbench_planted``,
written as a source tree whose per-receiver cost is a known number of loop iterations.  Its
adapter is ``sigbench.suite.adapters.planted`` (``planted``, registered through
``SIGBENCH_EXTRA_ADAPTERS``: ``REGISTRATION``), where workers can import it.

The work per receiver dominates everything else a send does (a 1000-iteration loop against one
call), so a tree with ``1000 * (1 + f)`` iterations is slower by very nearly ``f``; the self-test
also counts instructions to state the exact size of what it planted.
"""

from __future__ import annotations

from pathlib import Path

#: Loop iterations per receiver in the unregressed library.
UNITS = 1000
#: What registers the adapter (the value of ``SIGBENCH_EXTRA_ADAPTERS``).
REGISTRATION = "planted=sigbench.suite.adapters.planted"

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
