"""aiosignal.Signal: a list of ``async def`` callbacks, filled with ``append`` and sent, awaited, once
frozen.

A ``Signal(owner)`` is a ``frozenlist.FrozenList`` (frozenlist's code does its list operations) and
holds its callbacks strongly.  Its life has two stages: while it is filled, callbacks are added and
removed with list methods and it cannot send; after ``freeze()`` the awaited ``send(*args)`` is its
only operation and nothing can be added or removed.  So connects are timed on a signal that is
still being filled, and ``async_emitter`` freezes the signal (outside the timed region) before
handing out its ``send``.  The owner is the object the signal belongs to (an aiohttp application),
shown in its repr; it does not bind callbacks to a sender.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, ClassVar, Mapping

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import aiosignal


class _Owner:
    """What every signal belongs to (an aiohttp application, in aiohttp)."""

    def __repr__(self) -> str:
        return "sigbench"


_OWNER = _Owner()


class Aiosignal(Adapter):
    name = "aiosignal"
    module = "aiosignal"
    distribution = "aiosignal"
    # Signal's list operations (append, remove, iteration) are frozenlist's.
    uses: ClassVar[Mapping[str, str]] = {"frozenlist": "frozenlist"}
    install_hint = "pip install 'sigbench[aiosignal]'"
    description = (
        "aiosignal.Signal(owner).append / remove while it is filled; freeze(), then await send(sender, "
        "payload)"
    )
    style = "positional"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    async_send = True
    sync_send = False
    can_disconnect = False
    reasons: ClassVar[Mapping[str, str]] = {
        "weak": "an aiosignal Signal is a list (frozenlist.FrozenList) that holds its callbacks strongly",
        "sender": "an aiosignal Signal has an owner (the object it belongs to), not a sender to bind "
        "callbacks to: send passes its arguments to every callback",
        "sync": "aiosignal's only send is the coroutine Signal.send, awaited, of a frozen signal, to which "
        "no callback can be added nor removed",
        "disconnect": "a callback can be removed only while the signal is filled, before it can send: a "
        "frozen signal cannot change, so a disconnect cannot be checked between sends",
    }

    def load(self) -> None:
        global aiosignal
        import aiosignal

    def new_signal(self) -> Any:
        return aiosignal.Signal(_OWNER)

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.append

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.remove

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        raise NotImplementedError(self.reasons["sync"])

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        signal.freeze()  # as aiohttp does when the application starts; freezing again does nothing
        return partial(signal.send, sender, payload)


ADAPTER = Aiosignal
