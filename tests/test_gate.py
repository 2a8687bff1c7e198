"""The paired gate: spec parsing, the paired statistics on synthetic rounds, and real A/A runs."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import List

import numpy as np
import pytest

from sigbench.analysis.speed import Run, SpeedKnowledge
from sigbench.analysis.stats import false_discovery_adjusted, paired_test
from sigbench.analysis.verdicts import ALPHA, paired_verdicts
from sigbench.cli import main
from sigbench.gate.judge import quiet_pairs
from sigbench.gate.run import run_gate
from sigbench.gate.settings import AUTO, AUTO_LOOKS, ROUNDS, THRESHOLDS, TIMEOUTS, GateError, gate_settings
from sigbench.report.text import MDE_NOTE
from sigbench.report.text import gate_markdown as as_markdown
from sigbench.results.store import read_results
from sigbench.run.envs import SpecError, parse_spec
from sigbench.run.runner import POINT_TIMEOUT
from sigbench.suite.points import Point
from sigbench.worker.measure import Timing

# -- specs ---------------------------------------------------------------------------------


def test_specs_of_every_kind(tmp_path: Path) -> None:
    assert parse_spec("current").kind == "current"
    assert parse_spec(f"python:{sys.executable}").value == sys.executable
    requirement = parse_spec("blinker==1.8.2")
    assert (requirement.kind, requirement.value) == ("requirement", "blinker==1.8.2")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    tree = parse_spec(str(tmp_path))
    assert (tree.kind, tree.value) == ("tree", str(tmp_path.resolve()))


@pytest.mark.parametrize(
    "text, message",
    [
        ("python:/no/such/python", "no such Python interpreter"),
        ("python3.99", "no such Python interpreter"),
        ("./no/such/tree", "no such directory"),
        ("blinker>=>1", "not a spec"),
        ("", "an empty spec"),
    ],
)
def test_bad_specs_are_named(text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(text)


def test_a_directory_that_is_not_a_source_tree(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not a Python source tree"):
        parse_spec(str(tmp_path))


# -- settings ------------------------------------------------------------------------------


def test_each_mode_has_its_settings_in_one_place() -> None:
    """The gate command, bisect and the self-test all get these from ``gate_settings`` (through
    ``run_gate``): counting under callgrind gets the longer point timeout wherever it runs."""
    for mode in ("paired", "instructions"):
        settings = gate_settings(mode)
        assert (settings.rounds, settings.threshold) == (ROUNDS[mode], THRESHOLDS[mode])
        assert settings.point_timeout == TIMEOUTS[mode]
    assert TIMEOUTS == {"paired": POINT_TIMEOUT, "instructions": 5 * POINT_TIMEOUT}
    assert gate_settings("instructions", rounds=3, threshold=0.1, point_timeout=7).point_timeout == 7
    auto = gate_settings(rounds=AUTO)
    assert auto.auto and auto.most_rounds == AUTO_LOOKS[-1] and not auto.too_few_rounds
    assert (
        gate_settings(rounds=5).too_few_rounds and not gate_settings("instructions", rounds=1).too_few_rounds
    )
    with pytest.raises(GateError, match="--rounds auto is for paired mode"):
        gate_settings("instructions", rounds=AUTO)
    with pytest.raises(GateError, match="unknown mode 'timing'"):
        gate_settings("timing")


# -- paired statistics on synthetic rounds ---------------------------------------------------


def _rounds(ratio: float, noise: float, count: int = 12, seed: int = 1) -> np.ndarray:
    return math.log(ratio) + np.random.default_rng(seed).normal(0.0, noise, count)


def test_a_clear_ten_percent_slowdown_is_significant_against_five() -> None:
    test = paired_test(_rounds(1.10, 0.01), 0.05)
    assert test.p_slower < 0.001 and test.p_faster == pytest.approx(1.0, abs=1e-3)
    assert test.ratio.low > 1.05 and abs(test.ratio.value - 1.10) < 0.02


def test_a_slowdown_within_the_threshold_is_not() -> None:
    test = paired_test(_rounds(1.03, 0.01), 0.05)
    assert test.p_slower > 0.5 and test.p_faster > 0.5


def test_a_clear_speedup_is_significant() -> None:
    test = paired_test(_rounds(0.85, 0.02), 0.05)
    assert test.p_faster < 0.001 and test.p_slower > 0.5


def test_noise_false_positive_rate_stays_below_alpha() -> None:
    """A/A on synthetic rounds: 2000 trials of pure noise, tested against a 0% threshold."""
    trips = sum(paired_test(_rounds(1.0, 0.05, seed=trial), 0.0).p_slower < 0.05 for trial in range(2000))
    assert trips / 2000 < 0.06


def test_benjamini_hochberg_known_answer() -> None:
    adjusted = false_discovery_adjusted([0.01, 0.04, 0.03, 0.5])
    assert list(np.round(adjusted, 6)) == [0.04, 0.053333, 0.053333, 0.5]


# -- real runs -----------------------------------------------------------------------------

POINTS = [Point("baseline", "send", n, "strong", "function") for n in (1, 10, 100)]


@pytest.mark.slow
def test_current_against_itself_passes(tmp_path: Path) -> None:
    specs = {"baseline": parse_spec("current"), "candidate": parse_spec("current")}
    timing = Timing(warmups=0, values=2, min_time=0.001)
    result = run_gate(POINTS, specs, tmp_path, rounds=6, timing=timing, seed=3)
    assert [j.point for j in result.judgements] == POINTS
    assert not result.regressions and result.skipped == {}
    for judgement in result.judgements:
        assert 0.5 < judgement.ratio.value < 2.0 and judgement.p_slower is not None
        assert judgement.mde is not None and judgement.mde >= 0
    assert (tmp_path / "baseline.json").exists() and (tmp_path / "candidate.json").exists()
    markdown = as_markdown(result, specs)
    assert "PASS: `current` vs `current`: 3 benchmarks" in markdown
    assert "| MDE |" in markdown and MDE_NOTE in markdown


@pytest.mark.slow
def test_gate_command_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["gate", "--baseline", "current", "--candidate", "current", "--impl", "baseline"]
    argv += ["--scenario", "create", "--rounds", "6", "--quiet", "-o", "gate.md"]
    assert main(argv) == 0
    assert "PASS" in capsys.readouterr().out and "| `baseline-create` |" in Path("gate.md").read_text()
    for bad, message in (
        (["--rounds", "3"], "--rounds must be at least 6"),
        (["--rounds", "many"], "expected a number of rounds or 'auto', got 'many'"),
        (["--rounds", "auto", "--mode", "instructions"], "--rounds auto is for paired mode"),
        (["--candidate", "./missing"], "no such directory"),
    ):
        with pytest.raises(SystemExit) as info:
            main([*argv, *bad])
        assert info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.slow
def test_rounds_auto_judges_at_its_looks_and_spends_alpha_over_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An A/A gate with --rounds auto: every benchmark stops at one of the looks (the decided
    ones at the first look that decided them), judged at alpha / looks, and says so."""
    monkeypatch.chdir(tmp_path)
    argv = ["gate", "--baseline", "current", "--candidate", "current", "--impl", "baseline"]
    argv += ["--scenario", "create,send", "--receivers", "0,10", "--ref", "strong", "--kind", "function"]
    assert main([*argv, "--rounds", "auto", "--quiet"]) == 0
    out = capsys.readouterr().out
    level = ALPHA / len(AUTO_LOOKS)
    assert f"adjusted p < {level:.3g}; rounds auto: judged after {AUTO_LOOKS[0]}" in out
    (directory,) = (tmp_path / "results").iterdir()
    section = read_results(directory / "baseline.json")["sigbench"]
    assert section["settings"]["rounds"] == "auto" and section["settings"]["alpha_per_look"] == level
    rounds = {p["name"]: p["processes"] for p in section["points"] if p["status"] == "ok"}
    assert len(rounds) == 3 and set(rounds.values()) <= set(AUTO_LOOKS)


def test_noisy_rounds_past_the_threshold_are_inconclusive_not_same() -> None:
    """A median ratio of 1.10 from rounds too noisy to be significant is not called the same."""
    noisy = [math.log(r) for r in [1.10] * 11 + [0.6] * 5 + [2.0] * 4]
    clean = [math.log(r) for r in [1.0, 1.01, 0.99, 1.0, 1.005, 0.995] * 3]
    first, second = paired_verdicts([noisy, clean], 0.05, 0.05, seed=1)
    assert first.p_slower > 0.05 and first.test.ratio.value == pytest.approx(1.10)
    assert (first.verdict, second.verdict) == ("inconclusive", "same")
    # The noisy rounds could not have seen a 5% change; the clean ones could.
    assert first.blind(0.05) and not second.blind(0.05)


def test_slow_turns_are_left_out_but_never_a_whole_round() -> None:
    """Turns with a slow reading on either side are left out of a round; a round read slow in
    every turn is kept whole (its turns still pair), so a paired test keeps its rounds."""
    speed = SpeedKnowledge()
    rng = np.random.default_rng(4)
    quiet = list(1e-7 * np.exp(rng.normal(0, 0.01, 60)))
    speed.add("p", [{"values": [1.0] * 30, "speed": [quiet[i : i + 2] for i in range(0, 60, 2)], "slow": []}])
    calm, slow = [1e-7, 1e-7], [1e-7, 2e-7]

    def side(values: List[float], readings: List[List[float]]) -> Run:
        return {"values": values, "speed": readings, "slow": []}

    mixed = quiet_pairs(
        speed, "p", side([1.0, 2.0, 3.0], [calm, slow, calm]), side([4.0, 5.0, 6.0], [calm] * 3)
    )
    assert mixed == [(1.0, 4.0), (3.0, 6.0)]
    throughout = quiet_pairs(speed, "p", side([1.0, 2.0], [slow, slow]), side([3.0, 4.0], [calm, slow]))
    assert throughout == [(1.0, 3.0), (2.0, 4.0)]
