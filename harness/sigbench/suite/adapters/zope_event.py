"""zope.event: the one global ``subscribers`` list, each called with the event by ``notify``.

There is no signal object: the "signal" is the global list itself, so at most one exists at a
time and :meth:`ZopeEvent.reset` empties it after every use.
"""

from __future__ import annotations

import importlib.metadata
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, List, Mapping

from sigbench.suite.adapter import Adapter
from sigbench.suite.receivers import Event

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import zope.event


class ZopeEvent(Adapter):
    name = "zope_event"
    module = "zope.event"
    distribution = "zope.event"
    install_hint = "pip install 'sigbench[zope-event]'"
    description = "zope.event.subscribers.append / remove, zope.event.notify(event)"
    style = "event"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    can_create = False
    max_signals = 1
    # The one module-global list of subscribers.
    lasting_state = "restored"
    reasons: ClassVar[Mapping[str, str]] = {
        "weak": "zope.event.subscribers is a plain list that holds its callables strongly",
        "sender": "notify passes only the event; subscribers cannot be bound to a sender",
        "create": "one global subscriber list, no signal object to create",
    }

    def load(self) -> None:
        global zope
        import zope.event

    def version(self) -> str:
        # Python 3.9's importlib.metadata does not normalise the "." of a zope_event-*.dist-info.
        for distribution in ("zope.event", "zope_event"):
            try:
                return importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
        raise importlib.metadata.PackageNotFoundError(self.distribution)

    def new_signal(self) -> List[Callable[..., Any]]:
        subscribers: List[Callable[..., Any]] = zope.event.subscribers
        if subscribers:
            raise RuntimeError(f"zope.event.subscribers is not empty ({len(subscribers)} subscribers)")
        return subscribers

    def connector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.append

    def disconnector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.remove

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(zope.event.notify, Event(sender, payload))

    def global_containers(self) -> Dict[str, Any]:
        return {"zope.event.subscribers": zope.event.subscribers}

    def reset(self, signal: List[Any]) -> None:
        del zope.event.subscribers[:]


ADAPTER = ZopeEvent
