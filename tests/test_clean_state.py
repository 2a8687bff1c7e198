"""No figure depends on what ran before it in the same worker: global state is put back exactly
(and checked), or a point gets a worker of its own; twins (the same code under two names) measure
alike, and ``sigbench check`` says when they do not."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Callable, Dict

import pytest
import state_adapters
import synthetic

from sigbench.analysis.twins import twin_ratios_of
from sigbench.cli import main
from sigbench.run import runner
from sigbench.run.runner import Profile, Runner, worker_groups
from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE, get_adapter, implementation_names
from sigbench.suite.scenarios import PEAK, TWINS, Point, matrix
from sigbench.worker.conformance import check_point
from sigbench.worker.loop import LastingState
from sigbench.worker.measure import Bench, hold_peak

TESTS = Path(__file__).resolve().parent
Loader = Callable[[str], Adapter]
ProfileMaker = Callable[[int], Profile]


@pytest.fixture
def state_adapter_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Register the test adapters here and in workers; returns the file their loads go to."""
    monkeypatch.setenv(
        EXTRA_ADAPTERS_VARIABLE,
        "own_process=state_adapters:OwnProcess,unrestored=state_adapters:Unrestored,"
        "own_process_faults=state_adapters:OwnProcessFaults",
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


@pytest.mark.parametrize("forking", [True, False], ids=["forked", "new-worker"])
def test_state_that_cannot_be_restored_gets_a_process_per_point(
    forking: bool,
    state_adapter_names: Path,
    tmp_path: Path,
    tiny_profile: ProfileMaker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three points of an adapter whose lasting state is ``process``, two rounds: each point runs
    in a process of its own, a child forked from a worker that loaded the library once a round
    (or, where a worker cannot fork, a new worker each), never in the loading process."""
    if not forking:
        monkeypatch.setattr(runner, "forks", lambda impl, metric: False)
    points = [Point("own_process", "send", n, "strong", "function") for n in (1, 10, 100)]
    baseline = Point("baseline", "send", 1, "strong", "function")
    record = Runner([*points, baseline], tiny_profile(2), tmp_path / "out.json", seed=3).run()
    assert all((entry.status, len(entry.runs)) == ("ok", 2) for entry in record.points.values())
    loads = state_adapters.notes(state_adapter_names, "load")
    signals = state_adapters.notes(state_adapter_names, "signal")
    if forking:  # a worker a round loads once; each point's signals are made in a child of its own
        assert len(loads) == 2 and len(set(signals)) == 6 and not set(signals) & set(loads)
    else:  # a worker per point: each loads, and makes its point's signals itself
        assert len(loads) == 6 and set(signals) == set(loads)


@pytest.mark.slow
def test_a_forked_point_that_crashes_or_hangs_costs_only_itself(
    state_adapter_names: Path, tmp_path: Path, tiny_profile: ProfileMaker
) -> None:
    """A child that aborts takes its worker down as a crash does; one that hangs is killed with
    its worker (the whole process group: no child outlives the run); the other points go on."""
    points = {n: Point("own_process_faults", "send", n, "strong", "function") for n in (1, 10, 100, 1000)}
    record = Runner(
        list(points.values()), tiny_profile(2), tmp_path / "out.json", seed=5, point_timeout=3
    ).run()
    status = {n: (record.points[p.name].status, record.points[p.name].reason) for n, p in points.items()}
    assert status[100][0] == "crashed" and "killed by signal 6" in status[100][1]
    assert status[1000] == ("timeout", "no result within 3 s; worker killed")
    assert all(len(record.points[points[n].name].runs) == 2 for n in (1, 10))
    (hanging,) = state_adapters.notes(state_adapter_names, "hanging")
    assert _state(hanging) in ("gone", "Z")  # dead (a zombie until its new parent reaps it)


def _state(pid: int) -> str:
    """A process's state letter from /proc (R running, S sleeping, Z zombie), or ``gone``."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_worker_groups_keep_the_shuffled_order(state_adapter_names: Path) -> None:
    points = [Point("own_process", "send", n, "strong", "function") for n in (100, 1, 10)]
    assert worker_groups("own_process", points) == [[points[0]], [points[1]], [points[2]]]
    shared = [Point("baseline", "send", n, "strong", "function") for n in (100, 1, 10)]
    assert worker_groups("baseline", shared) == [shared]
    assert worker_groups("baseline", []) == []


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


def test_the_twins_are_in_the_default_matrix_where_they_share_code() -> None:
    points = matrix(implementation_names())
    twin = {p.scenario for p in points if p.impl == "blinker_twin"}
    assert twin == {"send", "connect", "disconnect", "send_after_peak"}
    flask, aa = TWINS
    assert (flask.impl, flask.of, aa.impl, aa.of) == ("flask", "blinker", "blinker_twin", "blinker")
    assert (
        not flask.shares("create") and not flask.shares("flask_request") and not flask.shares("memory_send")
    )
    assert flask.shares("send") and flask.shares("churn") and aa.shares("send") and not aa.shares("churn")


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
