"""psygnal.SignalInstance: connect / emit / disconnect, positional arguments, no sender filter.

psygnal's ``connect`` decides the reference itself: plain functions are held strongly and
bound methods weakly (the slot is dropped when its object dies); it has no switch for either.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import psygnal


class Psygnal(Adapter):
    name = "psygnal"
    module = "psygnal"
    distribution = "psygnal"
    install_hint = "pip install 'sigbench[psygnal]'"
    description = "psygnal.SignalInstance((object, object)).connect / emit / disconnect"
    style = "positional"
    combos = frozenset({("strong", "function"), ("weak", "method")})
    sender_filter = False
    reasons: ClassVar[Mapping[str, str]] = {
        "weak-function": "psygnal's connect always holds plain functions strongly",
        "strong-method": "psygnal's connect always holds bound methods weakly",
        "sender": "a psygnal signal has no notion of a sender to bind receivers to",
        "async": "psygnal's emit queues coroutine slots for one global backend task to run later, with no "
        "public way to await them (its queue is never marked done), so no send can be awaited",
    }

    def load(self) -> None:
        global psygnal
        import psygnal

    def new_signal(self) -> Any:
        return psygnal.SignalInstance((object, object))

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.connect

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.disconnect

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.emit, sender, payload)


ADAPTER = Psygnal
