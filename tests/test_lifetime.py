"""Lifetime points: what a library keeps alive.  Known answers from planted adapters
(``tests/lifetime_adapters.py``): a well-behaved one reads 0 everywhere, and each planted fault is
caught by exactly its own scenario with a nonzero value, in process and through real workers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Dict, List

import lifetime_adapters
import pytest
from lifetime_adapters import PLANTED, REGISTRATION

from sigbench.results.store import is_read, point_values, read_results
from sigbench.run.runner import DETERMINISTIC_PROCESSES, PROFILES
from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE
from sigbench.suite.adapters.baseline import Baseline
from sigbench.suite.metrics import METRICS
from sigbench.suite.points import Point
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.matrix import core_mode, matrix
from sigbench.worker.memory import MemorySampler
from sigbench.worker.scenarios import LIFETIME_SCENARIOS, READ_SCENARIOS, SCENARIOS
from sigbench.worker.scenarios.lifetime import LifetimeScenario

TESTS = Path(__file__).resolve().parent


def _adapter(name: str) -> Adapter:
    adapter: Adapter = getattr(lifetime_adapters, PLANTED[name][0])()
    return adapter


def _point(impl: str, scenario: str) -> Point:
    ref, kind = core_mode(scenario, _adapter(impl).combos if impl in PLANTED else None)
    return Point(impl, scenario, SCENARIOS[scenario].receivers[-1], ref, kind)


def _readings(adapter: Adapter, point: Point, count: int = 2) -> List[float]:
    check_point(adapter, point)
    sampler = MemorySampler(adapter, point)
    try:
        return [sampler.value() for _ in range(count)]
    finally:
        sampler.close()


# -- the family ------------------------------------------------------------------------------------


def test_the_family_is_seven_scenarios_read_not_timed() -> None:
    assert len(LIFETIME_SCENARIOS) == 7
    for name in LIFETIME_SCENARIOS:
        scenario = SCENARIOS[name]
        assert name in READ_SCENARIOS and not scenario.timed
        assert scenario.metric in ("count", "memory")
        assert scenario.operation is scenario and scenario.inner_loops(_point("tidy", name)) > 1
    counts = {name for name in LIFETIME_SCENARIOS if SCENARIOS[name].metric == "count"}
    assert counts == {"retain_payload", "retain_sender", "retain_receiver"}
    assert METRICS["count"].deterministic and METRICS["count"].unit == "object"


def test_lifetime_points_are_in_the_core_matrix() -> None:
    core = matrix(["blinker", "aiosignal"], scenarios=list(LIFETIME_SCENARIOS), core=True)
    blinker = {(p.scenario, p.receivers, p.ref) for p in core if p.impl == "blinker"}
    assert {scenario for scenario, _, _ in blinker} == set(LIFETIME_SCENARIOS)
    assert ("residue_dead", 1, "weak") in blinker and ("leak_cycle", 0, "strong") in blinker
    assert all(is_read(point) for point in core)


def test_aiosignal_has_no_disconnect_so_no_retain_receiver() -> None:
    from sigbench.suite.adapters import get_adapter

    aiosignal = get_adapter("aiosignal")
    for name in ("retain_receiver", "leak_cycle"):
        assert SCENARIOS[name].unsupported(aiosignal, "strong", "function") is not None


# -- known answers, in process ---------------------------------------------------------------------


@pytest.mark.parametrize("impl", sorted(PLANTED))
def test_each_planted_fault_is_caught_by_its_own_scenario_only(impl: str) -> None:
    adapter, caught_by = _adapter(impl), PLANTED[impl][1]
    for name in LIFETIME_SCENARIOS:
        values = _readings(adapter, _point(impl, name))
        if name == caught_by:
            assert min(values) > 0, (impl, name, values)
        else:
            assert values == [0.0, 0.0], (impl, name, values)


def test_retaining_the_last_payload_reads_one_per_reading() -> None:
    """One payload kept over ``repetitions`` sends: 1 / repetitions objects per send."""
    scenario = SCENARIOS["retain_payload"]
    assert isinstance(scenario, LifetimeScenario)
    values = _readings(_adapter("retaining"), _point("retaining", "retain_payload"))
    assert values == [1 / scenario.repetitions] * 2


def test_baseline_keeps_nothing_but_its_duplicates() -> None:
    """A plain list keeps nothing it should let go; connecting a receiver again appends it again
    (it is called twice), which leak_reconnect reads as the slots the list grows by."""
    adapter = Baseline()
    for name in LIFETIME_SCENARIOS:
        point = _point("baseline", name)
        if adapter.unsupported_mode(point.ref, point.kind) is not None:
            continue  # residue_dead: a plain list has no weak references
        values = _readings(adapter, point)
        if name == "leak_reconnect":
            assert 0 < min(values) <= max(values) < 16, values
        else:
            assert values == [0.0, 0.0], (name, values)


class ForgetsReconnected(Baseline):
    """Connecting a receiver again disconnects it (a toggle)."""

    name = "forgets_reconnected"

    def connector(
        self, signal: List[object], *, weak: bool, sender: object = None
    ) -> Callable[[object], object]:
        def connect(receiver: object) -> None:
            if receiver in signal:
                signal.remove(receiver)
            else:
                signal.append(receiver)

        return connect


def test_leak_reconnect_checks_every_receiver_is_still_heard() -> None:
    point = Point("forgets_reconnected", "leak_reconnect", 10, "strong", "function")
    with pytest.raises(ConformanceError, match="not called"):
        check_point(ForgetsReconnected(), point)


# -- end to end: real workers ----------------------------------------------------------------------


@pytest.mark.slow
def test_planted_lifetimes_through_real_workers(
    tmp_path: Path, run_python: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    output = tmp_path / "lifetime.json"
    env = {
        EXTRA_ADAPTERS_VARIABLE: REGISTRATION,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
    }
    argv = ["-m", "sigbench", "run", "--impl", ",".join(sorted(PLANTED)), "--scenario"]
    argv += [",".join(LIFETIME_SCENARIOS), "--profile", "quick", "--seed", "1", "-o", str(output)]
    result = run_python([*argv, "--quiet"], env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "retain_payload (objects per send)" in result.stdout
    assert "leak_reconnect (bytes per call)" in result.stdout
    document = read_results(output)
    assert document["benchmarks"] == []  # every value is read, not timed: none is pyperf's
    points = {item["name"]: item for item in document["sigbench"]["points"]}
    expected = matrix(sorted(PLANTED), scenarios=list(LIFETIME_SCENARIOS), core=True)
    assert sorted(points) == sorted(point.name for point in expected)
    values = point_values(document)
    nonzero: Dict[str, List[str]] = {impl: [] for impl in PLANTED}
    for point in expected:
        item = points[point.name]
        assert item["status"] == "ok", (point.name, item["reason"])
        assert len(item["runs"]) == min(PROFILES["quick"].processes, DETERMINISTIC_PROCESSES)
        if any(values[point.name]):
            nonzero[point.impl].append(point.scenario)
    assert nonzero == {impl: [caught] if caught else [] for impl, (_, caught) in PLANTED.items()}

    summary = run_python(["-m", "sigbench", "summary", str(output)], env=env)
    assert summary.returncode == 0, summary.stderr
    assert "retain_payload (objects per send)" in summary.stdout
    compared = run_python(["-m", "sigbench", "compare", str(output), str(output)], env=env)
    assert "memory and lifetime points (bytes, objects) are not compared" in compared.stderr
