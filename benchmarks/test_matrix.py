"""The scenario matrix as pytest-benchmark tests: ``pytest benchmarks/ --benchmark-only``.

One test per point of ``sigbench.worker.matrix.matrix`` over every implementation (nothing is
listed here), with the point's name as its id (``impl-scenario-receivers-ref-kind``), a marker
per implementation (``-m blinker``) and a group per scenario and receiver count.  Each test
checks conformance (an assertion) before anything is timed, and puts the library's global state
back as it was at load after conformance and after timing, as worker processes do (Flask's
built-in signals would otherwise carry one point's receivers into the next).  Combinations an
implementation cannot run are skipped with the reason, libraries that are not installed with
the install hint.

Send, create, churn and requests are timed with pytest-benchmark's own calibration, per call.
Connect, disconnect and collect need a fresh signal per round: each round applies the operation
to every receiver of a group of new signals (collect: drops them), set up outside the clock
(send_dying: one send a round, to new receivers on a new signal),
and ``extra_info["inner_loops"]`` says how many operations a round holds, so
``sigbench.results.table.load_results`` divides to seconds per receiver, as the pyperf runner reports
them.
"""

from __future__ import annotations

import math
import time
from typing import Any, Dict, List, Tuple

import pytest

from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import get_adapter, implementation_names
from sigbench.suite.points import Point
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.inventory import availability, gil_enabled
from sigbench.worker.loop import LastingState
from sigbench.worker.matrix import matrix
from sigbench.worker.measure import Bench
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.base import FREE_THREADED_ONLY
from sigbench.worker.scenarios.regions import RegionScenario, Work

#: Connect and disconnect rounds aim at about this many operations (fewer timer reads per op).
OPERATIONS_PER_ROUND = 100
#: The most rounds a connect or disconnect benchmark runs, whatever ``--benchmark-max-time``.
MAX_ROUNDS = 10_000

#: Every point in time: memory scenarios are read in bytes by ``sigbench run`` (``sigbench.worker.memory``),
#: and pytest-benchmark only times.
POINTS = [p for p in matrix(implementation_names()) if SCENARIOS[p.scenario].metric == "time"]


def _param(point: Point) -> Any:
    return pytest.param(point, id=point.name, marks=[getattr(pytest.mark, point.impl)])


def _ready_adapter(point: Point) -> Adapter:
    """The loaded adapter, or a skip saying why this point cannot run here."""
    available, detail = availability(point.impl)
    if not available:
        pytest.skip(f"{point.impl} is not installed: {detail}")
    adapter = get_adapter(point.impl)
    hazard = adapter.in_process_hazard()
    if hazard:
        pytest.skip(hazard)
    reason = SCENARIOS[point.scenario].unsupported(adapter, point.ref, point.kind)
    if reason is None and SCENARIOS[point.scenario].free_threaded and gil_enabled():
        reason = FREE_THREADED_ONLY
    if reason is not None:
        pytest.skip(f"not applicable: {reason}")
    adapter.load()
    return adapter


#: Each loaded adapter's global state as it was at load, put back after every point, as a
#: worker process puts it back (``sigbench.worker.loop.LastingState``): here every point of the
#: matrix runs in this one process, in order.
_LASTING: Dict[str, LastingState] = {}


def _restore(adapter: Adapter, after: str) -> None:
    """Put the library's global state back as it was at load; fail the test when it is not."""
    problem = _LASTING[adapter.name].restored(after)
    if problem:
        pytest.fail(problem["reason"], pytrace=False)


@pytest.mark.parametrize("point", [_param(point) for point in POINTS])
def test_point(point: Point, benchmark: Any, request: pytest.FixtureRequest) -> None:
    adapter = _ready_adapter(point)
    _LASTING.setdefault(adapter.name, LastingState(adapter))
    try:
        check_point(adapter, point)
    except ConformanceError as exc:
        pytest.fail(f"{point.name} does not conform: {exc}", pytrace=False)
    finally:
        _restore(adapter, "conformance")
    scenario = SCENARIOS[point.scenario]
    benchmark.group = point.scenario if not scenario.has_receivers else f"{point.scenario}-{point.receivers}"
    benchmark.extra_info.update(
        point.as_dict(),
        impl_version=adapter.version(),
        op_unit=scenario.unit,
        name=point.name,
        inner_loops=1,
    )
    bench = Bench(adapter, point)
    try:
        operation = scenario.repeated(bench)
        if operation is not None:
            benchmark(operation)
        else:
            _time_rounds(benchmark, request.config, adapter, bench)
    finally:
        bench.close()
        _restore(adapter, "measuring")


def _time_rounds(benchmark: Any, config: pytest.Config, adapter: Adapter, bench: Bench) -> None:
    """The scenario's region work (``RegionScenario.work``) on a group of fresh signals a round,
    set up outside the clock: about ``OPERATIONS_PER_ROUND`` operations (one signal a round when
    the scenario's body takes one signal a value, as ``send_dying``'s does)."""
    point, scenario = bench.point, bench.scenario
    assert isinstance(scenario, RegionScenario)
    group = 1 if scenario.one_signal else max(1, OPERATIONS_PER_ROUND // max(point.receivers, 1))
    group = min(group, adapter.max_signals or group)
    made: List[Any] = []
    works: List[Work] = []

    def setup() -> Tuple[Tuple[()], Dict[str, Any]]:
        signals = [adapter.new_signal() for _ in range(group)]
        made.extend(signals)
        works.append(scenario.work(bench, signals))
        return (), {}

    def apply() -> None:
        works[-1].bare()

    def teardown() -> None:
        while works:
            works.pop().after()
        while made:
            adapter.reset(made.pop())

    benchmark.extra_info["inner_loops"] = group * scenario.inner_loops(point)
    try:
        _pedantic(benchmark, config, apply, setup, teardown)
    finally:
        teardown()  # pytest-benchmark skips teardown when disabled


def _pedantic(benchmark: Any, config: pytest.Config, apply: Any, setup: Any, teardown: Any) -> None:
    """``benchmark.pedantic`` with as many rounds as ``--benchmark-max-time`` allows, judged by
    one probe round (pedantic mode does not calibrate)."""
    rounds = 1
    if not benchmark.disabled:
        setup()
        started = time.perf_counter()
        apply()
        probe = time.perf_counter() - started
        teardown()
        max_time = float(config.getoption("benchmark_max_time"))  # pytest-benchmark keeps text
        least = int(config.getoption("benchmark_min_rounds"))
        rounds = max(least, math.ceil(max_time / max(probe, 1e-7)))
    benchmark.pedantic(apply, setup=setup, teardown=teardown, rounds=min(rounds, MAX_ROUNDS), warmup_rounds=1)
