"""No figure depends on what ran before it in the same worker: global state is put back exactly
(and checked), or a point gets a worker of its own; twins (the same code under two names) measure
alike, and ``sigbench check`` says when they do not."""

from __future__ import annotations

import gc
import random
import sys
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Set, Tuple

import pytest
import state_adapters
import synthetic

from sigbench.analysis.twins import twin_ratios_of
from sigbench.cli import main
from sigbench.run.runner import Profile, Runner, needs_own_process, worker_groups
from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE, get_adapter, implementation_names
from sigbench.suite.points import Point
from sigbench.worker.conformance import check_point
from sigbench.worker.loop import LastingState
from sigbench.worker.matrix import matrix
from sigbench.worker.measure import Bench
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.sends import PEAK, hold_peak
from sigbench.worker.twins import TWINS, Twin

TESTS = Path(__file__).resolve().parent
Loader = Callable[[str], Adapter]
ProfileMaker = Callable[[int], Profile]


@pytest.fixture
def state_adapter_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Register the test adapters here and in workers; returns the file their loads go to."""
    monkeypatch.setenv(
        EXTRA_ADAPTERS_VARIABLE,
        "own_process=state_adapters:OwnProcess,unrestored=state_adapters:Unrestored",
    )
    monkeypatch.syspath_prepend(str(TESTS))
    loads = tmp_path / "loads"
    monkeypatch.setenv("SIGBENCH_LOADS", str(loads))
    return loads


# -- global state put back exactly ---------------------------------------------------------------

#: Points that leave the most behind: a signal that held 1000 receivers, and one on a peak.
HEAVY = ("send", 1000), ("send_after_peak", 100), ("disconnect", 1000)


@pytest.mark.parametrize(
    "name", [name for name in implementation_names() if get_adapter(name).lasting_state == "restored"]
)
def test_restored_global_state_is_as_at_load_after_every_point(name: str, load_adapter: Loader) -> None:
    """After conformance and a measurement of the heaviest points, the library's global tables
    are back to their size at load; after the same points with only ``reset`` (what every adapter
    did before), they are not: restoring is what makes later points clean."""
    adapter = load_adapter(name)
    lasting = LastingState(adapter)
    assert lasting.at_load, "a restored lasting state names its global containers"
    ref, kind = sorted(adapter.combos)[0]
    for scenario, receivers in HEAVY:
        point = Point(name, scenario, receivers, ref, kind)
        check_point(adapter, point)
        assert lasting.restored("conformance") is None
        bench = Bench(adapter, point)
        bench.body(1)
        bench.close()
        assert lasting.restored("measuring") is None, point.name
    check_point(adapter, Point(name, "send", 1000, ref, kind))
    gc.collect()
    # reset alone leaves dictionaries large; a list (zope.event's) shrinks as it loses items
    assert (adapter.global_state() != lasting.at_load) == (name != "zope_event")
    assert lasting.restored("conformance") is None


@pytest.mark.parametrize("name", implementation_names())
def test_an_adapter_restores_exactly_what_it_declares(name: str, load_adapter: Loader) -> None:
    """Global containers are named by the adapters that declare restored state, and by no other."""
    adapter = load_adapter(name)
    assert bool(LastingState(adapter).at_load) == (adapter.lasting_state == "restored")
    adapter.lasting_state = "restored" if adapter.lasting_state == "none" else "none"  # type: ignore[misc]
    try:
        with pytest.raises(ValueError, match=f"{name}: lasting_state"):
            LastingState(adapter)
    finally:
        del adapter.lasting_state


def test_a_worker_reports_global_state_it_could_not_restore(
    state_adapter_names: Path, tmp_path: Path, tiny_profile: ProfileMaker
) -> None:
    point = Point("unrestored", "send", 10, "strong", "function")
    record = Runner([point], tiny_profile(1), tmp_path / "out.json", seed=1).run()
    entry = record.points[point.name]
    assert entry.status == "error" and entry.runs == []
    assert (
        "global state not restored after conformance: state_adapters.REGISTRY is dict of 10" in entry.reason
    )


def test_points_that_need_a_process_of_their_own_get_one(
    state_adapter_names: Path, tmp_path: Path, tiny_profile: ProfileMaker
) -> None:
    """Two rounds of four points of an adapter whose points with no receivers need a process
    each: every round, one worker each for those two, one for the other two together."""
    points = [Point("own_process", "send", n, "strong", "function") for n in (0, 1, 10)]
    points.append(Point("own_process", "send_async", 0, "strong", "function"))
    record = Runner(points, tiny_profile(2), tmp_path / "out.json", seed=3).run()
    assert all((entry.status, len(entry.runs)) == ("ok", 2) for entry in record.points.values())
    loads = state_adapters.notes(state_adapter_names, "load")
    signals = state_adapters.notes(state_adapter_names, "signal")
    assert len(loads) == len(set(loads)) == 6 and set(signals) == set(loads)


def test_worker_groups_keep_the_shuffled_order(state_adapter_names: Path) -> None:
    points = [Point("own_process", "send", n, "strong", "function") for n in (100, 0, 10, 0)]
    assert worker_groups("own_process", points) == [[points[1]], [points[3]], [points[0], points[2]]]
    shared = [Point("baseline", "send", n, "strong", "function") for n in (100, 0, 10)]
    assert worker_groups("baseline", shared) == [shared]
    assert worker_groups("baseline", []) == []


def test_flask_points_with_no_receivers_on_its_signals_get_a_process_each() -> None:
    """On Flask's own signals (sends, requests, a send's bytes) a point with no receivers gets a
    worker of its own; with receivers, or on a new signal, or for blinker, none does."""
    alone = [
        Point("flask", "send", 0, "weak", "method"),
        Point("flask", "flask_request", 0, "weak", "function"),
        Point("flask", "memory_send", 0, "strong", "function"),
    ]
    shared = [Point("flask", "send", 10, "weak", "method"), Point("flask", "connect", 1, "weak", "method")]
    assert worker_groups("flask", [*alone, *shared]) == [[point] for point in alone] + [shared]
    blinker = [Point("blinker", "send", 0, "weak", "method"), Point("blinker", "send", 10, "weak", "method")]
    assert worker_groups("blinker", blinker) == [blinker]


@pytest.mark.parametrize("twin", TWINS, ids=lambda twin: f"{twin.impl}-{twin.of}")
def test_twins_measure_a_shared_point_beside_the_same_points(twin: Twin) -> None:
    """A figure moves by a percent or two with the points its worker measured before (blinker's
    send_after_peak-0 read 2% slower after its send_async points), so a twin's worker holds
    the points the twins share, and only those, as its original's does: the same company of
    points, but for those one of them measures in a process of its own."""
    companies: Dict[str, Dict[Tuple[str, ...], FrozenSet[Tuple[str, ...]]]] = {}
    alone: Set[Tuple[str, ...]] = set()
    for impl in (twin.impl, twin.of):
        points = matrix([impl], core=True)
        random.Random(1).shuffle(points)
        companies[impl] = {}
        for group in worker_groups(impl, points):
            keys = frozenset(_same_point(point) for point in group)
            if len(group) == 1 and needs_own_process(get_adapter(impl), group[0]):
                alone |= keys
            companies[impl].update(dict.fromkeys(keys, keys))
    shared = {key for key in companies[twin.impl] if twin.shares(key[0]) and key not in alone}
    assert len(shared) >= 15
    for key in shared:
        assert companies[twin.impl][key] ^ companies[twin.of][key] <= alone, key


def _same_point(point: Point) -> Tuple[str, ...]:
    return (point.scenario, str(point.receivers), str(point.ref), str(point.kind))


def test_qt_points_in_whose_clock_receivers_die_get_a_process_each() -> None:
    """PySide6 makes a bound method's death cost more after many functions were ever connected
    at once (docs/findings/qt.md): Qt's collect and send_dying points get a worker each; its
    other points, and other libraries' dying receivers, share one."""
    dying = [Point("qt", "collect", 10, "weak", "method"), Point("qt", "send_dying", 2, "weak", "method")]
    shared = [Point("qt", "send", 10, "weak", "method"), Point("qt", "connect", 1000, "strong", "function")]
    assert worker_groups("qt", [dying[0], *shared, dying[1]]) == [[point] for point in dying] + [shared]
    psygnal = [Point("psygnal", "collect", 10, "weak", "method"), Point("psygnal", "send", 1)]
    assert worker_groups("psygnal", psygnal) == [psygnal]
    dying_scenarios = {name for name, scenario in SCENARIOS.items() if scenario.receivers_die}
    assert dying_scenarios == {"collect", "send_dying"}


def test_the_peak_leaves_a_signal_larger_than_a_new_one(load_adapter: Loader) -> None:
    """What ``send_after_peak`` measures is there: blinker's tables after 1000 receivers came and
    went are larger than a new signal's, though they hold the same receivers."""
    adapter = load_adapter("blinker")
    point = Point("blinker", "send_after_peak", 10, "strong", "function")
    fresh, peaked = adapter.new_signal(), adapter.new_signal()
    hold_peak(adapter, point, peaked)
    assert len(peaked.receivers) == 0 and PEAK == 1000
    assert sys.getsizeof(peaked.receivers) > 10 * sys.getsizeof(fresh.receivers)


# -- twins ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("twin", TWINS, ids=lambda twin: f"{twin.impl}-{twin.of}")
def test_a_twin_releases_a_new_signal_with_no_more_calls_than_its_original(
    twin: Twin, load_adapter: Loader
) -> None:
    """The harness resets every new signal between a point's timed regions; untimed work there
    moves a region of microseconds by percents (Flask's ``reset`` read its ten built-in signals
    off the module for every new signal, and its ``send_dying-2`` read 3% above blinker's), so
    a twin's ``reset`` of a new signal calls no more functions than its original's."""

    def calls(name: str) -> int:
        adapter = load_adapter(name)
        signal = adapter.new_signal()
        events: List[str] = []
        sys.setprofile(lambda frame, event, arg: events.append(event))
        try:
            adapter.reset(signal)
        finally:
            sys.setprofile(None)
        return sum(event in ("call", "c_call") for event in events)

    assert calls(twin.impl) <= calls(twin.of)


def test_flask_resets_its_built_in_signals_and_leaves_new_ones(load_adapter: Loader) -> None:
    adapter = load_adapter("flask")
    import flask.signals

    receiver = lambda sender, **kwargs: None  # noqa: E731
    built_in, new = flask.signals.request_started, adapter.new_signal()
    for signal in (built_in, new):
        signal.connect(receiver, weak=False)
        adapter.reset(signal)
    assert not built_in.receivers and len(new.receivers) == 1


def test_the_twins_are_in_the_default_matrix_where_they_share_code() -> None:
    points = matrix(implementation_names())
    twin = {p.scenario for p in points if p.impl == "blinker_twin"}
    assert twin == {"send", "connect", "disconnect", "send_after_peak"}
    flask, aa = TWINS
    assert (flask.impl, flask.of, aa.impl, aa.of) == ("flask", "blinker", "blinker_twin", "blinker")
    assert (
        not flask.shares("create") and not flask.shares("flask_request") and not flask.shares("memory_send")
    )
    assert flask.shares("send") and flask.shares("collect") and aa.shares("send") and not aa.shares("churn")
    # A NamedSignal connects and disconnects slower than a Signal: kept together, not compared.
    assert all(flask.covers(s) and not flask.shares(s) for s in ("create", "connect", "disconnect", "churn"))
    assert not flask.covers("flask_request") and aa.covers("connect") and aa.shares("connect")


def _send(impl: str, n: int) -> Point:
    return Point(impl, "send", n, "strong", "function")


def _twin_file(tmp_path: Path, medians: Dict[str, Dict[int, float]], spread: float = 0.002) -> Path:
    """Three processes of three values each, ``spread`` apart, around each implementation's medians."""
    values = {
        _send(impl, n): [[median * (1 + spread * k)] * 3 for k in (-1, 0, 1)]
        for impl, by_count in medians.items()
        for n, median in by_count.items()
    }
    return synthetic.write(tmp_path / "twins.json", synthetic.record(values))


def test_twin_ratios_and_verdicts_on_known_values(tmp_path: Path) -> None:
    """flask 1% off blinker at n=1 (same), 10% off at n=10 (differs); blinker_twin noisy at n=1
    (its CI straddles 3%: inconclusive)."""
    path = _twin_file(tmp_path, {"blinker": {1: 1e-6, 10: 5e-6}, "flask": {1: 1.01e-6, 10: 5.5e-6}})
    noisy = {
        _send("blinker_twin", 1): [[1.0e-6] * 3, [1.3e-6] * 3, [0.8e-6] * 3],
        _send("blinker", 1): [[1e-6] * 3] * 3,
    }
    found = {
        (item.twin.impl, item.point): (round(item.ratio.value, 3), item.verdict)
        for item in twin_ratios_of([path], 500)
    }
    assert found == {
        ("flask", "send-1-strong-function"): (1.01, "same"),
        ("flask", "send-10-strong-function"): (1.1, "slower"),
    }
    other = synthetic.write(tmp_path / "noisy.json", synthetic.record(noisy))
    (item,) = twin_ratios_of([other], 500)
    assert (item.twin.impl, item.verdict, item.differs) == ("blinker_twin", "inconclusive", False)


def test_check_exits_1_when_twins_differ_and_0_when_they_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agree = _twin_file(
        tmp_path, {"blinker": {10: 5e-6}, "flask": {10: 5.05e-6}, "blinker_twin": {10: 4.98e-6}}
    )
    assert main(["check", str(agree), "--resamples", "500"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS: twins") and "2 points compared, 2 same, 0 differ" in out
    differ = synthetic.write(
        tmp_path / "differ.json",
        synthetic.record({_send("blinker", 10): [[5e-6] * 3] * 3, _send("flask", 10): [[6e-6] * 3] * 3}),
    )
    assert main(["check", str(differ), "--resamples", "500", "--format", "md"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("**FAIL: twins") and "| flask | blinker | send-10-strong-function | 1.200 |" in out


def test_check_without_twins_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alone = synthetic.write(
        tmp_path / "alone.json", synthetic.record({_send("blinker", 10): [[5e-6] * 3] * 3})
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(alone)])
    assert exit_info.value.code == 2
    assert "no point measured by both twins" in capsys.readouterr().err
