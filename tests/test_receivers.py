"""Receivers: distinct objects in every calling style and kind, recording what they are called with."""

from __future__ import annotations

import gc
import inspect
import weakref
from typing import Any, Callable, List, Tuple

import pytest

from sigbench.suite.adapter import STYLES
from sigbench.suite.points import KINDS
from sigbench.suite.receivers import Event, Sender, make_receivers

COMBOS = [(style, kind) for style in STYLES for kind in KINDS]


def call(style: str, receiver: Callable[..., Any], sender: Any, payload: Any) -> Any:
    """Call ``receiver`` the way a library of ``style`` does."""
    if style == "kwargs":
        return receiver(sender, payload=payload)
    if style == "positional":
        return receiver(sender, payload)
    return receiver(Event(sender, payload))


@pytest.mark.parametrize("record", [False, True], ids=["noop", "recording"])
@pytest.mark.parametrize("style, kind", COMBOS)
def test_receivers_are_distinct(style: str, kind: str, record: bool) -> None:
    callables, owners = make_receivers(style, kind, 50, (lambda *args: None) if record else None)
    assert len(callables) == len(owners) == 50
    assert len({id(c) for c in callables}) == 50
    assert len(set(callables)) == 50  # distinct as dictionary keys too, as libraries store them
    assert len({id(o) for o in owners}) == 50


@pytest.mark.parametrize("style, kind", COMBOS)
def test_kind_decides_what_the_callables_are(style: str, kind: str) -> None:
    callables, owners = make_receivers(style, kind, 5)
    for receiver, owner in zip(callables, owners):
        if kind == "method":
            assert inspect.ismethod(receiver)
            assert receiver.__self__ is owner
            assert receiver.__func__.__name__ == "on_signal"
        else:
            assert inspect.isfunction(receiver)
            assert receiver is owner


@pytest.mark.parametrize("style, kind", COMBOS)
def test_recording_receivers_record_index_sender_payload(style: str, kind: str) -> None:
    calls: List[Tuple[int, Any, Any]] = []
    callables, _ = make_receivers(style, kind, 4, lambda *args: calls.append(args))
    sender, payload = Sender("s"), object()
    for receiver in reversed(callables):
        assert call(style, receiver, sender, payload) is None
    assert [index for index, _, _ in calls] == [3, 2, 1, 0]
    assert all(got_sender is sender and got_payload is payload for _, got_sender, got_payload in calls)


@pytest.mark.parametrize("style, kind", COMBOS)
def test_noop_receivers_accept_the_same_call(style: str, kind: str) -> None:
    callables, _ = make_receivers(style, kind, 3)
    for receiver in callables:
        assert call(style, receiver, Sender("s"), object()) is None


@pytest.mark.parametrize("record", [False, True], ids=["noop", "recording"])
@pytest.mark.parametrize("style, kind", COMBOS)
def test_dropping_callables_and_owners_frees_them(style: str, kind: str, record: bool) -> None:
    calls: List[Any] = []
    recorder = (lambda *args: calls.append(args)) if record else None
    callables, owners = make_receivers(style, kind, 10, recorder)
    refs = [weakref.ref(owner) for owner in owners]
    del callables, owners
    gc.collect()
    assert [r() for r in refs] == [None] * 10


def test_zero_receivers() -> None:
    assert make_receivers("kwargs", "method", 0) == ([], [])


@pytest.mark.parametrize("style, kind", [("bogus", "function"), ("kwargs", "bogus"), ("event", "")])
def test_unknown_style_or_kind_is_an_error(style: str, kind: str) -> None:
    bad = style if style not in STYLES else kind
    with pytest.raises(ValueError, match=repr(bad)):
        make_receivers(style, kind, 1)


def test_senders_are_hashable_and_weakly_referenceable() -> None:
    first, second = Sender("a"), Sender("a")
    assert first != second and hash(first) != hash(second)
    assert repr(first) == "Sender('a')"
    ref = weakref.ref(first)
    del first
    gc.collect()
    assert ref() is None


def test_event_carries_sender_and_payload() -> None:
    sender, payload = Sender("s"), object()
    event = Event(sender, payload)
    assert event.sender is sender and event.payload is payload
