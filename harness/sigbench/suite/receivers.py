"""Receivers and senders: distinct objects, in each calling style and kind.

A *no-op* receiver (``record=None``) is what timed loops connect; a *recording* receiver calls
``record(index, sender, payload)`` and is what conformance connects.  Both have the same
signature and kind, so a library treats them alike.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

Record = Callable[[int, Any, Any], None]


class Sender:
    """A weak-referenceable, hashable sender object."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"Sender({self.label!r})"


class Event:
    """The single argument of an ``event``-style receiver."""

    __slots__ = ("payload", "sender")

    def __init__(self, sender: Any, payload: Any) -> None:
        self.sender = sender
        self.payload = payload


def _kwargs_function(index: int, record: Optional[Record]) -> Callable[..., Any]:
    if record is None:

        def receiver(sender, **kwargs):  # type: ignore[no-untyped-def]
            return None

    else:

        def receiver(sender, **kwargs):  # type: ignore[no-untyped-def]
            record(index, sender, kwargs.get("payload"))

    return receiver


def _positional_function(index: int, record: Optional[Record]) -> Callable[..., Any]:
    if record is None:

        def receiver(sender, payload):  # type: ignore[no-untyped-def]
            return None

    else:

        def receiver(sender, payload):  # type: ignore[no-untyped-def]
            record(index, sender, payload)

    return receiver


def _event_function(index: int, record: Optional[Record]) -> Callable[..., Any]:
    if record is None:

        def receiver(event):  # type: ignore[no-untyped-def]
            return None

    else:

        def receiver(event):  # type: ignore[no-untyped-def]
            record(index, event.sender, event.payload)

    return receiver


def _function(style: str, index: int, record: Optional[Record]) -> Callable[..., Any]:
    # Each call defines new function objects, so every receiver is distinct.  One maker per style:
    # a name defined in several branches must keep one signature for the type checker.
    if style == "kwargs":
        return _kwargs_function(index, record)
    if style == "positional":
        return _positional_function(index, record)
    return _event_function(index, record)


def _kwargs_coroutine_function(index: int, record: Optional[Record]) -> Callable[..., Any]:
    async def receiver(sender, **kwargs):  # type: ignore[no-untyped-def]
        if record is not None:
            record(index, sender, kwargs.get("payload"))

    return receiver


def _positional_coroutine_function(index: int, record: Optional[Record]) -> Callable[..., Any]:
    async def receiver(sender, payload):  # type: ignore[no-untyped-def]
        if record is not None:
            record(index, sender, payload)

    return receiver


def _event_coroutine_function(index: int, record: Optional[Record]) -> Callable[..., Any]:
    async def receiver(event):  # type: ignore[no-untyped-def]
        if record is not None:
            record(index, event.sender, event.payload)

    return receiver


def _coroutine_function(style: str, index: int, record: Optional[Record]) -> Callable[..., Any]:
    """As ``_function``, an ``async def`` (what async sends await)."""
    if style == "kwargs":
        return _kwargs_coroutine_function(index, record)
    if style == "positional":
        return _positional_coroutine_function(index, record)
    return _event_coroutine_function(index, record)


class _Recording:
    def __init__(self, index: int, record: Record) -> None:
        self.index = index
        self.record = record


class _AsyncReceiver:
    def __init__(self, index: int, record: Optional[Record]) -> None:
        self.index = index
        self.record = record


class AsyncKwargsReceiver(_AsyncReceiver):
    """An object with an ``async`` method receiver, recording when ``record`` is given."""

    async def on_signal(self, sender, **kwargs):  # type: ignore[no-untyped-def]
        if self.record is not None:
            self.record(self.index, sender, kwargs.get("payload"))


class AsyncPositionalReceiver(_AsyncReceiver):
    async def on_signal(self, sender, payload):  # type: ignore[no-untyped-def]
        if self.record is not None:
            self.record(self.index, sender, payload)


class KwargsReceiver:
    def on_signal(self, sender, **kwargs):  # type: ignore[no-untyped-def]
        return None


class PositionalReceiver:
    def on_signal(self, sender, payload):  # type: ignore[no-untyped-def]
        return None


class EventReceiver:
    def on_signal(self, event):  # type: ignore[no-untyped-def]
        return None


class RecordingKwargsReceiver(_Recording):
    def on_signal(self, sender, **kwargs):  # type: ignore[no-untyped-def]
        self.record(self.index, sender, kwargs.get("payload"))


class RecordingPositionalReceiver(_Recording):
    def on_signal(self, sender, payload):  # type: ignore[no-untyped-def]
        self.record(self.index, sender, payload)


class RecordingEventReceiver(_Recording):
    def on_signal(self, event):  # type: ignore[no-untyped-def]
        self.record(self.index, event.sender, event.payload)


_METHOD_CLASSES = {
    "kwargs": (KwargsReceiver, RecordingKwargsReceiver),
    "positional": (PositionalReceiver, RecordingPositionalReceiver),
    "event": (EventReceiver, RecordingEventReceiver),
}


def make_receivers(
    style: str, kind: str, count: int, record: Optional[Record] = None, asynchronous: bool = False
) -> Tuple[List[Callable[..., Any]], List[Any]]:
    """``count`` distinct receivers and the objects that keep them alive.

    Returns ``(callables, owners)``: for ``method`` the callables are bound methods of the
    owners; for ``function`` the owners are the functions themselves.  Dropping both lists
    drops the last reference the caller holds.
    """
    if style not in _METHOD_CLASSES:
        raise ValueError(f"unknown receiver style {style!r}")
    if asynchronous:  # coroutine functions, or bound async methods
        if kind == "function":
            functions = [_coroutine_function(style, index, record) for index in range(count)]
            return functions, list(functions)
        classes = {"kwargs": AsyncKwargsReceiver, "positional": AsyncPositionalReceiver}
        if style not in classes:
            raise ValueError(f"no async {style} receivers")
        owners: List[Any] = [classes[style](index, record) for index in range(count)]
        return [owner.on_signal for owner in owners], owners
    if kind == "function":
        functions = [_function(style, index, record) for index in range(count)]
        return functions, list(functions)
    if kind == "method":
        plain, recording = _METHOD_CLASSES[style]
        if record is None:
            owners = [plain() for _ in range(count)]
        else:
            owners = [recording(index, record) for index in range(count)]
        return [owner.on_signal for owner in owners], owners
    raise ValueError(f"unknown receiver kind {kind!r}")
