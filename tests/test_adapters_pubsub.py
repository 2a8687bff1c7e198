"""The topic and event-name libraries, in-process against the real libraries: PyPubSub (a global
topic tree, weak listeners), pymitter (Node-style event names, strong listeners, ``emit_async``)
and python-dispatch (Kivy-style events of a Dispatcher instance, weak callbacks), which shares its
import package ``pydispatch`` with PyDispatcher."""

from __future__ import annotations

import gc
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import get_adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.inventory import libraries_of
from sigbench.worker.loop import LastingState
from sigbench.worker.measure import Bench
from sigbench.worker.scenarios import SCENARIOS

Loader = Callable[[str], Adapter]


def _recording(adapter: Adapter, kind: str, count: int) -> Tuple[List[Any], List[Any], List[Any]]:
    """``count`` recording receivers of the adapter's style: (handles, owners, calls)."""
    calls: List[Any] = []
    callables, owners = make_receivers(adapter.style, kind, count, lambda *call: calls.append(call))
    return [adapter.wrap(receiver) for receiver in callables], owners, calls


# -- PyPubSub ------------------------------------------------------------------------------------


@pytest.fixture
def pypubsub(load_adapter: Loader) -> Iterator[Adapter]:
    """The loaded adapter, its global topic tree as at load before and after the test."""
    adapter = load_adapter("pypubsub")
    adapter.restore()
    yield adapter
    adapter.restore()


def test_pypubsub_calls_listeners_by_keyword_with_the_topics_message_data(pypubsub: Adapter) -> None:
    """A listener's parameters are the topic's message data, passed by name: their order is free."""
    adapter = pypubsub
    from pubsub import pub

    topic = adapter.new_signal()
    heard: List[Tuple[Any, Any]] = []

    def backwards(payload: Any, sender: Any) -> None:
        heard.append((sender, payload))

    try:
        adapter.connector(topic, weak=True)(backwards)
        sender, payload = Sender("s"), object()
        adapter.emitter(topic, sender, payload)()
        assert heard == [(sender, payload)]
        found: Any = pub.getDefaultTopicMgr().getTopic(topic)  # getArgs is not in pypubsub's hints
        assert found.getArgs() == (("sender", "payload"), ())
    finally:
        adapter.reset(topic)


@pytest.mark.parametrize("kind", ["function", "method"])
def test_pypubsub_holds_listeners_weakly_and_reset_deletes_the_topic(kind: str, pypubsub: Adapter) -> None:
    adapter = pypubsub
    from pubsub import pub

    manager: Any = pub.getDefaultTopicMgr()  # getNumListeners is not in pypubsub's hints
    topic = adapter.new_signal()
    handles, owners, calls = _recording(adapter, kind, 3)
    connect = adapter.connector(topic, weak=True)
    for handle in handles:
        connect(handle)
    assert manager.getTopic(topic).getNumListeners() == 3
    del handles, owners, handle
    gc.collect()
    assert manager.getTopic(topic).getNumListeners() == 0
    adapter.emitter(topic, Sender("s"), 1)()
    assert calls == []
    adapter.reset(topic)
    assert not manager.isTopicInUse(topic)


def test_pypubsub_restores_what_deleting_topics_leaves_behind(pypubsub: Adapter) -> None:
    """pypubsub 4.0.7 keeps the message spec of every topic ever made in its parent's
    ``childrenAI``: ``delTopic`` (``reset``) leaves it there, ``restore`` puts the list back."""
    adapter = pypubsub
    lasting = LastingState(adapter)
    children = adapter.global_containers()["root ArgsInfo.childrenAI"]
    before = len(children)
    for _ in range(20):
        adapter.reset(adapter.new_signal())
    assert len(children) == before + 20  # the library's leak: nothing of these topics is in use
    assert adapter.global_state() != lasting.at_load
    assert lasting.restored("the test") is None
    assert len(children) == before


def test_pypubsub_timed_points_leave_the_topic_tree_as_at_load(pypubsub: Adapter) -> None:
    """Connect regions make a topic per signal and send points one topic: after each, the tree,
    the root's subtopics and its spec list are as at load."""
    adapter = pypubsub
    lasting = LastingState(adapter)
    for scenario, receivers in (("connect", 10), ("send", 10), ("collect", 10)):
        bench = Bench(adapter, Point("pypubsub", scenario, receivers, "weak", "method"))
        bench.body(200)
        bench.close()
        assert lasting.restored("measuring") is None, scenario


@pytest.mark.parametrize("kind", ["function", "method"])
def test_pypubsub_raises_when_a_listener_dies_during_a_send(kind: str, pypubsub: Adapter) -> None:
    """A finding, pypubsub 4.0.7: a send iterates over a copy of the topic's listeners, and one whose
    callable died earlier in the same send is still called: ``Listener.__call__`` raises
    ``RuntimeError('BUG: Dead Listener called, still subscribed!')``.  If this test fails, pypubsub
    survives receivers dying mid-send now."""
    adapter = pypubsub
    with pytest.raises(ConformanceError, match="raised RuntimeError: BUG: Dead Listener called"):
        check_point(adapter, Point("pypubsub", "send_dying", 2, "weak", kind))


def test_pypubsub_declares_no_strong_references_no_sender_and_no_create() -> None:
    adapter = get_adapter("pypubsub")
    assert SCENARIOS["send"].unsupported(adapter, "strong", "function") == adapter.reasons["strong"]
    assert SCENARIOS["send_matched"].unsupported(adapter, "weak", "method") == adapter.reasons["sender"]
    assert SCENARIOS["create"].unsupported(adapter, None, None) == adapter.reasons["create"]
    assert SCENARIOS["send_async"].unsupported(adapter, "weak", "function") == adapter.reasons["async"]


# -- pymitter ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["function", "method"])
def test_pymitter_holds_listeners_strongly(kind: str, load_adapter: Loader) -> None:
    adapter = load_adapter("pymitter")
    emitter = adapter.new_signal()
    handles, owners, calls = _recording(adapter, kind, 3)
    for handle in handles:
        adapter.connector(emitter, weak=False)(handle)
    del handles, owners, handle
    gc.collect()
    assert emitter.num_listeners == 3
    sender = Sender("s")
    adapter.emitter(emitter, sender, 1)()
    assert sorted(index for index, _, _ in calls) == [0, 1, 2]


def test_pymitter_off_removes_one_listener_of_one_event(load_adapter: Loader) -> None:
    adapter = load_adapter("pymitter")
    emitter = adapter.new_signal()
    handles, _owners, calls = _recording(adapter, "method", 2)
    for handle in handles:
        adapter.connector(emitter, weak=False)(handle)
    emitter.on("other", handles[1])
    adapter.disconnector(emitter, weak=False)(handles[1])
    adapter.emitter(emitter, Sender("s"), 1)()
    assert [index for index, _, _ in calls] == [0]
    emitter.emit("other", Sender("o"), 2)
    assert [index for index, _, _ in calls] == [0, 1]


# -- python-dispatch -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["function", "method"])
def test_python_dispatch_holds_callbacks_weakly(kind: str, load_adapter: Loader) -> None:
    """Functions as well as bound methods: ``bind`` keeps them in a WeakValueDictionary."""
    adapter = load_adapter("python_dispatch")
    dispatcher = adapter.new_signal()
    handles, owners, calls = _recording(adapter, kind, 3)
    connect = adapter.connector(dispatcher, weak=True)
    for handle in handles:
        connect(handle)
    event = dispatcher.get_dispatcher_event("fired")
    assert len(event.listeners) == 3
    adapter.emitter(dispatcher, Sender("s"), 1)()
    assert sorted(index for index, _, _ in calls) == [0, 1, 2]
    del handles, owners, handle
    gc.collect()
    assert len(event.listeners) == 0


def test_python_dispatch_events_belong_to_one_dispatcher_instance(load_adapter: Loader) -> None:
    """What python-dispatch binds a callback to is a Dispatcher instance's event, the signal
    itself: another instance's emit reaches none of them (and unbind removes one)."""
    adapter = load_adapter("python_dispatch")
    first, second = adapter.new_signal(), adapter.new_signal()
    handles, _owners, calls = _recording(adapter, "function", 2)
    for handle in handles:
        adapter.connector(first, weak=True)(handle)
    adapter.emitter(second, Sender("s"), 1)()
    assert calls == []
    adapter.disconnector(first, weak=True)(handles[0])
    sender = Sender("t")
    adapter.emitter(first, sender, 2)()
    assert calls == [(1, sender, 2)]


def test_python_dispatch_has_no_awaited_send() -> None:
    adapter = get_adapter("python_dispatch")
    assert SCENARIOS["send_async"].unsupported(adapter, "weak", "function") == adapter.reasons["async"]
    assert SCENARIOS["send"].unsupported(adapter, "strong", "method") == adapter.reasons["strong"]


def test_pydispatch_is_one_package_for_two_distributions(load_adapter: Loader) -> None:
    """PyDispatcher and python-dispatch both install the import package ``pydispatch``: each
    adapter imports its own code from it and reports its own distribution and version."""
    pydispatcher, python_dispatch = load_adapter("pydispatcher"), load_adapter("python_dispatch")
    import importlib.metadata

    from pydispatch import Dispatcher, dispatcher

    assert callable(dispatcher.connect) and isinstance(python_dispatch.new_signal(), Dispatcher)
    old, new = libraries_of(pydispatcher), libraries_of(python_dispatch)
    assert list(old) == ["PyDispatcher"] and list(new) == ["python-dispatch"]
    assert old["PyDispatcher"]["version"] == importlib.metadata.version("PyDispatcher")
    assert new["python-dispatch"]["version"] == importlib.metadata.version("python-dispatch")
    # Both name the package's one __init__.py (whichever distribution wrote it last).
    assert old["PyDispatcher"]["file"] == new["python-dispatch"]["file"]
