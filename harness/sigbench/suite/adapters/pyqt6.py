"""PyQt6 (Qt): a QObject's ``pyqtSignal(object, object)``; connect / emit / disconnect.

As with PySide6 (``qt``), the "signal" handed to the harness is the emitting QObject itself: a
bound ``pyqtBoundSignal`` does not keep its QObject alive (and PyQt6 6.11 crashes the interpreter
when one is used after its QObject is gone, where PySide6 raises ``RuntimeError``), and the harness
holds the signal for as long as it uses it.  PyQt decides the reference itself: a bound method is
held by a weak reference to its object, any other callable strongly (``PyQtSlot`` in PyQt's
``qpy/QtCore/qpycore_pyqtslot.cpp``); ``connect`` has no switch for either.

Every slot that is a Python callable is served by a C++ proxy QObject (``PyQtSlotProxy``), which
PyQt deletes with ``deleteLater()``: when it is disconnected, and when an emit finds its method's
object dead.  Only Qt's event loop deletes such proxies; without one a disconnected function is
never released and a dead method's connection is visited by every later emit.  So ``load`` makes
the ``QCoreApplication`` every Qt program has, and ``reset`` disconnects what is left on a signal
and delivers the events Qt has posted, as a program's event loop would on its next turn: outside
every timed region, so a disconnect or a receiver's death is timed up to that hand-over.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Optional, Type

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters.qt import Qt

if TYPE_CHECKING:
    # Bound by load() (``global``): the class is defined, and PyQt6 imported, only when the
    # adapter is used.
    from PyQt6.QtCore import QCoreApplication, QEvent, QObject

    _Emitter: Type[QObject]

#: The application object of this process (Qt needs it to deliver posted events), once loaded.
_application: Optional[Any] = None


class PyQt6(Adapter):
    name = "pyqt6"
    module = "PyQt6.QtCore"
    distribution = "PyQt6"
    install_hint = "pip install 'sigbench[pyqt6]'"
    description = "PyQt6 QObject with fired = pyqtSignal(object, object): connect / emit / disconnect"
    style = "positional"
    combos = frozenset({("strong", "function"), ("weak", "method")})
    sender_filter = False
    threads = False
    reasons: ClassVar[Mapping[str, str]] = {
        "weak-function": "PyQt6 holds slots other than bound methods strongly; connect has no weak option",
        "strong-method": "PyQt6 holds a bound-method slot by a weak reference to its object; connect has no "
        "strong option",
        "sender": "a Qt signal has no sender argument to bind receivers to",
        "async": "emit calls Python slots directly and never awaits a coroutine",
        "threads": "a Qt signal emitted from a thread other than its QObject's queues the slot calls for "
        "that object's thread's event loop (Qt's AutoConnection), so sends from threads call"
        " nothing in place",
    }

    def load(self) -> None:
        global _Emitter, _application, QCoreApplication, QEvent
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PyQt6.QtCore import QCoreApplication, QEvent, QObject, pyqtSignal

        class _Emitter(QObject):
            fired = pyqtSignal(object, object)

        if _application is None:
            _application = QCoreApplication.instance() or QCoreApplication(["sigbench"])

    def new_signal(self) -> Any:
        return _Emitter()

    # connect, disconnect and emit are the signal's own, as PySide6's: ``Qt``'s.
    connector = Qt.connector
    disconnector = Qt.disconnector
    emitter = Qt.emitter

    def reset(self, signal: Any) -> None:
        """Disconnect every slot still on the signal, then let Qt delete the proxies of every slot
        disconnected so far (``deleteLater``), as an event loop's next turn would."""
        try:
            signal.fired.disconnect()
        except TypeError:  # nothing connected
            pass
        # Queued calls first (a destroyed transmitter disables its proxies that way), then the
        # deferred deletions they and every disconnect posted: Qt delivers those only when asked
        # for by type outside a running event loop.
        QCoreApplication.sendPostedEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


ADAPTER = PyQt6
