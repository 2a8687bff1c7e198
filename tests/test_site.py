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
        (["baseline"], "the plain list"),
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
    _report(tmp_path, 'x"><b onmouseover=alert(1)>', title="<img src=x onerror=alert(1)>")
    index, _ = update_site(tmp_path)
    assert index is not None
    html = index.read_text(encoding="utf-8")
    assert "<b " not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="x%22%3E%3Cb%20onmouseover%3Dalert%281%29%3E/index.html"' in html


BOARD = [
    {"implementation": "zope_event", "ns": 428.4, "ratio": 0.925},
    {"implementation": "baseline", "ns": 462.0, "ratio": None},
    {"implementation": "pypubsub (weak function)", "ns": 6966.0, "ratio": 15.07},
]


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
    board = html[html.index("Newest run") : html.index("<h2>Reports</h2>")]
    assert 'href="run/index.html"' in board and "old-run" not in board  # the newest run with one
    assert [
        line for line in BOARD[2:] if f'<td style="text-align: left">{line["implementation"]}</td>' in board
    ]
    assert "<td>6,966</td><td>×15.07</td>" in board and "<td>428</td><td>×0.93</td>" in board
    assert "1.5 → 1.6 (29)" in html and "quick profile" in html


def test_a_hostile_leaderboard_is_not_listed(tmp_path: Path) -> None:
    _report(tmp_path, "good", leaderboard=BOARD)
    _report(tmp_path, "bad", leaderboard=[{"implementation": "<b>x</b>", "ns": "fast", "ratio": None}])
    _report(tmp_path, "worse", headline=["not", "text"])
    index, warnings = update_site(tmp_path)
    assert index is not None and len(warnings) == 2
    html = index.read_text(encoding="utf-8")
    assert "good/index.html" in html and "bad/index.html" not in html and "worse/index.html" not in html
