"""PyQt6 and RxPY (reactivex): what their adapters rely on that the generic checks do not cover.

PyQt6 runs in an interpreter of its own for each test: PyQt6 and PySide6 bring their own copies of
Qt's libraries under one name, so whichever is imported second in a process runs on the other's
copy (PyQt6 after PySide6) or fails to import (PySide6 after PyQt6); this module comes before
the ones that load the ``qt`` adapter in pytest's process.
"""

from __future__ import annotations

import gc
import subprocess
import textwrap
import weakref
from functools import partial
from typing import Any, Callable, List

import pytest

from sigbench.suite.adapter import Adapter
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.inventory import availability

RunPython = Callable[..., "subprocess.CompletedProcess[str]"]
Loader = Callable[[str], Adapter]

#: What every PyQt6 script starts with: the adapter loaded, and a recorder of calls.
PYQT6_PRELUDE = """
import gc, sys, threading, weakref
from sigbench.suite.adapters import get_adapter
from sigbench.suite.receivers import make_receivers

adapter = get_adapter("pyqt6")
adapter.load()
calls = []
def record(index, sender, payload):
    calls.append(index)
"""


def _pyqt6(run_python: RunPython, body: str) -> None:
    """Run ``body`` after ``PYQT6_PRELUDE`` in a new interpreter; it must exit cleanly."""
    if not availability("pyqt6")[0]:
        pytest.skip("PyQt6 is not installed")
    script = textwrap.dedent(PYQT6_PRELUDE) + textwrap.dedent(body)
    result = run_python(["-c", script], timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]


def test_pyqt6_holds_functions_strongly_and_methods_weakly(run_python: RunPython) -> None:
    _pyqt6(
        run_python,
        """
        signal = adapter.new_signal()
        functions, kept = make_receivers("positional", "function", 2, record)
        methods, owners = make_receivers("positional", "method", 2, record)
        connect = adapter.connector(signal, weak=False)
        for receiver in functions + methods:
            connect(receiver)
        function_alive = weakref.ref(functions[0])
        owner_alive = weakref.ref(owners[0])
        del functions, kept, methods, owners, receiver
        gc.collect()
        adapter.emitter(signal, "sender", "payload")()
        assert sorted(calls) == [0, 1], calls  # the functions, not the methods of dead objects
        assert function_alive() is not None and owner_alive() is None
        """,
    )


def test_pyqt6_reset_lets_qt_release_what_pyqt_deletes_later(run_python: RunPython) -> None:
    """A disconnected function stays referenced, and a dead method stays connected, until Qt
    delivers the deletions PyQt posted: ``reset`` does, as an event loop's next turn would."""
    _pyqt6(
        run_python,
        """
        signal = adapter.new_signal()
        functions, kept = make_receivers("positional", "function", 1, record)
        methods, owners = make_receivers("positional", "method", 3, record)
        adapter.connector(signal, weak=False)(functions[0])
        adapter.disconnector(signal, weak=False)(functions[0])
        released = weakref.ref(functions[0])
        connect = adapter.connector(signal, weak=True)
        for method in methods:
            connect(method)
        del functions, kept, methods, owners, method
        gc.collect()
        adapter.emitter(signal, "sender", "payload")()  # PyQt finds the methods' objects dead
        assert calls == []
        assert released() is not None, "PyQt6 released a disconnected slot without an event loop"
        assert signal.receivers(signal.fired) == 3
        adapter.reset(signal)
        gc.collect()
        assert released() is None and signal.receivers(signal.fired) == 0
        adapter.reset(signal)  # nothing left to disconnect: no error
        """,
    )


def test_pyqt6_sends_from_another_thread_call_nothing_in_place(run_python: RunPython) -> None:
    """Why ``threads`` is off: Qt's AutoConnection queues the calls for the QObject's thread."""
    _pyqt6(
        run_python,
        """
        from PyQt6.QtCore import QCoreApplication

        signal = adapter.new_signal()
        functions, _ = make_receivers("positional", "function", 2, record)
        for receiver in functions:
            adapter.connector(signal, weak=False)(receiver)
        thread = threading.Thread(target=adapter.emitter(signal, "sender", "payload"))
        thread.start()
        thread.join()
        assert calls == [], calls
        QCoreApplication.sendPostedEvents()  # the queued calls, in this (the QObject's) thread
        assert sorted(calls) == [0, 1], calls
        """,
    )


def test_pyqt6_runs_alone_on_its_own_qt(run_python: RunPython) -> None:
    _pyqt6(
        run_python,
        """
        signal = adapter.new_signal()
        adapter.emitter(signal, "sender", "payload")()
        adapter.reset(signal)
        assert not any(name.split(".")[0] == "PySide6" for name in sys.modules)
        maps = open("/proc/self/maps").read() if sys.platform == "linux" else ""
        cores = {line.split()[-1] for line in maps.splitlines() if "libQt6Core" in line}
        assert all("PyQt6" in path for path in cores), cores
        """,
    )


# -- reactivex ---------------------------------------------------------------------------------------


def test_reactivex_disconnect_disposes_that_receivers_subscription_on_that_subject(
    load_adapter: Loader,
) -> None:
    """One receiver subscribed to two subjects: disconnecting it from one leaves the other, and
    the other receivers, subscribed."""
    adapter = load_adapter("reactivex")
    first, second = adapter.new_signal(), adapter.new_signal()
    calls: List[Any] = []
    receivers, _ = make_receivers("event", "function", 3, lambda index, *_: calls.append(index))
    for signal in (first, second):
        connect = adapter.connector(signal, weak=False)
        for receiver in receivers:
            connect(receiver)
    adapter.disconnector(first, weak=False)(receivers[1])
    assert (len(first.observers), len(second.observers)) == (2, 3)
    adapter.emitter(first, Sender("first"), None)()
    adapter.emitter(second, Sender("second"), None)()
    assert calls == [0, 2, 0, 1, 2]
    for signal in (first, second):
        adapter.reset(signal)


def test_reactivex_create_and_send_are_the_librarys_own(load_adapter: Loader) -> None:
    """The signal is a bare Subject (``create`` times ``Subject()`` alone) and a send is a partial
    of its ``on_next`` (no frame of ours)."""
    adapter = load_adapter("reactivex")
    import reactivex.subject

    signal = adapter.new_signal()
    assert type(signal) is reactivex.subject.Subject
    emit = adapter.emitter(signal, Sender("s"), None)
    assert isinstance(emit, partial) and emit.func == signal.on_next
    adapter.reset(signal)


def test_reactivex_reset_leaves_no_subject_held_by_the_adapter(load_adapter: Loader) -> None:
    adapter = load_adapter("reactivex")
    signal = adapter.new_signal()
    receivers, _ = make_receivers("event", "method", 2)
    connect = adapter.connector(signal, weak=False)
    for receiver in receivers:
        connect(receiver)
    alive = weakref.ref(signal)
    adapter.reset(signal)
    del signal, connect
    gc.collect()
    assert alive() is None
