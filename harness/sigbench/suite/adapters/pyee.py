"""pyee.EventEmitter: listeners of one named event, called with positional arguments.

Awaited sends use pyee's ``AsyncIOEventEmitter``: ``emit`` schedules each ``async def`` listener as
an asyncio task, and the send awaits ``wait_for_complete()``, pyee's documented way to wait for
them, so what is timed includes the tasks' scheduling and completion.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, ClassVar, Mapping

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import pyee
    import pyee.asyncio

#: The one event name every signal uses.
EVENT = "signal"


class Pyee(Adapter):
    name = "pyee"
    module = "pyee"
    distribution = "pyee"
    install_hint = "pip install 'sigbench[pyee]'"
    description = "pyee.EventEmitter().add_listener / emit / remove_listener of one event"
    style = "positional"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    async_send = True
    reasons: ClassVar[Mapping[str, str]] = {
        "weak": "pyee holds its listeners strongly (a dict keyed by the callable)",
        "sender": "pyee events have no notion of a sender to bind listeners to",
    }

    def load(self) -> None:
        global pyee
        import pyee
        import pyee.asyncio

    def new_signal(self) -> Any:
        return pyee.EventEmitter()

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.add_listener, EVENT)

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.remove_listener, EVENT)

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.emit, EVENT, sender, payload)

    def async_signal(self) -> Any:
        return pyee.asyncio.AsyncIOEventEmitter()

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        emit, complete = partial(signal.emit, EVENT, sender, payload), signal.wait_for_complete

        async def send() -> None:
            emit()
            await complete()

        return send


ADAPTER = Pyee
