"""PyDispatcher: one global registry; a signal is any hashable value, receivers get the args they accept."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Mapping

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    from pydispatch import dispatcher, saferef


class _Signal:
    """A unique hashable value to use as a signal."""

    __slots__ = ("__weakref__",)


class PyDispatcher(Adapter):
    name = "pydispatcher"
    module = "pydispatch"
    distribution = "PyDispatcher"
    install_hint = "pip install 'sigbench[pydispatcher]'"
    description = "pydispatch.dispatcher.connect / send / disconnect (global registry)"
    style = "positional"
    can_create = False
    reasons: ClassVar[Mapping[str, str]] = {
        "create": "PyDispatcher signals are plain hashable values; there is nothing to create"
    }
    # One registry for every signal, in module-global dictionaries that never shrink.
    lasting_state = "restored"

    def load(self) -> None:
        global dispatcher, saferef
        from pydispatch import dispatcher, saferef

    def global_containers(self) -> Dict[str, Any]:
        """The registry's tables, and the table of live weak references to bound methods."""
        return {
            "dispatcher.connections": dispatcher.connections,
            "dispatcher.senders": dispatcher.senders,
            "dispatcher.sendersBack": dispatcher.sendersBack,
            "saferef.BoundMethodWeakref._allInstances": saferef.BoundMethodWeakref._allInstances.data,
        }

    def new_signal(self) -> _Signal:
        return _Signal()

    def connector(self, signal: _Signal, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(
            dispatcher.connect, signal=signal, sender=dispatcher.Any if sender is None else sender, weak=weak
        )

    def disconnector(self, signal: _Signal, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        # disconnect must be told the weak flag connect used; with the other it silently does nothing.
        return partial(
            dispatcher.disconnect,
            signal=signal,
            sender=dispatcher.Any if sender is None else sender,
            weak=weak,
        )

    def emitter(self, signal: _Signal, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(dispatcher.send, signal=signal, sender=sender, payload=payload)

    def reset(self, signal: _Signal) -> None:
        # The registry is global and keyed by id(sender); nothing public lists the senders of a
        # signal, so read the module's ``connections`` / ``senders`` tables and disconnect each
        # receiver through the public function.
        specials = {id(dispatcher.Any): dispatcher.Any, id(dispatcher.Anonymous): dispatcher.Anonymous}
        for senderkey, signals in list(dispatcher.connections.items()):
            if signal not in signals:
                continue
            sender = specials.get(senderkey)
            if sender is None:
                sender = dispatcher.senders[senderkey]()
            for receiver in list(signals[signal]):
                weak = isinstance(receiver, dispatcher.WEAKREF_TYPES)
                target = receiver() if weak else receiver
                if target is not None:
                    dispatcher.disconnect(target, signal=signal, sender=sender, weak=weak)
        if any(signal in signals for signals in dispatcher.connections.values()):
            raise RuntimeError(f"PyDispatcher still has connections for {signal!r} after reset")


ADAPTER = PyDispatcher
