"""The site index: every report listed newest first, broken entries skipped, foreign pages kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from sigbench.report.site import GENERATOR, update_site


def _report(site: Path, name: str, **fields: Any) -> None:
    summary: Dict[str, Any] = {
        "title": f"sigbench report: {name}",
        "runs": [name],
        "started": None,
        "created": "2026-01-01T00:00:00+00:00",
        "points": 3,
        "implementations": ["baseline", "blinker"],
        "not_measured": {"crashed": 1},
        **fields,
    }
    (site / name).mkdir()
    (site / name / "index.html").write_text("<p>report</p>", encoding="utf-8")
    (site / name / "report.json").write_text(json.dumps(summary), encoding="utf-8")


def test_lists_reports_newest_first(tmp_path: Path) -> None:
    _report(tmp_path, "older", started="2026-01-01T00:00:00+00:00")
    _report(tmp_path, "newer", started="2026-03-01T00:00:00+00:00")
    _report(tmp_path, "middle", started="2026-02-01T00:00:00+00:00")
    index, warnings = update_site(tmp_path)
    assert index == tmp_path / "index.html" and warnings == []
    html = index.read_text(encoding="utf-8")
    assert GENERATOR in html
    positions = [html.index(f'href="{name}/index.html"') for name in ("newer", "middle", "older")]
    assert positions == sorted(positions)
    assert "1 crashed" in html and "1 implementation (blinker) and the plain list, 3 points" in html


@pytest.mark.parametrize(
    "names, holds",
    [
        (["baseline", "blinker", "django"], "2 implementations (blinker, django) and the plain list"),
        (["baseline"] + [f"lib{i}" for i in range(18)], "18 implementations and the plain list"),
        (["blinker"], "1 implementation (blinker)"),
        (["baseline", "qt"], "1 implementation (PySide6) and the plain list"),
        (["baseline"], "the plain list"),
        (
            ["baseline", "blinker", "blinker_twin"],
            "1 implementation (blinker), the plain list and an A/A twin",
        ),
    ],
)
def test_counts_implementations_as_the_title_does(tmp_path: Path, names: List[str], holds: str) -> None:
    """The plain list is counted apart, as in a run's title ("18 implementations and the plain list")."""
    _report(tmp_path, "run", implementations=names)
    index, _ = update_site(tmp_path)
    assert index is not None and f"{holds}, 3 points" in index.read_text(encoding="utf-8")


def test_an_empty_site_says_so(tmp_path: Path) -> None:
    index, _ = update_site(tmp_path)
    assert index is not None and "No report yet" in index.read_text(encoding="utf-8")


def test_rewrites_its_own_index(tmp_path: Path) -> None:
    update_site(tmp_path)
    _report(tmp_path, "later")
    index, _ = update_site(tmp_path)
    assert index is not None and "later/index.html" in index.read_text(encoding="utf-8")


def test_links_to_the_documentation_only_where_it_was_built_beside_the_reports(tmp_path: Path) -> None:
    """The Pages workflow builds the docs into ``reports/docs/``: the index links to them there, and
    nowhere else (a local ``reports/`` has none, and a link would be broken)."""
    _report(tmp_path, "run")
    index, _ = update_site(tmp_path)
    assert index is not None and "Documentation" not in index.read_text(encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.html").write_text("<p>docs</p>", encoding="utf-8")
    index, warnings = update_site(tmp_path)
    assert index is not None and warnings == []
    html = index.read_text(encoding="utf-8")
    assert '<a href="docs/index.html">Documentation</a>' in html
    assert html.count("/index.html") == 2  # the documentation and the one report


def test_never_overwrites_an_index_it_did_not_write(tmp_path: Path) -> None:
    foreign = tmp_path / "index.html"
    foreign.write_text("<h1>my own page</h1>", encoding="utf-8")
    _report(tmp_path, "run")
    index, warnings = update_site(tmp_path)
    assert index is None and "not written by sigbench" in warnings[0]
    assert foreign.read_text(encoding="utf-8") == "<h1>my own page</h1>"


def test_broken_summaries_are_skipped_with_a_warning(tmp_path: Path) -> None:
    _report(tmp_path, "good")
    _report(tmp_path, "wrong-type", points="many")
    (tmp_path / "truncated").mkdir()
    (tmp_path / "truncated" / "report.json").write_text('{"title": ', encoding="utf-8")
    index, warnings = update_site(tmp_path)
    assert index is not None
    html = index.read_text(encoding="utf-8")
    assert "good/index.html" in html and "wrong-type" not in html and "truncated" not in html
    assert sorted(w.split("/")[-2] for w in warnings) == ["truncated", "wrong-type"]


def test_titles_and_names_are_escaped(tmp_path: Path) -> None:
    hostile = "<img src=x onerror=alert(2)>"
    board = [{"implementation": hostile, "version": hostile, "ns": 1.0}]
    _report(
        tmp_path,
        'x"><b onmouseover=alert(1)>',
        title="<img src=x onerror=alert(1)>",
        leaderboard=board,
        checks=[hostile],
        twins=hostile,
    )
    index, _ = update_site(tmp_path)
    assert index is not None
    html = index.read_text(encoding="utf-8")
    assert "<b " not in html and "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(2)&gt;") == 4
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="x%22%3E%3Cb%20onmouseover%3Dalert%281%29%3E/index.html"' in html


BOARD = [
    {"implementation": "zope_event", "version": "6.2", "ns": 428.4, "ns_low": 419.6, "ns_high": 440.2}
    | {"ratio": 0.925, "ratio_low": 0.898, "ratio_high": 0.961},
    {"implementation": "baseline", "version": "3.11.7", "ns": 462.0, "ns_low": 452.1, "ns_high": 477.0}
    | {"ratio": None, "ratio_low": None, "ratio_high": None},
    {"implementation": "reactivex", "version": "4.1.0 (newest for 3.11: 6.1.1)", "ns": 1565.0}
    | {"ns_low": 1523.0, "ns_high": 1577.0, "ratio": 3.37, "ratio_low": 3.25, "ratio_high": 3.47},
]


def _board(html: str) -> str:
    return html[html.index("Newest run") : html.index("<h2>Reports</h2>")]


def test_the_newest_runs_leaderboard_and_each_reports_headline_are_on_the_landing_page(
    tmp_path: Path,
) -> None:
    _report(
        tmp_path, "history", started="2026-03-01T00:00:00+00:00", kind="history", headline="1.5 → 1.6 (29)"
    )
    _report(tmp_path, "old-run", started="2026-01-01T00:00:00+00:00", leaderboard=[BOARD[0]], headline="old")
    _report(tmp_path, "run", started="2026-02-01T00:00:00+00:00", leaderboard=BOARD, profile="quick")
    index, warnings = update_site(tmp_path)
    assert index is not None and warnings == []
    html = index.read_text(encoding="utf-8")
    board = _board(html)
    assert 'href="run/index.html"' in board and "old-run" not in board  # the newest run with one
    assert '<td>reactivex<br><span class="aside">4.1.0 (newest for 3.11: 6.1.1)</span></td>' in board
    # Each figure with its 95% CI, as the page promises.
    assert '<td>1,565<br><span class="aside">1,523–1,577</span></td>' in board
    assert '<td>×3.37<br><span class="aside">3.25–3.47</span></td>' in board
    assert '<td>428<br><span class="aside">420–440</span></td>' in board
    assert "<td>×0.93<br>" in board and "0.90–0.96" in board
    assert "1.5 → 1.6 (29)" in html and "quick profile" in html


def test_a_leaderboard_from_before_the_intervals_is_still_listed(tmp_path: Path) -> None:
    """A report.json written before the index showed CIs and versions: its figures alone."""
    _report(tmp_path, "run", leaderboard=[{"implementation": "pyee", "ns": 1853.0, "ratio": 3.99}])
    index, warnings = update_site(tmp_path)
    assert index is not None and warnings == []
    board = _board(index.read_text(encoding="utf-8"))
    assert "<td>pyee</td>" in board and "<td>1,853</td>" in board and "<td>×3.99</td>" in board


def test_the_a_a_twin_is_shown_with_the_twins_not_ranked(tmp_path: Path) -> None:
    check = (
        "blinker_twin is blinker under a second name, an A/A check of the harness and not an implementation"
    )
    twins = "PASS: twins (the same code under two names) must agree within ±3%: 4 points compared"
    _report(
        tmp_path,
        "run",
        leaderboard=BOARD,
        checks=[check],
        twins=twins,
        implementations=["baseline", "blinker", "blinker_twin", "pyee"],
    )
    index, _ = update_site(tmp_path)
    assert index is not None
    html = index.read_text(encoding="utf-8")
    board = _board(html)
    ranked, twin_part = board.split("<h3>Twins: a check, not ranked</h3>")
    assert "blinker_twin" not in ranked
    assert check in twin_part and twins in twin_part and 'href="run/index.html#twins"' in twin_part
    assert "2 implementations (blinker, pyee), the plain list and an A/A twin, 3 points" in html


def test_a_hostile_leaderboard_is_not_listed(tmp_path: Path) -> None:
    _report(tmp_path, "good", leaderboard=BOARD)
    _report(tmp_path, "bad", leaderboard=[{"implementation": "<b>x</b>", "ns": "fast", "ratio": None}])
    _report(tmp_path, "worse", headline=["not", "text"])
    index, warnings = update_site(tmp_path)
    assert index is not None and len(warnings) == 2
    html = index.read_text(encoding="utf-8")
    assert "good/index.html" in html and "bad/index.html" not in html and "worse/index.html" not in html
