"""Where lifetime values show: the gate's exact judging (known answers on synthetic records), its
table and Markdown, the report's section "What each library keeps alive" with the leaderboard's
link to it, the run summary, and end to end an A/A gate over real workers."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
import synthetic

from sigbench.analysis.verdicts import KEEPS_LESS, KEEPS_MORE
from sigbench.cli import main
from sigbench.gate.judge import GateResult, judge_kept
from sigbench.report.page import write_report
from sigbench.report.summary import summary_markdown, summary_table
from sigbench.report.text import gate_markdown, gate_text
from sigbench.results.store import read_results
from sigbench.run.envs import parse_spec
from sigbench.suite.points import Point

PAYLOAD = Point("blinker", "retain_payload", 1, "strong", "function")
CYCLE = Point("blinker", "leak_cycle", 0, "strong", "function")
RECONNECT = Point("blinker", "leak_reconnect", 1, "strong", "function")
SIGNAL = Point("blinker", "leak_signal", 10, "strong", "function")
RESIDUE = Point("blinker", "residue_dead", 1, "weak", "function")


def _judged(base: Dict[Point, float], candidate: Dict[Point, float]) -> Dict[str, str]:
    """Each point's verdict with ``base`` and ``candidate`` as its value in two processes."""
    records = [synthetic.record({p: [[v], [v]] for p, v in side.items()}) for side in (base, candidate)]
    found, skipped = judge_kept(list(base), *records)
    assert not skipped
    return {item.point.scenario: item.verdict for item in found}


def test_a_lifetime_value_is_judged_exactly_against_zero_and_the_tolerance() -> None:
    """From 0, any rise keeps more (0.01 objects per send, 4 bytes per cycle); bytes within 8 per
    operation of a nonzero baseline are the same; a rise beyond keeps more; a fall to 0 keeps less."""
    base = {PAYLOAD: 0.0, CYCLE: 0.0, RECONNECT: 100.0, SIGNAL: 3000.0, RESIDUE: 0.0}
    candidate = {PAYLOAD: 0.01, CYCLE: 4.0, RECONNECT: 106.0, SIGNAL: 0.0, RESIDUE: 0.0}
    assert _judged(base, candidate) == {
        "retain_payload": KEEPS_MORE,
        "leak_cycle": KEEPS_MORE,
        "leak_reconnect": "same",
        "leak_signal": KEEPS_LESS,
        "residue_dead": "same",
    }
    assert _judged({RECONNECT: 100.0}, {RECONNECT: 120.0}) == {"leak_reconnect": KEEPS_MORE}
    assert _judged({RECONNECT: 100.0}, {RECONNECT: 80.0}) == {"leak_reconnect": KEEPS_LESS}


def test_where_processes_disagree_only_a_change_beyond_their_spread_counts() -> None:
    """Processes that disagree (Qt's allocations): 15 and 80 bytes against 7 and 172 overlap, the
    same; against 1,100 and 1,200, every value is above every old one by more than 8: keeps more;
    a side that is sometimes 0 is not "rising from 0"; 0 and 0 against 0 and 0.02: the same."""

    def judged(base: List[float], candidate: List[float], point: Point = RECONNECT) -> str:
        records = [synthetic.record({point: [[v] for v in side]}) for side in (base, candidate)]
        found, _ = judge_kept([point], *records)
        return found[0].verdict

    assert judged([15.0, 80.0], [7.0, 172.0]) == "same"
    assert judged([15.0, 80.0], [1100.0, 1200.0]) == KEEPS_MORE
    assert judged([1100.0, 1200.0], [15.0, 80.0]) == KEEPS_LESS
    assert judged([0.0, 80.0], [85.0, 90.0]) == "same"
    assert judged([0.0, 0.0], [0.0, 0.02], PAYLOAD) == "same"
    assert judged([0.0, 0.0], [0.01, 0.02], PAYLOAD) == KEEPS_MORE


def test_a_lifetime_point_that_keeps_more_fails_the_gate_and_is_tabled() -> None:
    records = [synthetic.record({PAYLOAD: [[v], [v]]}) for v in (0.0, 0.01)]
    kept, _ = judge_kept([PAYLOAD], *records)
    result = GateResult([], {}, 0.05, kept=kept)
    assert result.failed and not result.regressions
    specs = {"baseline": parse_spec("current"), "candidate": parse_spec("current")}
    markdown = gate_markdown(result, specs)
    assert markdown.startswith("**FAIL") and "1 lifetime points judged exactly, 1 keep more" in markdown
    row = "| `blinker-retain_payload-1-strong-function` | ✓ | 0.01 objects/send | 0 | 🔴 keeps more |"
    assert row in markdown
    assert "keeps more" in gate_text(result, specs)
    assert "| benchmark |" not in markdown and "MDE" not in markdown  # no timed table when none judged


def _results(tmp_path: Path) -> Path:
    """Two libraries' lifetime points: one keeps nothing, one keeps a payload per hundred sends
    and bytes that differ between its processes; and one send each for the leaderboard."""
    values: Dict[Point, List[List[float]]] = {}
    for impl, payload, cycle in (("blinker", 0.0, [0.0, 0.0]), ("eventkit", 0.01, [64.0, 96.0])):
        values[Point(impl, "retain_payload", 1, "strong", "function")] = [[payload], [payload]]
        values[Point(impl, "leak_cycle", 0, "strong", "function")] = [[cycle[0]], [cycle[1]]]
        values[Point(impl, "send", 10, "strong", "function")] = [[1e-6, 1.1e-6], [1.05e-6, 1e-6]]
    return synthetic.write(tmp_path / "lifetime.json", synthetic.record(values))


def test_the_report_says_what_each_library_keeps_alive(tmp_path: Path) -> None:
    html = write_report([_results(tmp_path)], tmp_path / "out", resamples=100).read_text(encoding="utf-8")
    assert 'id="lifetime"' in html and "What each library keeps alive" in html
    assert 'href="#lifetime"' in html  # the leaderboard links to it
    section = html[html.index('id="lifetime"') :]
    assert "✓" in section and "0.01 objects/send" in section
    assert "80 B/cycle ⚠ varies 64–96" in section
    assert "1 row(s) keep something" in section


def test_the_summary_lists_what_is_kept(tmp_path: Path) -> None:
    document = read_results(_results(tmp_path))
    text = summary_table(document)
    assert "What the libraries keep alive: 2 of 4 lifetime points keep something:" in text
    assert "eventkit-retain_payload-1-strong-function: 0.01 objects/send" in text
    assert "`eventkit-leak_cycle-0-strong-function`: 80 B/cycle ⚠ varies 64–96" in summary_markdown(document)


@pytest.mark.slow
def test_an_a_a_gate_judges_lifetime_points_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real workers on both sides: the lifetime points are measured as ordinary runs beside the
    paired rounds and judged the same; the gate passes and says so."""
    monkeypatch.chdir(tmp_path)
    argv = ["gate", "--baseline", "current", "--candidate", "current", "--impl", "baseline"]
    argv += ["--scenario", "send,retain_payload,leak_signal", "--receivers", "1,10", "--kind", "function"]
    assert main([*argv, "--ref", "strong", "--rounds", "6", "--quiet", "-o", "gate.md"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "lifetime points judged exactly, 0 keep more" in out
    markdown = Path("gate.md").read_text()
    assert "| `baseline-retain_payload-1-strong-function` | ✓ | ✓ | 0 | same |" in markdown
    (directory,) = (tmp_path / "results").iterdir()
    kept = read_results(directory / "candidate-lifetime.json")["sigbench"]["points"]
    assert {item["scenario"] for item in kept if item["status"] == "ok"} == {"retain_payload", "leak_signal"}
