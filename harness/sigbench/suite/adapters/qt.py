"""PySide6 (Qt): a QObject's ``Signal(object, object)``; connect / emit / disconnect.

The "signal" handed to the harness is the emitting QObject itself, not its bound signal: a
bound ``SignalInstance`` does not keep its QObject alive, and the harness holds the signal for
as long as it uses it.  Qt decides the reference itself (measured with PySide6 6.12): plain
functions are held strongly, bound methods weakly (the connection dies with the object).
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Optional, Type

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point

if TYPE_CHECKING:
    # Bound by load() (``global``): the class is defined, and PySide6 imported, only when the
    # adapter is used.
    from PySide6.QtCore import QObject

    _Emitter: Type[QObject]

#: The distributions that may provide PySide6, tried in order for the version.
_DISTRIBUTIONS = ("PySide6-Essentials", "PySide6_Essentials", "PySide6")


class Qt(Adapter):
    name = "qt"
    title = "PySide6"
    module = "PySide6.QtCore"
    distribution = "PySide6-Essentials"
    install_hint = "pip install 'sigbench[qt]'"
    description = "PySide6 QObject with fired = Signal(object, object): connect / emit / disconnect"
    style = "positional"
    combos = frozenset({("strong", "function"), ("weak", "method")})
    sender_filter = False
    threads = False
    reasons: ClassVar[Mapping[str, str]] = {
        "weak-function": "PySide6 holds plain-function slots strongly; Qt's connect has no weak option",
        "strong-method": "PySide6 holds bound-method slots weakly; Qt's connect has no strong option",
        "sender": "a Qt signal has no sender argument to bind receivers to",
        "threads": "a Qt signal emitted from a thread other than its QObject's queues the slot calls for "
        "that object's thread's event loop (Qt's AutoConnection), so sends from threads call"
        " nothing in place",
    }

    def load(self) -> None:
        global _Emitter
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QObject, Signal

        class _Emitter(QObject):
            fired = Signal(object, object)

    def version(self) -> str:
        for distribution in _DISTRIBUTIONS:
            try:
                return importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
        raise importlib.metadata.PackageNotFoundError(self.distribution)

    def in_process_hazard(self) -> Optional[str]:
        version = self.version()
        if sys.version_info < (3, 12) and version.startswith("6.12."):
            python = ".".join(map(str, sys.version_info[:3]))
            return (
                f"PySide6 {version} has a refcount bug that aborts CPython {python} (<3.12) "
                "on emit/disconnect; an in-process abort would kill pytest"
            )
        return None

    def new_signal(self) -> Any:
        return _Emitter()

    def fresh_process(self, point: Point, lasting: bool, dying: bool) -> bool:
        """A point in whose clock receivers die needs a worker of its own.  PySide6 (6.11.3) keeps
        something as large as the most function slots ever connected at once, and never shrinks
        it: after 1000 were connected to one QObject (then disconnected, or dropped with it), every
        later death of a weakly held bound method costs 4.0 µs instead of 0.7, after 3000 14.5
        µs; connects, sends and disconnects do not change.  In a worker after qt's other points,
        collect-10 took 57 µs a receiver, in a worker of its own 0.96 µs."""
        return dying

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.fired.connect

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.fired.disconnect

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.fired.emit, sender, payload)


ADAPTER = Qt
