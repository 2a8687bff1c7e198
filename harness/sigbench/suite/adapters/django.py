"""django.dispatch.Signal without a Django project: connections for any sender or one, weak or strong."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, ClassVar, Optional

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    from django.dispatch import Signal


class Django(Adapter):
    name = "django"
    module = "django"
    distribution = "Django"
    install_hint = "pip install 'sigbench[django]'"
    description = "django.dispatch.Signal(use_caching=False).connect / send / disconnect"
    async_send = True

    #: Passed to ``Signal(use_caching=...)``; subclasses flip it.
    use_caching: ClassVar[bool] = False

    def lacks(self, capability: str) -> Optional[str]:
        if capability == "async" and _major(self) < 5:
            return f"Signal.asend is new in Django 5.0; Django {self.version()} has none"
        return super().lacks(capability)

    def load(self) -> None:
        global Signal
        from django.conf import settings
        from django.dispatch import Signal

        if not settings.configured:
            settings.configure(DEBUG=False)

    def new_signal(self) -> Any:
        return Signal(use_caching=self.use_caching)

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        # Django's sender=None means any sender.
        return partial(signal.connect, sender=sender, weak=weak)

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(signal.disconnect, sender=sender)

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.send, sender, payload=payload)

    def async_emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        return partial(signal.asend, sender, payload=payload)  # Django 5.0 and later


def _major(adapter: Adapter) -> int:
    """The installed Django's major version (where it is not installed, the newest is assumed: the
    point is then unavailable anyway)."""
    try:
        return int(adapter.version().split(".")[0])
    except Exception:
        return 10**6


ADAPTER = Django
