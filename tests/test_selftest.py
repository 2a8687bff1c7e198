"""The gate's self-test: its bookkeeping on known verdicts, and one small real calibration."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from sigbench.analysis.stats import Estimate
from sigbench.analysis.verdicts import Verdict
from sigbench.gate import planted, selftest
from sigbench.gate.judge import GateResult, Judgement
from sigbench.suite.points import Point

POINTS = selftest.POINTS


def _result(verdicts: List[Verdict], ratio: float = 1.0, repeatable: bool = True) -> GateResult:
    judgements = [
        Judgement(
            point, 1.0, ratio, Estimate(ratio, ratio, ratio), verdict, spread=0.0, repeatable=repeatable
        )
        for point, verdict in zip(POINTS, verdicts)
    ]
    return GateResult(judgements, {}, 0.002, "instructions")


def test_rates_and_targets_on_known_verdicts() -> None:
    aa = selftest.Case("instructions", 0.0, [_result(["same"] * 3)] * 4, [1.0] * 4)
    caught = selftest.Case("instructions", 0.005, [_result(["slower"] * 3, 1.005)] * 4, [1.0] * 4)
    assert (aa.judged, aa.flagged, aa.failed_trials, aa.rate) == (12, 0, 0, 0.0)
    assert (caught.flagged, caught.failed_trials, caught.rate) == (12, 4, 1.0)
    assert selftest.verdict([aa, caught]) == []
    summary = selftest.as_markdown([aa, caught])
    assert "| instructions | planted +0.5% | 0.2% | 4 | 4 | 12 / 12 | 100% | 1.0050 |" in summary
    assert "smallest slowdown caught in 90% or more of judgements: +0.5%" in summary
    assert summary.rstrip().endswith("**PASS**: the gate meets its targets.")


def test_a_false_positive_a_missed_plant_and_unrepeatable_counts_fail() -> None:
    aa = selftest.Case("instructions", 0.0, [_result(["slower", "same", "same"])], [1.0])
    missed = selftest.Case(
        "instructions", 0.005, [_result(["slower", "same", "slower"], repeatable=False)], [1.0]
    )
    problems = selftest.verdict([aa, missed])
    assert problems[0] == "instructions A/A: 1 of 1 trials failed"
    assert problems[1] == "instructions planted +0.5%: caught in only 67% of judgements"
    assert problems[2].startswith("instructions: counts differed between processes for planted-send-1")
    assert "**FAIL**" in selftest.as_markdown([aa, missed])


def test_the_planted_tree_is_slower_by_its_share_of_units(tmp_path: Path) -> None:
    tree = planted.write_tree(tmp_path / "slow", 0.05)
    assert f"UNITS = {round(planted.UNITS * 1.05)}" in (tree / "sigbench_planted.py").read_text()
    assert 'name = "sigbench-planted"' in (tree / "pyproject.toml").read_text()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--modes", "timing"], "--modes: choose from"),
        (["--trials", "0"], "must be at least 1"),
        (["--rounds", "3"], "--rounds at least 6"),
    ],
)
def test_bad_arguments_are_refused(argv: List[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        selftest.main(argv)
    assert info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.slow
def test_a_small_paired_calibration_runs_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One trial per case, two benchmarks: too few to judge the gate, enough to run every part."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIGBENCH_EXTRA_ADAPTERS", planted.REGISTRATION)  # restored afterwards
    monkeypatch.setattr(
        selftest, "POINTS", [Point("planted", "send", n, "strong", "function") for n in (1, 10)]
    )
    monkeypatch.setattr(selftest, "SLOWDOWNS", {"paired": (0.20,), "instructions": (0.005,)})
    status = selftest.main(["--modes", "paired", "--trials", "1", "--rounds", "6", "-o", "summary.md"])
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert status in (0, 1) and summary.startswith("## Gate self-test")
    assert "| paired | A/A | 2.0% | 1 |" in summary and "| paired | planted +20.0% | 2.0% | 1 |" in summary
    assert len(list((tmp_path / "build" / "gate-selftest" / "gates").iterdir())) == 2
