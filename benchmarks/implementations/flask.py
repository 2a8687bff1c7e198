"""flask.signals: Flask's blinker NamedSignals; sends are timed on Flask's own ``request_started``.

Flask's signals are blinker signals, so connect, disconnect and send are blinker's; what differs
is where the signals come from: a ``flask.signals.Namespace`` (as Flask tells extensions to make
theirs) and, for sends, Flask's built-in ``request_started`` object.
"""

from __future__ import annotations

import weakref
from typing import Any

from benchmarks.implementations.blinker import Blinker


class Flask(Blinker):
    name = "flask"
    module = "flask"
    distribution = "Flask"
    install_hint = "pip install 'sigbench[flask]'"
    description = "flask.signals NamedSignal (request_started for sends) .connect / send / disconnect"

    def load(self) -> None:
        global flask
        super().load()
        import flask.signals

    def new_signal(self) -> Any:
        # A fresh Namespace each time: Namespace.signal returns the existing signal for a known name.
        return flask.signals.Namespace().signal("sigbench")

    def send_signal(self) -> Any:
        signal = flask.signals.request_started
        if signal.receivers:
            raise RuntimeError("flask.signals.request_started already has receivers connected")
        return signal

    def reset(self, signal: Any) -> None:
        # Flask's built-in signals are module globals: disconnect every receiver from every sender.
        for receiver in list(signal.receivers.values()):
            if isinstance(receiver, weakref.ref):
                receiver = receiver()
            if receiver is not None:
                signal.disconnect(receiver)
        if signal.receivers:
            raise RuntimeError(f"{signal!r} still has receivers after reset")


ADAPTER = Flask
