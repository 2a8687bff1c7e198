"""Planted implementations with known lifetime answers, for ``tests/test_lifetime.py``.

``tidy`` is a well-behaved signal (a dict of receivers, strong or weak, cleaned up at once): every
lifetime scenario reads 0 on it.  Each of the others is ``tidy`` with one planted fault, which
exactly one lifetime scenario must catch with a nonzero value:

- ``retaining``: keeps the last payload sent (``retain_payload``);
- ``leaky_reconnect``: appends to a list on each connect of a receiver already connected
  (``leak_reconnect``);
- ``residue``: keeps the weak reference of every receiver that died (``residue_dead``);
- ``keeps_signals``: every signal made stays in a global registry (``leak_signal``).

Loaded through ``SIGBENCH_EXTRA_ADAPTERS`` (``REGISTRATION``) in worker processes.
"""

from __future__ import annotations

import inspect
import weakref
from typing import Any, Callable, ClassVar, Dict, List, Mapping, Tuple

from sigbench.suite.adapter import ALL_COMBOS, Adapter

#: Each planted adapter's class by its name, and the one scenario that must catch it.
PLANTED: Dict[str, Tuple[str, str]] = {
    "tidy": ("Tidy", ""),
    "retaining": ("Retaining", "retain_payload"),
    "leaky_reconnect": ("LeakyReconnect", "leak_reconnect"),
    "residue": ("Residue", "residue_dead"),
    "keeps_signals": ("KeepsSignals", "leak_signal"),
}
#: The value of ``SIGBENCH_EXTRA_ADAPTERS`` that registers them.
REGISTRATION = ",".join(f"{name}=lifetime_adapters:{cls}" for name, (cls, _) in PLANTED.items())


def _key(receiver: Any) -> Tuple[int, ...]:
    if inspect.ismethod(receiver):
        return (id(receiver.__self__), id(receiver.__func__))
    return (id(receiver),)


class TidySignal:
    def __init__(self) -> None:
        self.receivers: Dict[Tuple[int, ...], Any] = {}
        self.last: Any = None
        self.reconnects: List[Any] = []
        self.dead: List[Any] = []


class Tidy(Adapter):
    name = "tidy"
    description = "planted: a dict of receivers, strong or weak, cleaned up at once"
    style = "positional"
    combos = ALL_COMBOS
    sender_filter = False
    reasons: ClassVar[Mapping[str, str]] = {"sender": "planted: no senders"}

    def new_signal(self) -> TidySignal:
        return TidySignal()

    def connector(self, signal: TidySignal, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        def connect(receiver: Any) -> None:
            key = _key(receiver)
            if key in signal.receivers:
                self.again(signal, key)
            if weak:
                forget = self.forget(signal, key)
                reference = (weakref.WeakMethod if inspect.ismethod(receiver) else weakref.ref)(
                    receiver, forget
                )
                signal.receivers[key] = reference
            else:
                signal.receivers[key] = lambda receiver=receiver: receiver

        return connect

    def again(self, signal: TidySignal, key: Tuple[int, ...]) -> None:
        """A receiver already connected is connected again (replaced: nothing kept)."""

    def forget(self, signal: TidySignal, key: Tuple[int, ...]) -> Callable[[Any], None]:
        """The callback of a weak reference: its entry goes when the receiver dies."""
        receivers = signal.receivers

        def dead(reference: Any) -> None:
            if receivers.get(key) is reference:
                del receivers[key]

        return dead

    def disconnector(self, signal: TidySignal, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        def disconnect(receiver: Any) -> None:
            signal.receivers.pop(_key(receiver), None)

        return disconnect

    def emitter(self, signal: TidySignal, sender: Any, payload: Any) -> Callable[[], Any]:
        def send() -> None:
            for reference in list(signal.receivers.values()):
                receiver = reference()
                if receiver is not None:
                    receiver(sender, payload)

        return send


class Retaining(Tidy):
    name = "retaining"
    description = "planted: keeps the last payload sent"

    def emitter(self, signal: TidySignal, sender: Any, payload: Any) -> Callable[[], Any]:
        send = super().emitter(signal, sender, payload)

        def send_and_keep() -> None:
            send()
            signal.last = payload

        return send_and_keep


class LeakyReconnect(Tidy):
    name = "leaky_reconnect"
    description = "planted: appends to a list on each connect of a receiver already connected"

    def again(self, signal: TidySignal, key: Tuple[int, ...]) -> None:
        signal.reconnects.append(("again", key))


class Residue(Tidy):
    name = "residue"
    description = "planted: keeps the weak reference of every receiver that died"

    def forget(self, signal: TidySignal, key: Tuple[int, ...]) -> Callable[[Any], None]:
        receivers, dead = signal.receivers, signal.dead

        def keep(reference: Any) -> None:
            if receivers.get(key) is reference:
                dead.append(receivers.pop(key))

        return keep


#: Every signal ``keeps_signals`` ever made.
REGISTRY: List[TidySignal] = []


class KeepsSignals(Tidy):
    name = "keeps_signals"
    description = "planted: every signal made stays in a global registry"

    def new_signal(self) -> TidySignal:
        signal = super().new_signal()
        REGISTRY.append(signal)
        return signal
