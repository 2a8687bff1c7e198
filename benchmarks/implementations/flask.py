"""flask.signals: Flask's blinker NamedSignals; sends are timed on Flask's own ``request_started``."""

from __future__ import annotations

import weakref
from functools import partial
from typing import Any, Callable

from harness.adapter import Adapter


class Flask(Adapter):
    name = "flask"
    module = "flask"
    distribution = "Flask"
    install_hint = "pip install 'sigbench[flask]'"
    description = "flask.signals NamedSignal (request_started for sends) .connect / send / disconnect"

    def load(self) -> None:
        global flask
        import flask.signals

    def new_signal(self) -> Any:
        # A fresh Namespace each time: Namespace.signal returns the existing signal for a known name.
        return flask.signals.Namespace().signal("sigbench")

    def send_signal(self) -> Any:
        signal = flask.signals.request_started
        if signal.receivers:
            raise RuntimeError("flask.signals.request_started already has receivers connected")
        return signal

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.connect, sender=signal.ANY if sender is None else sender, weak=weak)

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.disconnect, sender=signal.ANY if sender is None else sender)

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.send, sender, payload=payload)

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
