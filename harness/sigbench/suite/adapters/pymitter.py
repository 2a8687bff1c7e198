"""pymitter.EventEmitter: listeners of one named event, called with positional arguments.

``on`` wraps each function in a ``pymitter.Listener`` that holds it strongly; ``off`` removes it
again.  Event names are namespaces (wildcards are off by default, and stay off here): there is no
sender to bind a listener to.  Awaited sends use ``emit_async``, which calls every listener and then
awaits the coroutines of ``async def`` ones with ``asyncio.gather`` (a task each).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, ClassVar, Mapping

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import pymitter

#: The one event name every signal uses.
EVENT = "signal"


class Pymitter(Adapter):
    name = "pymitter"
    module = "pymitter"
    distribution = "pymitter"
    install_hint = "pip install 'sigbench[pymitter]'"
    description = "pymitter.EventEmitter().on / emit / off of one event (emit_async for awaited sends)"
    style = "positional"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    async_send = True
    reasons: ClassVar[Mapping[str, str]] = {
        "weak": "pymitter holds its listeners strongly (a pymitter.Listener keeps the function)",
        "sender": "pymitter events are names (namespaces, optionally wildcards), not senders; emit "
        "passes its arguments to every listener of the event",
    }

    def load(self) -> None:
        global pymitter
        import pymitter

    def new_signal(self) -> Any:
        return pymitter.EventEmitter()

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.on, EVENT)

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.off, EVENT)

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.emit, EVENT, sender, payload)

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        return partial(signal.emit_async, EVENT, sender, payload)


ADAPTER = Pymitter
