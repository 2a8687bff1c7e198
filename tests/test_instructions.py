"""Instructions mode: counting only the region under callgrind, deterministically; judging counts;
the stored-baseline checks; and the planted regression caught end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

import pandas
import pytest
import synthetic
from conftest import missing_tool

from sigbench.analysis.profiles import responsible
from sigbench.gate import planted, selftest
from sigbench.gate import run as gate_run
from sigbench.gate.judge import judge_counts
from sigbench.gate.run import run_gate
from sigbench.gate.settings import GateError
from sigbench.report.text import gate_markdown, gate_text
from sigbench.run import callgrind
from sigbench.run.envs import current_environment, parse_spec, tree_digest
from sigbench.run.process import inventory_of
from sigbench.run.runner import sigbench_commit
from sigbench.suite.points import Point
from sigbench.worker.meter import OUT_VARIABLE, CountError, InstructionMeter, meter_from_environment


@pytest.fixture
def valgrind() -> None:
    """valgrind and setarch, which count instructions; a test without them skips (fails under CI=true)."""
    missing = callgrind.missing_tools()
    if missing is not None:
        missing_tool(missing)


needs_valgrind = pytest.mark.usefixtures("valgrind")
ROOT = Path(__file__).resolve().parents[1]
POINT = Point("blinker", "send", 10, "strong", "function")


# -- counting under callgrind ----------------------------------------------------------------

REGIONS = textwrap.dedent(
    """
    import json
    from sigbench.worker.meter import meter_from_environment

    meter = meter_from_environment()

    def loop(n):
        for _ in range(n):
            pass
        return 0.0

    counts = {}
    for n in (1000, 2000, 3000, 1000, 2000, 3000):
        junk = [object() for _ in range(5 * n)]  # setup outside the region is never counted
        counts.setdefault(n, []).append(meter(lambda: loop(n)))
    print(json.dumps(counts))
    """
)


def _count_regions(tmp_path: Path) -> Dict[str, List[float]]:
    out = callgrind.DUMPS
    result = subprocess.run(
        [*callgrind.command(out), sys.executable, "-c", REGIONS],
        cwd=tmp_path,
        env={**callgrind.clean_environment(out), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@needs_valgrind
def test_a_region_counts_its_own_work_only_and_repeats_exactly(tmp_path: Path) -> None:
    counts = _count_regions(tmp_path)
    # Once warm (the second pass; the first runs before the interpreter specialised the loop),
    # each extra 1000 iterations costs the same, whatever setup ran outside the region.
    a, b, c = (counts[n][1] for n in ("1000", "2000", "3000"))
    assert a < b < c and abs((c - b) - (b - a)) / (b - a) < 0.001
    assert not list(tmp_path.glob("callgrind.out.*")), "the meter deletes the dumps it read"
    assert _count_regions(tmp_path) == counts


def test_the_meter_refuses_to_run_outside_callgrind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(OUT_VARIABLE, raising=False)
    with pytest.raises(CountError, match="not running under"):
        meter_from_environment()
    meter = InstructionMeter(str(tmp_path / "callgrind.out"))
    with pytest.raises(CountError, match="no callgrind dump"):
        meter(lambda: 0.0)


def test_an_exception_in_the_region_reaches_the_caller(tmp_path: Path) -> None:
    def region() -> float:
        raise KeyError("inside")

    with pytest.raises(KeyError, match="inside"):
        InstructionMeter(str(tmp_path / "callgrind.out"))(region)


def test_the_counting_environment_is_clean_and_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONMALLOC", "debug")
    monkeypatch.setenv("SOMETHING_ELSE", "1")
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = callgrind.clean_environment("out")
    assert env["PYTHONMALLOC"] == "pymalloc" and env["PYTHONHASHSEED"] == "0"
    assert "SOMETHING_ELSE" not in env and "PYTHONPATH" not in env
    assert "-R" in callgrind.command("out")


# -- judging counts --------------------------------------------------------------------------


def _counts(values: List[List[float]], version: str = "1.0") -> synthetic.RunRecord:
    return synthetic.record({POINT: values}, versions={"blinker": version})


@pytest.mark.parametrize(
    "candidate, verdict",
    [
        ([[1000.0, 1000.0], [1000.0, 1000.0]], "same"),
        ([[1006.0, 1006.0], [1006.0, 1006.0]], "slower"),
        ([[1003.0], [1003.0]], "same"),
        ([[1004.0], [1007.0]], "inconclusive"),
        ([[990.0], [990.0]], "faster"),
    ],
)
def test_counts_are_judged_over_every_pairing(candidate: List[List[float]], verdict: str) -> None:
    base = _counts([[1000.0, 1000.0], [1000.0, 1000.0]])
    result = judge_counts([POINT], base, _counts(candidate), threshold=0.005)
    (judgement,) = result.judgements
    assert judgement.verdict == verdict
    assert judgement.repeatable == (candidate[0] == candidate[1])
    assert result.regressions == ([judgement] if verdict == "slower" else [])


def test_counts_that_differ_between_processes_are_flagged() -> None:
    base = _counts([[1000.0], [1000.5]])
    (judgement,) = judge_counts([POINT], base, _counts([[1000.0], [1000.0]]), 0.01).judgements
    assert judgement.repeatable is False and judgement.spread == pytest.approx(0.5 / 1000.25)
    assert "0 of 1 identical" in gate_markdown(
        judge_counts([POINT], base, _counts([[1000.0], [1000.0]]), 0.01),
        {"baseline": parse_spec("current"), "candidate": parse_spec("current")},
    )


def test_a_stored_baseline_must_match_interpreter_versions_and_sigbench(tmp_path: Path) -> None:
    stored = _counts([[1000.0]])
    stored.settings["metric"] = "instructions"
    with pytest.raises(GateError, match=r"python_version '2\.7\.18"):
        stored.environment["python_version"] = "2.7.18 (64-bit)"
        gate_run._check_same_setting("base.json", stored, current_environment(), {"blinker"})
    here = inventory_of(sys.executable)
    stored.environment.update(here["interpreter"])
    stored.implementations["blinker"]["version"] = "0.1"
    with pytest.raises(GateError, match=r"blinker '0\.1' there"):
        gate_run._check_same_setting("base.json", stored, current_environment(), {"blinker"})
    stored.implementations["blinker"]["version"] = here["availability"]["blinker"][1]
    with pytest.raises(GateError, match=r"sigbench '0123abc' there"):  # counted by another sigbench
        gate_run._check_same_setting("base.json", stored, current_environment(), {"blinker"})
    stored.commit = sigbench_commit()
    gate_run._check_same_setting("base.json", stored, current_environment(), {"blinker"})  # no error


def test_a_stored_baseline_of_wall_times_is_refused(tmp_path: Path) -> None:
    path = synthetic.write(tmp_path / "times.json", synthetic.record({POINT: [[1e-6, 1.1e-6]]}))
    specs = {"baseline": parse_spec(str(path)), "candidate": parse_spec("current")}
    assert specs["baseline"].kind == "results"
    with pytest.raises(GateError, match="only in instructions mode"):
        run_gate([POINT], specs, tmp_path / "out")
    if callgrind.missing_tools() is None:
        with pytest.raises(GateError, match="holds wall times"):
            run_gate([POINT], specs, tmp_path / "out", mode="instructions")


def test_a_tree_is_reinstalled_only_when_its_files_change(tmp_path: Path) -> None:
    tree = planted.write_tree(tmp_path / "tree")
    first = tree_digest(tree)
    (tree / "build").mkdir()
    (tree / "build" / "junk.py").write_text("x = 1\n", encoding="utf-8")
    (tree / "sigbench_planted.egg-info").mkdir()
    assert tree_digest(tree) == first
    planted.write_tree(tree, 0.05)
    assert tree_digest(tree) != first


# -- end to end: the planted regression ------------------------------------------------------


@pytest.mark.slow
@needs_valgrind
@pytest.mark.xfail(
    sys.version_info[:2] == (3, 9),
    strict=True,
    reason="on CPython 3.9 the planted send's count falls by 5% from one value to the next within a "
    "process (2,255,828, 2,144,438, 2,032,821: the same in every process), so the A/A gate is "
    "inconclusive; a known limitation of instructions mode there",
)
def test_instructions_mode_catches_half_a_percent_and_passes_a_a(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # environments are cached under the working directory
    monkeypatch.setenv("SIGBENCH_EXTRA_ADAPTERS", planted.REGISTRATION)
    points = [Point("planted", "send", 10, "strong", "function")]
    same = selftest.run_case("instructions", 0.0, 1, tmp_path, points=points)
    slower = selftest.run_case("instructions", 0.005, 1, tmp_path, points=points)
    (aa,) = same.results[0].judgements
    (planted_judgement,) = slower.results[0].judgements
    assert aa.verdict == "same" and aa.ratio.value == 1.0 and aa.repeatable
    assert planted_judgement.verdict == "slower" and planted_judgement.repeatable
    assert 1.004 < planted_judgement.ratio.low <= planted_judgement.ratio.high < 1.008
    assert selftest.verdict([same, slower]) == []
    assert os.path.exists(tmp_path / "gates" / "instructions-0.005-0" / "candidate.json")
    # Why: the planted loop is Signal.send's own work, in bytecodes and in the interpreter's
    # instructions; the full table is kept beside the results.
    changes = slower.results[0].profiles[points[0].name]
    (python,) = responsible(changes, "python", top=5)
    assert python.function == "sigbench_planted.py:Signal.send" and python.share == 1.0
    assert python.calls == (1.0, 1.0) and python.work is not None and python.work[1] > python.work[0]
    assert responsible(changes, "native") and not same.results[0].profiles
    table = pandas.read_csv(tmp_path / "gates" / "instructions-0.005-0" / "profiles.csv")
    assert set(table["kind"]) == {"python", "native"}
    specs = {side: parse_spec(str(tmp_path / "planted-base")) for side in ("baseline", "candidate")}
    assert "sigbench_planted.py:Signal.send" in gate_text(slower.results[0], specs)
