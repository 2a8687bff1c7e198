"""``sigbench compare``: ratios of medians with CIs and verdicts, on synthetic files with known answers."""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import List

import pyperf
import pytest
import synthetic

from sigbench.analysis.compare import CompareError, compare
from sigbench.analysis.stats import Estimate
from sigbench.analysis.verdicts import verdict
from sigbench.cli import main
from sigbench.report.text import compare_markdown as as_markdown
from sigbench.report.text import compare_text as as_text
from sigbench.suite.points import Point

SEND = Point("blinker", "send", 10, "strong", "function")
CONNECT = Point("blinker", "connect", 10, "strong", "function")


@pytest.mark.parametrize(
    "low, high, expected",
    [
        (1.06, 1.30, "slower"),
        (0.70, 0.90, "faster"),
        (0.97, 1.04, "same"),
        (1.00, 1.20, "inconclusive"),  # might be slower, might be within the threshold
        (0.60, 1.60, "inconclusive"),
        (1 / 1.05, 1.05, "same"),  # the bounds themselves count as within
    ],
)
def test_verdicts_against_a_five_percent_threshold(low: float, high: float, expected: str) -> None:
    assert verdict(Estimate((low + high) / 2, low, high), 0.05) == expected


def _file(tmp_path: Path, name: str, send: float, connect: float, spread: float = 0.005) -> Path:
    """Three processes of three values each, ``spread`` apart, around the given medians."""
    values = {
        point: [[median * (1 + spread * k)] * 3 for k in (-1, 0, 1)]
        for point, median in ((SEND, send), (CONNECT, connect))
    }
    return synthetic.write(tmp_path / name, synthetic.record(values))


def _verdicts(comparisons: List) -> dict:
    return {item.benchmark: (round(item.ratio.value, 6), item.verdict) for item in comparisons}


def test_known_slowdown_speedup_and_equality(tmp_path: Path) -> None:
    base = _file(tmp_path, "base.json", send=10e-6, connect=2e-6)
    candidate = _file(tmp_path, "candidate.json", send=12e-6, connect=2e-6)
    comparisons, only_base, only_candidate, *_ = compare(base, candidate, 0.05, resamples=500)
    assert _verdicts(comparisons) == {SEND.name: (1.2, "slower"), CONNECT.name: (1.0, "same")}
    assert only_base == only_candidate == []
    faster = _file(tmp_path, "faster.json", send=8e-6, connect=2e-6)
    assert _verdicts(compare(base, faster, 0.05, resamples=500)[0])[SEND.name] == (0.8, "faster")


def test_noisy_processes_give_an_inconclusive_verdict(tmp_path: Path) -> None:
    """Also a regression test: both files' points once shared a bootstrap seed, so identical
    spreads cancelled out in the ratio and this compared as "same" with a zero-width interval."""
    base = _file(tmp_path, "base.json", send=10e-6, connect=2e-6, spread=0.3)
    candidate = _file(tmp_path, "candidate.json", send=10.5e-6, connect=2e-6, spread=0.3)
    comparisons = compare(base, candidate, 0.05, resamples=500).comparisons
    send = next(item for item in comparisons if item.benchmark == SEND.name)
    assert send.verdict == "inconclusive" and send.ratio.low < 1 < send.ratio.high


def test_benchmarks_in_one_file_only_are_listed(tmp_path: Path) -> None:
    base = _file(tmp_path, "base.json", send=10e-6, connect=2e-6)
    only_send = synthetic.write(tmp_path / "send.json", synthetic.record({SEND: [[10e-6] * 3] * 3}))
    result = compare(base, only_send, resamples=200)
    comparisons, only_base, only_candidate, memory, _ = result
    assert [item.benchmark for item in comparisons] == [SEND.name]
    assert only_base == [CONNECT.name] and only_candidate == [] and memory == 0
    assert f"only in base: {CONNECT.name}" in as_text(result, 0.05)


def _sensed(tmp_path: Path, name: str, send: float, machine: float, python: str = "3.11.7 (64-bit)") -> Path:
    """SEND and CONNECT (2 µs) in five processes of three values, each process on a machine
    ``machine`` times slower and then 0-20% more (a phase per process), with the readings of a
    reference of 50 ns a unit beside every value, slowed alike."""
    phases = [machine * (1 + 0.05 * k) for k in (0, 4, 1, 3, 2)]
    run = synthetic.record(
        {
            point: [[median * phase * (1 + 0.001 * i) for i in range(3)] for phase in phases]
            for point, median in ((SEND, send), (CONNECT, 2e-6))
        },
        environment={"python_version": python, "python_implementation": "cpython", "hostname": "test"},
    )
    for entry in run.points.values():
        for process, phase in zip(entry.runs, phases):
            process["speed"], process["slow"] = [[5e-8 * phase, 5.01e-8 * phase]] * 3, []
    return synthetic.write(tmp_path / name, run)


def test_a_machine_slower_through_one_run_cancels_in_the_reference_units(tmp_path: Path) -> None:
    """The candidate's machine 18% slower throughout, and each process's phase its own: in the
    reference's units nothing changed, and a real 10% on SEND is found, with the medians shown at
    the base run's usual speed; in plain seconds CONNECT reads 18% slower."""
    base = _sensed(tmp_path, "base.json", send=10e-6, machine=1.0)
    candidate = _sensed(tmp_path, "candidate.json", send=11e-6, machine=1.18)
    result = compare(base, candidate, 0.05, resamples=500)
    assert result.seconds_because is None
    assert _verdicts(result.comparisons) == {SEND.name: (1.1, "slower"), CONNECT.name: (1.0, "same")}
    connect = next(item for item in result.comparisons if item.benchmark == CONNECT.name)
    usual = statistics.geometric_mean([1.0, 1.2, 1.05, 1.15, 1.1])  # the base's phases
    assert connect.base == pytest.approx(2e-6 * 1.001 * usual) and connect.ratio.high < 1.01
    assert "units of the reference workload" in as_text(result, 0.05)
    seconds = compare(base, candidate, 0.05, resamples=500, seconds=True)
    assert seconds.seconds_because == "as asked"
    plain = {item.benchmark: item for item in seconds.comparisons}
    assert plain[CONNECT.name].ratio.value == pytest.approx(1.18) and plain[CONNECT.name].verdict != "same"
    assert "plain seconds (as asked)" in as_text(seconds, 0.05)


def test_files_without_readings_or_of_two_interpreters_compare_in_seconds(tmp_path: Path) -> None:
    """The reference's units need readings beside every value, and one interpreter (another runs
    the reference at a speed of its own)."""
    base = _sensed(tmp_path, "base.json", send=10e-6, machine=1.0)
    other = _sensed(tmp_path, "other.json", send=10e-6, machine=1.0, python="3.12.1 (64-bit)")
    result = compare(base, other, 0.05, resamples=200)
    assert result.seconds_because is not None and "different interpreters" in result.seconds_because
    plain = _file(tmp_path, "plain.json", send=10e-6, connect=2e-6)
    result = compare(base, plain, 0.05, resamples=200)
    assert result.seconds_because == "the candidate file has values without readings of the machine's speed"


def _pyperf(path: Path, unit: str) -> Path:
    run = pyperf.Run([1.0, 1.1], metadata={"name": "memory", "unit": unit}, collect_metadata=False)
    pyperf.BenchmarkSuite([pyperf.Benchmark([run])]).dump(str(path))
    return path


def test_different_units_are_refused(tmp_path: Path) -> None:
    seconds, bytes_ = _pyperf(tmp_path / "s.json", "second"), _pyperf(tmp_path / "b.json", "byte")
    message = f"memory: unit is 'second' in {seconds} but 'byte' in {bytes_}; refusing to compare"
    with pytest.raises(CompareError, match=re.escape(message)):
        compare(seconds, bytes_, resamples=200)


def test_markdown_names_cannot_break_the_table(tmp_path: Path) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    hostile = "x | y [link](https://evil.example)"
    paths = []
    for name, value in (("a.json", 1e-6), ("b.json", 2e-6)):
        run = pyperf.Run([value] * 3, metadata={"name": hostile}, collect_metadata=False)
        pyperf.BenchmarkSuite([pyperf.Benchmark([run])]).dump(str(tmp_path / name))
        paths.append(tmp_path / name)
    html = (
        markdown_it.MarkdownIt("commonmark")
        .enable("table")
        .render(as_markdown(compare(paths[0], paths[1], resamples=200), 0.05))
    )
    assert "<a " not in html and html.count("<td") == 6  # one row, six cells
    assert "2.000" in html and "slower" in html


def test_cli_markdown_to_a_file_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _file(tmp_path, "base.json", send=10e-6, connect=2e-6)
    candidate = _file(tmp_path, "candidate.json", send=12e-6, connect=2e-6)
    out = tmp_path / "compare.md"
    assert (
        main(["compare", str(base), str(candidate), "--format", "md", "-o", str(out), "--resamples", "200"])
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "2 benchmarks compared" in text and "1 slower" in text and "🔴 slower" in text
    capsys.readouterr()
    for argv, message in (
        (["compare", str(base), str(candidate), "--threshold", "-1"], "--threshold must be a percentage"),
        (["compare", str(base), str(tmp_path / "missing.json")], "missing.json: cannot read"),
        (["compare", str(base), str(_pyperf(tmp_path / "p.json", "second"))], "have no benchmark in common"),
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2 and message in capsys.readouterr().err
