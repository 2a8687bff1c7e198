"""blinker.Signal: connections for ANY sender or one sender, weak or strong."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import blinker


class Blinker(Adapter):
    name = "blinker"
    module = "blinker"
    distribution = "blinker"
    install_hint = "pip install 'sigbench[blinker]'"
    description = "blinker.Signal().connect / send / disconnect"
    async_send = True

    def load(self) -> None:
        global blinker
        import blinker

    def new_signal(self) -> Any:
        return blinker.Signal()

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.connect, sender=blinker.ANY if sender is None else sender, weak=weak)

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.disconnect, sender=blinker.ANY if sender is None else sender)

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.send, sender, payload=payload)

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        return partial(signal.send_async, sender, payload=payload)


ADAPTER = Blinker
