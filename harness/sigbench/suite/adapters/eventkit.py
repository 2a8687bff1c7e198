"""eventkit.Event: connect / emit / disconnect, positional arguments, no sender filter.

``Event.connect`` splits a listener into (object, function) and keeps the object through a weak
reference whose callback removes the slot, unless ``keep_ref=True``: a bound method is held weakly
(by its object) or strongly as asked; a plain function has no object and is stored as itself,
always strongly.  ``emit`` calls the listeners in order and hands an awaitable a listener returns
to ``asyncio.ensure_future``, keeping no handle: there is no send that awaits them.  An Event
keeps its last emitted arguments (``value()``), so the last sender and payload live on with it.
Importing eventkit imports numpy (its array operators) and takes the main thread's event loop.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import eventkit


class Eventkit(Adapter):
    name = "eventkit"
    module = "eventkit"
    distribution = "eventkit"
    install_hint = "pip install 'sigbench[eventkit]'"
    description = "eventkit.Event().connect(listener, keep_ref=not weak) / emit / disconnect"
    style = "positional"
    combos = frozenset({("strong", "function"), ("strong", "method"), ("weak", "method")})
    sender_filter = False
    reasons: ClassVar[Mapping[str, str]] = {
        "weak-function": "eventkit holds a plain function strongly: only a listener's object (a bound "
        "method's self) is kept through a weak reference",
        "sender": "an eventkit Event has no notion of a sender to bind listeners to: emit passes its "
        "arguments to every listener",
        "async": "eventkit's emit hands an awaitable a listener returns to asyncio.ensure_future and keeps "
        "no handle to it, and no call of eventkit awaits the listeners, so no send can be awaited",
    }

    def load(self) -> None:
        global eventkit
        try:
            import eventkit
        except RuntimeError:
            # eventkit asks asyncio for the main thread's event loop as it is imported (util.py:
            # main_event_loop = get_event_loop()), which raises once asyncio.run() has left none
            # set (in-process front ends; a worker loads first): give it a new one, as asyncio
            # does itself for that call in a process that never set one.
            asyncio.set_event_loop(asyncio.new_event_loop())
            import eventkit

    def new_signal(self) -> Any:
        return eventkit.Event()

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.connect, keep_ref=not weak)

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.disconnect

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.emit, sender, payload)


ADAPTER = Eventkit
