"""Memory points: known byte counts from ``sigbench.worker.memory``, their place in results files, the
schema's refusals, the summary and report, and one real run through the command line."""

from __future__ import annotations

import copy
import gc
import json
import re
import subprocess
import tracemalloc
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, List

import pyperf
import pytest
import synthetic

from sigbench.analysis.points import analyse
from sigbench.cli import main
from sigbench.report.page import write_report
from sigbench.report.sections.memory import memory_table
from sigbench.report.summary import summary_table
from sigbench.results.store import (
    ResultsError,
    is_read,
    point_values,
    read_results,
    record_from_document,
    to_document,
    write_atomic,
)
from sigbench.results.table import load_results
from sigbench.run.runner import DETERMINISTIC_PROCESSES, PROFILES
from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters.baseline import Baseline
from sigbench.suite.points import Point
from sigbench.worker.measure import Timing
from sigbench.worker.memory import MemorySampler, measure_memory
from sigbench.worker.scenarios import MEMORY_SCENARIOS, SCENARIOS
from sigbench.worker.scenarios.memory import traced

#: What a transient send allocates at once, and what a connection keeps per receiver.
TRANSIENT_BYTES = 100_000
KEPT_BYTES = 1000
#: The payload of each unreachable cycle a connection leaves behind.
CYCLE_BYTES = 10_000


# -- synthetic adapters: operations whose bytes are known ----------------------------------------


class QuietSend(Baseline):
    """A send that allocates nothing."""

    name = "quiet_send"

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        def send() -> None:
            pass

        return send


class TransientSend(Baseline):
    """A send that allocates ``TRANSIENT_BYTES`` and drops them before it returns."""

    name = "transient_send"

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        def send() -> None:
            bytearray(TRANSIENT_BYTES)

        return send


class KeepingConnect(Baseline):
    """A connection that keeps ``KEPT_BYTES`` (a bytearray) per receiver on the signal."""

    name = "keeping_connect"

    def connector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        def connect(handle: Any) -> None:
            signal.append(bytearray(KEPT_BYTES))

        return connect


class ForgetfulConnect(Baseline):
    """A connection that keeps nothing at all."""

    name = "forgetful_connect"

    def connector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        def connect(handle: Any) -> None:
            pass

        return connect


class Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self
        self.data = bytearray(CYCLE_BYTES)


class CyclicGarbageConnect(Baseline):
    """A connection that leaves an unreachable ``Cycle`` behind and keeps nothing else."""

    name = "cyclic_connect"

    def connector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        def connect(handle: Any) -> None:
            Cycle()

        return connect


def _readings(adapter: Adapter, point: Point, count: int = 3) -> List[float]:
    """``count`` readings of ``point`` from one sampler, closed afterwards."""
    sampler = MemorySampler(adapter, point)
    try:
        return [sampler.value() for _ in range(count)]
    finally:
        sampler.close()


def _point(impl: str, scenario: str, receivers: int, ref: str = "strong", kind: str = "function") -> Point:
    return Point(impl, scenario, receivers, ref, kind)


# -- MemorySampler: known answers -----------------------------------------------------------------


@pytest.mark.parametrize("receivers", [0, 10])
def test_a_send_that_allocates_nothing_reads_zero(receivers: int) -> None:
    """Measuring alone is subtracted, so nothing allocated reads exactly 0."""
    values = _readings(QuietSend(), _point("quiet_send", "memory_send", receivers), count=5)
    assert values == [0.0] * 5


@pytest.mark.parametrize("receivers", [0, 100])
def test_a_transient_send_reads_its_peak(receivers: int) -> None:
    """A bytearray made and dropped inside the send: its size (and a header) is the peak."""
    for value in _readings(TransientSend(), _point("transient_send", "memory_send", receivers)):
        assert TRANSIENT_BYTES <= value <= TRANSIENT_BYTES + 200


@pytest.mark.parametrize("receivers", [10, 100])
def test_a_connection_keeping_a_kilobyte_reads_a_kilobyte_per_receiver(receivers: int) -> None:
    """Each receiver keeps a bytearray(1000) (and a list slot): per receiver, about 1000 bytes."""
    values = _readings(KeepingConnect(), _point("keeping_connect", "memory_connect", receivers))
    for value in values:
        assert KEPT_BYTES <= value <= KEPT_BYTES + 100
    assert len(set(values)) == 1  # each reading connects to a new signal: the same bytes again


def test_a_connection_keeping_nothing_reads_zero() -> None:
    values = _readings(ForgetfulConnect(), _point("forgetful_connect", "memory_connect", 10))
    assert values == [0.0] * 3


def test_cyclic_garbage_left_by_a_connection_is_collected_before_reading() -> None:
    """A connection whose only leftover is unreachable cyclic garbage keeps nothing."""
    # The known answer needs garbage that reference counting alone does not free.
    enabled = gc.isenabled()
    gc.disable()
    try:
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            alive = weakref.ref(Cycle())
            left = tracemalloc.get_traced_memory()[0] - start
        finally:
            tracemalloc.stop()
        assert alive() is not None and left >= CYCLE_BYTES
        gc.collect()
        assert alive() is None
    finally:
        if enabled:
            gc.enable()
    for receivers in (10, 100):
        values = _readings(CyclicGarbageConnect(), _point("cyclic_connect", "memory_connect", receivers))
        for value in values:
            assert abs(value) < 1  # versus CYCLE_BYTES per receiver without the collection


def test_traced_reads_what_stays_and_the_peak() -> None:
    """``traced``: bytes kept by the call, and its peak above the start."""
    kept: List[bytearray] = []
    tracemalloc.start()
    try:
        # raw readings include tracemalloc's own answers (a tuple, ints): read them alone too
        retained_alone, peak_alone = traced(lambda: None)
        retained, peak = traced(lambda: kept.append(bytearray(50_000)))
        transient_retained, transient_peak = traced(lambda: bytearray(70_000))
    finally:
        tracemalloc.stop()
    assert 50_000 <= retained - retained_alone <= 50_000 + 300 and peak - peak_alone >= 50_000
    assert abs(transient_retained - retained_alone) <= 200
    assert 70_000 <= transient_peak - peak_alone <= 70_000 + 300


def test_close_stops_tracing_that_the_sampler_started() -> None:
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is already tracing in this interpreter (PYTHONTRACEMALLOC?)")
    sampler = MemorySampler(QuietSend(), _point("quiet_send", "memory_send", 1))
    assert tracemalloc.is_tracing()
    sampler.value()
    sampler.close()
    assert not tracemalloc.is_tracing()


def test_close_leaves_tracing_that_was_already_running() -> None:
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    try:
        sampler = MemorySampler(KeepingConnect(), _point("keeping_connect", "memory_connect", 10))
        assert KEPT_BYTES <= sampler.value() <= KEPT_BYTES + 100  # readings work under outside tracing
        sampler.close()
        assert tracemalloc.is_tracing()
    finally:
        if started_here:
            tracemalloc.stop()


def test_a_failing_set_up_stops_the_tracing_it_started() -> None:
    if tracemalloc.is_tracing():
        pytest.skip("tracemalloc is already tracing in this interpreter (PYTHONTRACEMALLOC?)")

    class NoSignal(Baseline):
        name = "no_signal"

        def new_signal(self) -> List[Any]:
            raise OSError("deliberate failure making a signal")

    with pytest.raises(OSError, match="deliberate"):
        MemorySampler(NoSignal(), _point("no_signal", "memory_send", 10))
    assert not tracemalloc.is_tracing()


def test_measure_memory_has_the_shape_of_a_timed_result() -> None:
    """One value a process and no warm-up, whatever the timing asks: bytes are deterministic,
    and the sampler's first reading, not kept, warms up."""
    timing = Timing(warmups=2, values=3, min_time=0.001)
    result = measure_memory(KeepingConnect(), _point("keeping_connect", "memory_connect", 10), timing)
    assert set(result) == {"loops", "inner_loops", "warmups", "values", "duration", "phases"}
    phases = result["phases"]
    assert set(phases) == {"setup", "values"} and min(phases["setup"], phases["values"]) >= 0
    assert result["loops"] == 1 and result["inner_loops"] == 10  # bytes per receiver
    assert result["warmups"] == [] and len(result["values"]) == 1
    assert all(KEPT_BYTES <= value <= KEPT_BYTES + 100 for value in result["values"])
    assert result["duration"] > 0
    sends = measure_memory(QuietSend(), _point("quiet_send", "memory_send", 10), timing)
    assert sends["inner_loops"] == 1 and sends["values"] == [0.0]


# -- real libraries ---------------------------------------------------------------------------------


def test_blinker_weak_connections_keep_more_than_strong_ones(load_adapter: Callable[[str], Adapter]) -> None:
    blinker = load_adapter("blinker")
    weak = _readings(blinker, _point("blinker", "memory_connect", 10, "weak"))
    strong = _readings(blinker, _point("blinker", "memory_connect", 10, "strong"))
    assert len(set(weak)) == 1 and len(set(strong)) == 1  # deterministic: every reading the same
    assert weak[0] > strong[0] > 0


def test_blinker_send_needs_more_bytes_with_more_receivers(load_adapter: Callable[[str], Adapter]) -> None:
    blinker = load_adapter("blinker")
    ten = _readings(blinker, _point("blinker", "memory_send", 10))
    hundred = _readings(blinker, _point("blinker", "memory_send", 100))
    assert len(set(ten)) == 1 and len(set(hundred)) == 1
    assert hundred[0] > ten[0] > 0


def test_baseline_connection_keeps_a_list_slot(load_adapter: Callable[[str], Adapter]) -> None:
    """A plain list's append keeps a pointer per receiver, and the list's growth."""
    values = _readings(load_adapter("baseline"), _point("baseline", "memory_connect", 10))
    assert len(set(values)) == 1
    assert 0 <= values[0] < 64


# -- results files --------------------------------------------------------------------------------

MEMORY = _point("blinker", "memory_connect", 10, "weak")
TIME = _point("blinker", "send", 10)
MEMORY_VALUES = [[0.0, 768.8, 768.8], [768.8, 0.0, 768.8], [768.8, 768.8, 768.8]]
TIME_VALUES = [[2.0e-6, 2.1e-6, 1.9e-6]] * 3


@pytest.fixture
def document() -> Dict[str, Any]:
    """A results document with one memory point (a 0.0 among its values) and one time point."""
    return to_document(synthetic.record({MEMORY: MEMORY_VALUES, TIME: TIME_VALUES}))


def _entry(document: Dict[str, Any], point: Point) -> Dict[str, Any]:
    return next(item for item in document["sigbench"]["points"] if item["name"] == point.name)


def _index(document: Dict[str, Any], point: Point) -> int:
    return [item["name"] for item in document["sigbench"]["points"]].index(point.name)


def test_memory_runs_live_in_the_sigbench_section(document: Dict[str, Any]) -> None:
    assert is_read(MEMORY) and not is_read(TIME)
    memory, timed = _entry(document, MEMORY), _entry(document, TIME)
    assert [run["values"] for run in memory["runs"]] == MEMORY_VALUES
    assert memory["processes"] == 3 and memory["status"] == "ok"
    assert "runs" not in timed and timed["processes"] == 3
    assert MEMORY.name not in json.dumps({k: v for k, v in document.items() if k != "sigbench"})
    suite = pyperf.BenchmarkSuite.loads(json.dumps(document))  # pyperf still reads the file
    assert suite.get_benchmark_names() == [TIME.name]
    assert list(suite.get_benchmark(TIME.name).get_values()) == [v for run in TIME_VALUES for v in run]


def test_memory_runs_round_trip(document: Dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_atomic(path, document)
    read = read_results(path)
    assert read == json.loads(json.dumps(document))
    record = record_from_document(read)
    original = synthetic.record({MEMORY: MEMORY_VALUES, TIME: TIME_VALUES})
    assert record.points[MEMORY.name].runs == original.points[MEMORY.name].runs
    assert [run["values"] for run in record.points[TIME.name].runs] == TIME_VALUES
    assert to_document(record) == read  # rebuilt, it writes the same document
    assert point_values(read) == {
        MEMORY.name: [v for run in MEMORY_VALUES for v in run],
        TIME.name: [v for run in TIME_VALUES for v in run],
    }


def test_load_results_gives_memory_rows_in_bytes(document: Dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_atomic(path, document)
    frame = load_results([path])
    memory = frame[frame.benchmark == MEMORY.name]
    timed = frame[frame.benchmark == TIME.name]
    assert set(memory.unit) == {"byte"} and set(timed.unit) == {"second"}
    assert sorted(memory.value) == sorted(v for run in MEMORY_VALUES for v in run)
    assert 0.0 in set(memory.value)
    assert sorted(timed.value) == sorted(v for run in TIME_VALUES for v in run)
    assert set(memory.scenario) == {"memory_connect"} and set(memory.receivers) == {10}
    assert set(memory.ref) == {"weak"} and set(memory.kind) == {"function"}
    assert set(memory.op_unit) == {"receiver"} and set(memory.impl_version) == {"1.0"}
    assert sorted(set(memory.process)) == [0, 1, 2]
    assert set(memory.profile) == {"synthetic"} and set(memory.commit) == {"0123abc"}
    assert set(memory.python) == {"3.11.7 (64-bit)"} and set(memory.hostname) == {"test"}


def test_a_memory_point_measured_nowhere_yet_needs_no_runs(tmp_path: Path) -> None:
    """Planned but not run (processes 0, as in a file written while running): readable."""
    run = synthetic.record({TIME: TIME_VALUES})
    run.points[MEMORY.name] = synthetic.record({MEMORY: MEMORY_VALUES}).points[MEMORY.name]
    run.points[MEMORY.name].runs = []
    document = read_results(synthetic.write(tmp_path / "run.json", run))
    assert _entry(document, MEMORY)["processes"] == 0 and "runs" not in _entry(document, MEMORY)


def _drop_a_run(document: Dict[str, Any]) -> str:
    _entry(document, MEMORY)["runs"].pop()
    return rf"sigbench\.points\[{_index(document, MEMORY)}\]\.runs: 2 runs, but the point says 3"


def _runs_on_a_time_point(document: Dict[str, Any]) -> str:
    _entry(document, TIME)["runs"] = copy.deepcopy(_entry(document, MEMORY)["runs"])
    return rf"sigbench\.points\[{_index(document, TIME)}\]\.runs: only measured memory points keep runs"


def _memory_point_in_pyperf(document: Dict[str, Any]) -> str:
    """The time point's pyperf benchmark renamed to the memory point (pyperf keeps a lone
    benchmark's name in the suite's metadata)."""
    for key in ("benchmarks", "metadata"):
        text = json.dumps(document[key]).replace(json.dumps(TIME.name), json.dumps(MEMORY.name))
        document[key] = json.loads(text)
    return rf"benchmarks\[0\]\.metadata\.name: '{MEMORY.name}' is a memory point"


def _no_runs(document: Dict[str, Any]) -> str:
    del _entry(document, MEMORY)["runs"]
    return rf"sigbench\.points\[{_index(document, MEMORY)}\]\.runs: a measured memory point has no runs"


def _value(replacement: Any, got: str) -> Callable[[Dict[str, Any]], str]:
    def change(document: Dict[str, Any]) -> str:
        _entry(document, MEMORY)["runs"][0]["values"][1] = replacement
        index = _index(document, MEMORY)
        return rf"sigbench\.points\[{index}\]\.runs\[0\]\.values\[1\]: expected int or float, got {got}"

    return change


@pytest.mark.parametrize(
    "change",
    [
        _drop_a_run,
        _runs_on_a_time_point,
        _memory_point_in_pyperf,
        _no_runs,
        _value("768.8", "str"),
        _value(True, "bool"),
        _value(None, "NoneType"),
    ],
    ids=["runs-count", "runs-on-time-point", "memory-in-pyperf", "no-runs", "string", "boolean", "null"],
)
def test_read_results_refuses_bad_memory_runs(
    change: Callable[[Dict[str, Any]], str], document: Dict[str, Any], tmp_path: Path
) -> None:
    expected = change(document)
    path = tmp_path / "bad.json"
    write_atomic(path, document)
    with pytest.raises(ResultsError, match=expected) as info:
        read_results(path)
    assert str(info.value).startswith(f"{path}: ")


# -- summary, compare and gate on synthetic files ---------------------------------------------------


def _memory_values() -> synthetic.Values:
    """Bytes of baseline (0 throughout: medians of 0 must render) and blinker at 1, 10 and 100
    receivers (a send's bytes growing with them), beside the time of a connect and a send at 10;
    every value constant, so medians and their intervals are known."""
    values: synthetic.Values = {}
    known = {
        ("baseline", "memory_connect", "strong"): 0.0,
        ("blinker", "memory_connect", "strong"): 400.8,
        ("blinker", "memory_connect", "weak"): 768.8,
        ("baseline", "memory_send", "strong"): 0.0,
        ("blinker", "memory_send", "strong"): 3816.0,
        ("blinker", "memory_send", "weak"): 3816.0,
        ("baseline", "send", "strong"): 466e-9,
        ("blinker", "send", "strong"): 7696e-9,
        ("blinker", "connect", "strong"): 250e-9,
    }
    for (impl, scenario, ref), value in known.items():
        for n in (1, 10, 100) if scenario.startswith("memory") else (10,):
            scale = n / 10 if scenario == "memory_send" else 1.0
            values[_point(impl, scenario, n, ref)] = [[value * scale] * 3] * 3
    return values


def test_summary_shows_bytes_without_ratios() -> None:
    document = to_document(synthetic.record(_memory_values()))
    text = summary_table(document)
    lines = text.splitlines()
    assert "memory_connect (bytes per receiver)" in text and "memory_send (bytes per send)" in text
    header = lines.index(next(line for line in lines if line.startswith("memory_connect (")))
    assert lines[header].split()[-3:] == ["n=1", "n=10", "n=100"]
    assert lines[header + 1].split() == ["baseline", "0", "0", "0"]
    assert lines[header + 2].split() == ["blinker", "401", "401", "401"]
    send = lines.index(next(line for line in lines if line.startswith("memory_send (")))
    assert lines[send + 2].split() == ["blinker", "382", "3,816", "38,160"]
    assert "×" not in "\n".join(lines[header : send + 3])  # no ratio to a plain list's 0 bytes
    blinker_time = next(line for line in lines if line.startswith("blinker") and "×" in line)
    assert "×16.52" in blinker_time  # time keeps its ratio


def test_compare_leaves_memory_points_out_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = synthetic.write(tmp_path / "run.json", synthetic.record(_memory_values()))
    memory = sum(1 for point in _memory_values() if point.scenario in MEMORY_SCENARIOS)
    assert main(["compare", str(path), str(path)]) == 0
    captured = capsys.readouterr()
    assert (
        f"sigbench: note: {memory} memory and lifetime points (bytes, objects) are not compared"
        in captured.err
    )
    assert "memory_" not in captured.out and "blinker-send-10-strong-function" in captured.out


def test_gate_refuses_to_judge_only_memory(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["gate", "--baseline", "current", "--candidate", "current", "--scenario", "memory_send"]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "memory" in err and "the gate judges time" in err


# -- report with synthetic data -------------------------------------------------------------------


def _html_table(html: str, table_id: str) -> List[Dict[str, str]]:
    """The rows of the table ``table_id`` in ``html``, as {header: cell text}."""
    table = re.search(rf'<table id="T_{table_id}".*?</table>', html, re.S)
    assert table, table_id
    head, body = table.group(0).split("<tbody>")
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", head)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [dict(zip(headers, re.findall(r"<td[^>]*>([^<]*)</td>", row))) for row in rows]


@pytest.fixture(scope="module")
def memory_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("memory-report")
    path = synthetic.write(directory / "run.json", synthetic.record(_memory_values()))
    return write_report([path], directory / "out", resamples=100).read_text(encoding="utf-8")


def test_memory_table_puts_known_medians_in_their_columns(tmp_path: Path) -> None:
    path = synthetic.write(tmp_path / "run.json", synthetic.record(_memory_values()))
    rows = {
        row["implementation"]: row
        for row in _html_table(memory_table(analyse(load_results([path]), 100)), "memory")
    }
    assert set(rows) == {"baseline", "blinker"}
    assert rows["blinker"] == {
        "implementation": "blinker",
        "bytes per receiver, strong function": "401",
        "bytes per receiver, weak function": "769",
        "bytes per receiver, strong method": "",
        "bytes per receiver, weak method": "",
        "ns per receiver connected": "250",
        "peak bytes per send": "3,816",
        "ns per send": "7,696",
    }
    assert rows["baseline"]["bytes per receiver, strong function"] == "0"
    assert rows["baseline"]["peak bytes per send"] == "0"
    assert rows["baseline"]["ns per receiver connected"] == ""  # not measured
    assert rows["baseline"]["ns per send"] == "466"


def test_memory_table_is_empty_without_memory_points(tmp_path: Path) -> None:
    values = {point: runs for point, runs in _memory_values().items() if not is_read(point)}
    path = synthetic.write(tmp_path / "run.json", synthetic.record(values))
    assert str(memory_table(analyse(load_results([path]), 100))) == ""


def test_report_has_a_memory_section_and_zero_byte_points(memory_report: str) -> None:
    assert 'id="memory"' in memory_report and 'href="#memory"' in memory_report
    assert _html_table(memory_report, "memory")  # the page holds the table memory_table makes
    for scenario in MEMORY_SCENARIOS:
        section = re.search(rf'<section id="scenario-{scenario}">.*?</section>', memory_report, re.S)
        assert section, scenario
        text = section.group(0)
        unit = SCENARIOS[scenario].unit
        assert f"Cells: median bytes per {unit}" in text and "tracemalloc" in text
        assert f"bytes per {unit} (median, 95% CI band)" in text  # the chart's axis
        assert "median ns" not in text
        rows = {
            row["implementation"]: row for row in _html_table(text, f"chart-{scenario}-strong-function-table")
        }
        assert rows["baseline"]["n = 10"] == "0 (0–0)"  # a median of 0 bytes, shown as such


def test_report_gives_memory_points_no_ratio_and_no_fit(tmp_path: Path) -> None:
    path = synthetic.write(tmp_path / "run.json", synthetic.record(_memory_values()))
    analysis = analyse(load_results([path]), 100)
    points = analysis.points
    memory = points[points["scenario"].isin(MEMORY_SCENARIOS)]
    assert len(memory) == sum(1 for point in _memory_values() if is_read(point))
    assert memory["ratio"].isna().all()
    assert set(memory["unit"]) == {"byte"}
    assert not analysis.fits["scenario"].isin(MEMORY_SCENARIOS).any()
    blinker_send = points[points["benchmark"] == "blinker-send-10-strong-function"]
    assert blinker_send["ratio"].iloc[0] == pytest.approx(7696 / 466)


# -- end to end ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_memory_points_through_the_command_line(
    tmp_path: Path, run_python: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    pytest.importorskip("blinker")
    output = tmp_path / "out.json"
    argv = [
        "-m",
        "sigbench",
        "run",
        "--impl",
        "baseline,blinker",
        "--scenario",
        "memory_connect,memory_send,send",
    ]
    argv += ["--receivers", "10", "--kind", "function", "--profile", "quick", "--seed", "1"]
    result = run_python([*argv, "-o", str(output), "--quiet"])
    assert result.returncode == 0, result.stderr
    assert "memory_connect (bytes per receiver)" in result.stdout
    document = read_results(output)
    points = {item["name"]: item for item in document["sigbench"]["points"]}
    memory = {name: item for name, item in points.items() if item["scenario"] in MEMORY_SCENARIOS}
    assert len(memory) == 8 and len(points) == 12
    measured = {name: item for name, item in memory.items() if item["status"] == "ok"}
    assert len(measured) == 4 + 2  # a plain list has no weak references
    assert all(item["status"] == "not_applicable" for name, item in memory.items() if name not in measured)
    for name, item in measured.items():
        assert (
            len(item["runs"])
            == item["processes"]
            == min(PROFILES["quick"].processes, DETERMINISTIC_PROCESSES)
        ), name
        for run in item["runs"]:
            assert run["values"] and all(isinstance(value, float) for value in run["values"])
            assert run["inner_loops"] == (10 if item["scenario"] == "memory_connect" else 1)
    values = point_values(document)
    weak = values["blinker-memory_connect-10-weak-function"]
    strong = values["blinker-memory_connect-10-strong-function"]
    assert min(weak) > max(strong) > 0
    assert 0 <= max(values["baseline-memory_connect-10-strong-function"]) < 64
    suite = pyperf.BenchmarkSuite.load(str(output))
    assert sorted(suite.get_benchmark_names()) == [
        "baseline-send-10-strong-function",
        "blinker-send-10-strong-function",
        "blinker-send-10-weak-function",
    ]

    result = run_python(["-m", "sigbench", "summary", str(output)])
    assert result.returncode == 0, result.stderr
    assert "memory_connect (bytes per receiver)" in result.stdout
    assert "memory_send (bytes per send)" in result.stdout

    site = tmp_path / "site" / "run"
    result = run_python(["-m", "sigbench", "report", str(output), "-o", str(site)])
    assert result.returncode == 0, result.stderr
    assert 'id="memory"' in (site / "index.html").read_text(encoding="utf-8")

    result = run_python(["-m", "sigbench", "compare", str(output), str(output)])
    assert result.returncode == 0, result.stderr
    assert "6 memory and lifetime points (bytes, objects) are not compared" in result.stderr


def test_a_mode_ratio_over_bytes_that_may_be_zero_is_left_blank(tmp_path: Path) -> None:
    """Strong connections that resample to 0 bytes: no weak ÷ strong ratio, rather than a NaN."""
    values: synthetic.Values = {
        _point("blinker", "memory_connect", 10): [[0, 0, 0], [8, 8, 8], [8, 8, 8]],
        _point("blinker", "memory_connect", 10, "weak"): [[100] * 3] * 3,
    }
    path = synthetic.write(tmp_path / "zero.json", synthetic.record(values))
    html = write_report([path], tmp_path / "report", resamples=200).read_text()
    [row] = _html_table(html, "modes-memory_connect")
    assert row["weak ÷ strong (functions)"] == ""
    assert "nan" not in html.lower().replace("nanosecond", "")
