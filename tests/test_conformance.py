"""Conformance: every real adapter passes, and the checks catch deliberately broken adapters."""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, ClassVar, Dict, List, Sequence

import pytest
from library_failures import CRASHES, library_failure, library_race

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import IMPLEMENTATIONS, get_adapter
from sigbench.suite.adapters.baseline import Baseline
from sigbench.suite.adapters.blinker import Blinker
from sigbench.suite.adapters.pydispatcher import PyDispatcher
from sigbench.suite.adapters.zope_event import ZopeEvent
from sigbench.suite.points import REFS, Point
from sigbench.suite.receivers import Event
from sigbench.worker.conformance import ConformanceError, check_point, recheck_point
from sigbench.worker.inventory import availability
from sigbench.worker.matrix import matrix
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.base import NotApplicable, Scenario

RECHECK_RECEIVERS = Scenario.recheck_receivers
Loader = Callable[[str], Adapter]

#: Receiver counts checked for every implementation; 1000 only for baseline and blinker (speed).
SMALL = [0, 1, 10, 100]
ALL_POINTS = matrix(IMPLEMENTATIONS, receivers=SMALL) + matrix(["baseline", "blinker"], receivers=[1000])


def _applicable(point: Point) -> bool:
    return SCENARIOS[point.scenario].unsupported(get_adapter(point.impl), point.ref, point.kind) is None


APPLICABLE = [p for p in ALL_POINTS if _applicable(p)]


def _not_applicable(impl: str) -> int:
    """Points of ``impl`` over the full matrix that its adapter's declarations rule out: a
    capability a scenario needs and it lacks (Django's awaited send is version-dependent), or a
    reference mode and receiver kind it does not hold."""
    adapter = get_adapter(impl)
    return sum(
        any(adapter.lacks(need) for need in SCENARIOS[p.scenario].operation.needs)
        or (p.ref is not None and (p.ref, p.kind) not in adapter.combos)
        for p in matrix([impl])
    )


# -- real adapters -------------------------------------------------------------------------------


def _expected(point: Point) -> Any:
    """The point, marked to fail where the installed library has a known conformance failure."""
    why, race = library_failure(point), library_race(point)
    marks = [pytest.mark.xfail(strict=True, raises=ConformanceError, reason=why)] if why else []
    if race:  # caught or not, depending on how the threads interleave: test_library_races.py
        marks = [pytest.mark.xfail(strict=False, raises=ConformanceError, reason=race.why)]
    if point.name in CRASHES:  # it would kill pytest; its worker reports it crashed
        marks = [pytest.mark.skip(reason=CRASHES[point.name])]
    return pytest.param(point, marks=marks, id=point.name)


@pytest.mark.parametrize("point", [_expected(p) for p in APPLICABLE])
def test_real_adapter_conforms(point: Point, load_adapter: Loader) -> None:
    check_point(load_adapter(point.impl), point)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_not_applicable_points_have_reasons(impl: str) -> None:
    """Reasons come from the adapter class alone: no library needed, so no skipping."""
    adapter = get_adapter(impl)
    unsupported = []
    for point in matrix([impl]):
        reason = SCENARIOS[point.scenario].unsupported(adapter, point.ref, point.kind)
        if reason is None:
            continue
        unsupported.append(point)
        assert isinstance(reason, str) and reason.strip(), point.name
        with pytest.raises(NotApplicable) as info:
            check_point(adapter, point)
        assert str(info.value) == reason
    assert len(unsupported) == _not_applicable(impl)
    # the floor, a plain list, lacks a sender filter and weak references; blinker lacks nothing
    assert (impl != "blinker" or not unsupported) and (impl != "baseline" or unsupported)


def test_reasons_are_the_adapters_own() -> None:
    baseline, psygnal, zope = get_adapter("baseline"), get_adapter("psygnal"), get_adapter("zope_event")
    assert SCENARIOS["send"].unsupported(baseline, "weak", "method") == baseline.reasons["weak"]
    assert SCENARIOS["send_matched"].unsupported(baseline, "strong", "function") == baseline.reasons["sender"]
    assert SCENARIOS["connect"].unsupported(psygnal, "strong", "method") == psygnal.reasons["strong-method"]
    assert SCENARIOS["connect"].unsupported(psygnal, "weak", "function") == psygnal.reasons["weak-function"]
    assert SCENARIOS["create"].unsupported(zope, None, None) == zope.reasons["create"]
    assert SCENARIOS["send_unmatched"].unsupported(get_adapter("blinker"), "weak", "method") is None


def test_unknown_scenario_is_a_conformance_error() -> None:
    with pytest.raises(ConformanceError, match="no conformance check for scenario 'bogus'"):
        check_point(Baseline(), Point("baseline", "bogus", 1, "strong", "function"))


@pytest.mark.parametrize("impl", ["zope_event", "pydispatcher", "flask"])
def test_global_registries_are_empty_after_conformance(
    impl: str, load_adapter: Loader, global_registries: Callable[[], Dict[str, int]]
) -> None:
    adapter = load_adapter(impl)
    before = global_registries()
    assert set(before.values()) == {0}, before
    for point in APPLICABLE:
        if point.impl == impl:
            try:
                check_point(adapter, point)
            except ConformanceError:
                if library_race(point) is None:
                    raise  # a known race may fail its point; the registries are emptied all the same
    assert global_registries() == before


# -- deliberately broken adapters ----------------------------------------------------------------


class DropsLast(Baseline):
    """Silently skips the last receiver on send."""

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        def send() -> None:
            for receiver in signal[:-1]:
                receiver(sender, payload)

        return send


class CallsFirstTwice(Baseline):
    """Calls every receiver, and the first one a second time."""

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        def send() -> None:
            for receiver in signal + signal[:1]:
                receiver(sender, payload)

        return send


class WrongPayload(Baseline):
    """Passes another payload object than the one it was given."""

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        return super().emitter(signal, sender, object())


class WrongSender(Baseline):
    """Passes the signal in place of the sender."""

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        return super().emitter(signal, signal, payload)


class RaisingSend(Baseline):
    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        def send() -> None:
            raise RuntimeError("boom")

        return send


class _RaisesWhenDropped:
    def __del__(self) -> None:
        raise RuntimeError("in __del__")


def _fail_in_a_thread() -> None:
    raise RuntimeError("in a thread")


class ReportsInsteadOfRaising(Baseline):
    """Delivers every send, then reports an error the way libraries that swallow one do: logged
    (``how="logs"``), ignored by Python (an exception in ``__del__``) or ending a thread."""

    how: ClassVar[str] = "logs"

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        deliver = super().emitter(signal, sender, payload)
        how = self.how

        def send() -> None:
            deliver()
            if how == "logs":
                try:
                    raise TypeError("a receiver failed")
                except TypeError:
                    logging.getLogger("swallows").exception("a receiver failed")
            elif how == "ignored":
                _RaisesWhenDropped()
            else:
                thread = threading.Thread(target=_fail_in_a_thread, name="library-thread")
                thread.start()
                thread.join()

        return send


class NoopDisconnect(Baseline):
    def disconnector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return lambda handle: None


class SameSignal(Baseline):
    """``new_signal`` hands out one list over and over."""

    shared: ClassVar[List[Any]] = []

    def new_signal(self) -> List[Any]:
        return self.shared


class StrongWhenWeak(Blinker):
    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return super().connector(signal, weak=False, sender=sender)


class WeakWhenStrong(Blinker):
    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return super().connector(signal, weak=True, sender=sender)


class IgnoresSender(Blinker):
    """Connects every receiver for any sender, whatever it is asked."""

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return super().connector(signal, weak=weak, sender=None)


class WrongWeakDisconnect(PyDispatcher):
    """Disconnects with the other weak flag: PyDispatcher then silently disconnects nothing."""

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return super().disconnector(signal, weak=not weak, sender=sender)


class ZopeDropsLast(ZopeEvent):
    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        event = Event(sender, payload)

        def send() -> None:
            for subscriber in signal[:-1]:
                subscriber(event)

        return send


def _broken(cls: type, library: str) -> Adapter:
    """An instance of a broken adapter class, loaded; skips when its library is missing."""
    available, detail = availability(library)
    if not available:
        pytest.skip(f"{library} is not installed ({detail})")
    adapter: Adapter = cls()
    adapter.load()
    return adapter


def _points(impl: str, scenarios: Sequence[str], refs: Sequence[str] = REFS) -> List[Point]:
    """Applicable points where a breakage can show: ``create`` and those with a receiver."""
    return [
        p
        for p in matrix([impl], scenarios=scenarios, receivers=SMALL, refs=refs)
        if _applicable(p) and (p.receivers or p.scenario == "create")
    ]


ALL_SCENARIOS = ["create", "connect", "disconnect", "send", "send_matched", "send_unmatched", "churn"]


@pytest.mark.parametrize(
    "cls, message",
    [
        pytest.param(DropsLast, r"1 receiver\(s\) not called", id="drops-last"),
        pytest.param(CallsFirstTwice, r"1 receiver\(s\) called more than once", id="calls-twice"),
        pytest.param(WrongPayload, r"call\(s\) with the wrong sender or payload", id="wrong-payload"),
        pytest.param(WrongSender, r"call\(s\) with the wrong sender or payload", id="wrong-sender"),
        pytest.param(RaisingSend, r"send raised RuntimeError: boom", id="send-raises"),
        pytest.param(
            ReportsInsteadOfRaising,
            r"reported \d+ error\(s\) instead of raising them; the first: TypeError: a receiver failed; "
            r"swallows logged 'a receiver failed'",
            id="logs-an-error",
        ),
        pytest.param(
            type("Ignores", (ReportsInsteadOfRaising,), {"how": "ignored"}),
            r"the first: RuntimeError: in __del__; ignored in <function _RaisesWhenDropped.__del__",
            id="ignored-error",
        ),
        pytest.param(
            type("ThreadDies", (ReportsInsteadOfRaising,), {"how": "thread"}),
            r"the first: RuntimeError: in a thread; ended thread library-thread",
            id="thread-error",
        ),
    ],
)
@pytest.mark.parametrize("point", _points("baseline", ALL_SCENARIOS), ids=lambda p: p.name)
def test_broken_send_is_caught(cls: type, message: str, point: Point) -> None:
    with pytest.raises(ConformanceError, match=message):
        check_point(cls(), point)


@pytest.mark.parametrize("point", _points("baseline", ["disconnect"]), ids=lambda p: p.name)
def test_noop_disconnect_is_caught(point: Point) -> None:
    with pytest.raises(
        ConformanceError, match=r"after disconnecting (\d+|every receiver): \d+ receiver\(s\) called that"
    ):
        check_point(NoopDisconnect(), point)


@pytest.mark.parametrize("point", _points("pydispatcher", ["disconnect"]), ids=lambda p: p.name)
def test_disconnect_with_the_wrong_weak_flag_is_caught(
    point: Point, global_registries: Callable[[], Dict[str, int]]
) -> None:
    with pytest.raises(ConformanceError, match=r"receiver\(s\) called that should not be"):
        check_point(_broken(WrongWeakDisconnect, "pydispatcher"), point)
    assert set(global_registries().values()) <= {0}, "reset must clean up after a failed check"


@pytest.mark.parametrize("point", _points("baseline", ["churn"]), ids=lambda p: p.name)
def test_churn_with_a_noop_disconnect_is_caught(point: Point) -> None:
    """The one more receiver is still heard after it was disconnected again."""
    with pytest.raises(
        ConformanceError, match=r"churn 1: after disconnecting it again: 1 receiver\(s\) called that"
    ):
        check_point(NoopDisconnect(), point)


def test_same_signal_twice_is_caught() -> None:
    with pytest.raises(ConformanceError, match="create: new_signal returned the same object twice"):
        check_point(SameSignal(), Point("baseline", "create", 0))


WRONG_STRENGTH = [
    (
        StrongWhenWeak,
        "weak",
        r"weak receivers after their last reference was dropped: \d+ receiver\(s\) called that",
    ),
    (
        WeakWhenStrong,
        "strong",
        r"strong receivers after the caller dropped its references: \d+ receiver\(s\) not called",
    ),
]
SCENARIOS_WITH_RECEIVERS = [
    "connect",
    "disconnect",
    "send",
    "send_matched",
    "send_unmatched",
    "collect",
    "churn",
]


@pytest.mark.parametrize(
    "broken, point, message",
    [
        pytest.param(broken, point, message, id=f"{broken.__name__}-{point.name}")
        for broken, ref, message in WRONG_STRENGTH
        for point in _points("blinker", SCENARIOS_WITH_RECEIVERS, refs=[ref])
    ],
)
def test_a_connection_of_the_wrong_strength_is_caught(broken: type, point: Point, message: str) -> None:
    with pytest.raises(ConformanceError, match=message):
        check_point(_broken(broken, "blinker"), point)


@pytest.mark.parametrize(
    "point, message",
    [
        pytest.param(
            Point("blinker", "send_matched", 10, "strong", "function"),
            "send from another sender: 10 receiver",
            id="matched-10-strong-function",
        ),
        pytest.param(
            Point("blinker", "send_matched", 1, "weak", "method"),
            "send from another sender: 1 receiver",
            id="matched-1-weak-method",
        ),
        pytest.param(
            Point("blinker", "send_unmatched", 10, "strong", "method"),
            "send from a sender no receiver is bound to: 10 receiver",
            id="unmatched-10-strong-method",
        ),
    ],
)
def test_ignored_sender_filter_is_caught(point: Point, message: str) -> None:
    with pytest.raises(ConformanceError, match=message + r"\(s\) called that should not be"):
        check_point(_broken(IgnoresSender, "blinker"), point)


@pytest.mark.parametrize("point", _points("zope_event", ALL_SCENARIOS), ids=lambda p: p.name)
def test_failed_check_still_resets_a_global_registry(point: Point) -> None:
    adapter = _broken(ZopeDropsLast, "zope_event")
    import zope.event

    with pytest.raises(ConformanceError, match=r"receiver\(s\) not called"):
        check_point(adapter, point)
    assert zope.event.subscribers == []


class _CountingConnects(Baseline):
    """The plain list, counting the receivers connected to it."""

    connected: ClassVar[List[int]] = []

    def connector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        connect = super().connector(signal, weak=weak, sender=sender)

        def counted(handle: Any) -> Any:
            _CountingConnects.connected.append(1)
            return connect(handle)

        return counted


@pytest.mark.parametrize("scenario", ["send", "send_after_peak", "connect"])
def test_a_recheck_connects_few_receivers(scenario: str) -> None:
    """Later processes re-check a 1000-receiver point on at most RECHECK_RECEIVERS, and
    send_after_peak without its peak of 1000; the full check connects them all."""
    point = Point("baseline", scenario, 1000, "strong", "function")
    adapter = _CountingConnects()
    _CountingConnects.connected.clear()
    recheck_point(adapter, point)
    assert 0 < len(_CountingConnects.connected) <= RECHECK_RECEIVERS
    _CountingConnects.connected.clear()
    check_point(adapter, point)
    assert len(_CountingConnects.connected) >= 1000


def test_a_recheck_catches_a_broken_send() -> None:
    with pytest.raises(ConformanceError, match="not called"):
        recheck_point(DropsLast(), Point("baseline", "send", 1000, "strong", "function"))
