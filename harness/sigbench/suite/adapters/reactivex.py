"""RxPY (reactivex): a ``Subject`` whose subscribers are the receivers, ``on_next`` the send.

``subject.subscribe(on_next=receiver)`` returns the disposable that ends that one subscription,
and disposing it is the disconnect.  ``on_next`` passes one value, so receivers are event-style:
each gets one ``Event(sender, payload)``.  A Subject keeps every subscribed observer (and the
``on_next`` callable in it) strongly in a list until its disposable is disposed: there are no weak
subscriptions, and no notion of a sender to bind a subscriber to.

The signal handed to the harness is the Subject itself, so ``create`` times ``Subject()`` alone.
Each receiver's disposable is kept by the adapter, in a dict per Subject that the connector and
disconnector find outside the timed region and ``reset`` drops: connect is one frame of ours that
stores what ``subscribe`` returns, disconnect one that pops it and calls its ``dispose`` (what a
program that unsubscribes must keep too).  Sends add no frame of ours.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Mapping

from sigbench.suite.adapter import Adapter
from sigbench.suite.receivers import Event

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import reactivex.subject


class ReactiveX(Adapter):
    name = "reactivex"
    module = "reactivex"
    distribution = "reactivex"
    install_hint = "pip install 'sigbench[reactivex]'"
    description = (
        "reactivex.subject.Subject().subscribe(on_next=r) / on_next(event) / dispose() of that subscription"
    )
    style = "event"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    reasons: ClassVar[Mapping[str, str]] = {
        "weak": "a Subject holds each subscribed observer, and the on_next callable in it, strongly until "
        "its subscription is disposed",
        "sender": "on_next passes one value to every subscriber; binding one to a sender would take a "
        "filter operator per subscription, a substitute, not the library's own connection",
        "async": "on_next calls each observer's on_next and never awaits a coroutine; Rx has no awaited send",
    }

    def __init__(self) -> None:
        #: Each Subject's disposables by receiver, while the Subject is in use (until ``reset``).
        self._disposables: Dict[Any, Dict[Any, Any]] = {}

    def load(self) -> None:
        global reactivex
        import reactivex.subject

    def new_signal(self) -> Any:
        return reactivex.subject.Subject()

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        subscribe, disposables = signal.subscribe, self._disposables.setdefault(signal, {})

        def connect(receiver: Any) -> None:
            disposables[receiver] = subscribe(on_next=receiver)

        return connect

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        take = self._disposables.setdefault(signal, {}).pop

        def disconnect(receiver: Any) -> None:
            take(receiver).dispose()

        return disconnect

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.on_next, Event(sender, payload))

    def reset(self, signal: Any) -> None:
        self._disposables.pop(signal, None)


ADAPTER = ReactiveX
