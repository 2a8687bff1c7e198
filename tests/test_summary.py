"""The terminal summary: median ns per operation and the ratio to baseline, on known values."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

import pytest

from sigbench.report.summary import summary_markdown, summary_table
from sigbench.report.text import markdown_text, printable
from sigbench.results.store import PointRecord, RunRecord, to_document
from sigbench.suite.points import Point
from sigbench.suite.records import ProcessRun, Status
from sigbench.worker.matrix import baseline_for


def _document(
    measured: Dict[Point, List[float]], unmeasured: Optional[List[Tuple[Point, Status, str]]] = None
) -> dict:
    record = RunRecord(
        profile="tiny",
        settings={
            "warmups": 0,
            "values": 2,
            "min_time": 0.001,
            "processes": 1,
            "seed": 1,
            "point_timeout": 60,
        },
        commit="abc",
        started="2024-01-01T00:00:00+00:00",
        libraries={"pyperf": "2.10.0"},
        implementations={
            name: {"available": True, "version": "1.0"}
            for name in ("baseline", "blinker", "pyee", "qt", "pypubsub")
        },
    )
    for point, values in measured.items():
        run: ProcessRun = {
            "values": values,
            "warmups": [],
            "loops": 8,
            "inner_loops": 1,
            "date": "2024-01-01",
            "duration": 0.1,
        }
        record.points[point.name] = PointRecord(point, runs=[run])
    for point, status, reason in unmeasured or []:
        record.points[point.name] = PointRecord(point, status=status, reason=reason)
    return to_document(record)


def _header(table: str, scenario: str) -> str:
    return next(line for line in table.splitlines() if line.startswith(f"{scenario} (per "))


def _row(table: str, first: str, scenario: str) -> List[str]:
    """The cells of the row starting with ``first`` in the table of ``scenario``."""
    lines = table.splitlines()
    start = lines.index(_header(table, scenario))
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = line.split()
        if cells[0] == first:
            return cells[1:]
    raise AssertionError(f"no {first!r} row for {scenario} in:\n{table}")


def _send(impl: str, receivers: int, ref: str = "strong", kind: str = "function") -> Point:
    return Point(impl, "send", receivers, ref, kind)


def test_ratio_to_baseline_of_a_known_double() -> None:
    document = _document(
        {
            _send("baseline", 10): [1.0e-6, 1.1e-6, 0.9e-6],  # median 1000 ns
            _send("blinker", 10): [2.0e-6, 2.2e-6, 1.8e-6],  # median 2000 ns: x2
            _send("baseline", 1): [5.0e-8, 5.0e-8, 5.0e-8],  # 50 ns: printed with a decimal
            _send("blinker", 1): [1.5e-7, 1.5e-7, 1.5e-7],  # 150 ns: x3
        }
    )
    table = summary_table(document)
    assert table.splitlines()[0] == (
        "Median ns per operation (×ratio to baseline), bytes or objects for memory and lifetime "
        "scenarios; strong references, "
        "function receivers, or (in parentheses) an implementation's or scenario's own core mode where "
        "it has none of those."
    )
    assert _header(table, "send").split() == ["send", "(per", "send)", "n=1", "n=10"]
    assert _row(table, "baseline", "send") == ["50.0", "1,000"]
    assert _row(table, "blinker", "send") == ["150", "×3.00", "2,000", "×2.00"]
    assert "Not measured" not in table


def test_filtered_sends_and_weak_points_compare_with_the_strong_plain_send() -> None:
    document = _document(
        {
            _send("baseline", 10): [1.0e-6] * 3,
            Point("blinker", "send_matched", 10, "weak", "function"): [4.0e-6] * 3,
            Point("blinker", "send_unmatched", 10, "weak", "function"): [5.0e-7] * 3,
        }
    )
    table = summary_table(document)
    assert _row(table, "blinker", "send_matched") == ["4,000", "×4.00"]
    assert _row(table, "blinker", "send_unmatched") == ["500", "×0.50"]


def test_most_common_combination_is_shown() -> None:
    document = _document(
        {
            _send("blinker", 10, "weak", "method"): [1e-6] * 3,
            Point("blinker", "connect", 10, "weak", "method"): [1e-7] * 3,
            _send("blinker", 10, "strong", "function"): [9e-7] * 3,
        }
    )
    table = summary_table(document)
    assert "weak references, method receivers" in table.splitlines()[0]
    assert _row(table, "blinker", "send") == ["1,000"]  # the weak method point, no baseline to compare


def test_unmeasured_points_are_counted_and_problems_listed() -> None:
    document = _document(
        {_send("baseline", 10): [1e-6] * 3, _send("blinker", 10): [1e-6] * 3},
        [
            (_send("baseline", 10, "weak"), "not_applicable", "a plain list holds strongly"),
            (_send("qt", 10), "crashed", "worker killed by signal 6"),
            (_send("pyee", 10), "failed", "conformance: send: 1 receiver(s) not called"),
        ],
    )
    table = summary_table(document)
    assert "Not measured: 1 crashed, 1 failed, 1 not applicable" in table
    assert "  qt-send-10-strong-function: crashed: worker killed by signal 6" in table
    assert "  pyee-send-10-strong-function: failed: conformance: send: 1 receiver(s) not called" in table
    assert "a plain list holds strongly" not in table  # not applicable is not a problem


def test_nothing_measured_still_says_why() -> None:
    document = _document({}, [(_send("qt", 10), "crashed", "worker killed by signal 6")])
    table = summary_table(document)
    assert table.startswith("No point was measured.")
    assert "Not measured: 1 crashed" in table
    assert "  qt-send-10-strong-function: crashed: worker killed by signal 6" in table


@pytest.mark.parametrize(
    "point, expected",
    [
        (_send("blinker", 10, "weak", "method"), _send("baseline", 10, "strong", "method")),
        (Point("pyee", "send_matched", 100, "strong", "function"), _send("baseline", 100)),
        (Point("django", "send_unmatched", 1, "weak", "function"), _send("baseline", 1)),
        (Point("qt", "connect", 10, "weak", "method"), Point("baseline", "connect", 10, "strong", "method")),
        (Point("blinker", "create", 0), Point("baseline", "create", 0)),
    ],
    ids=lambda value: value.name,
)
def test_baseline_for(point: Point, expected: Point) -> None:
    assert baseline_for(point) == expected


# -- Markdown ----------------------------------------------------------------------------------

HOSTILE_TEXTS = [
    "[click](https://evil.example)",
    "![img](https://evil.example/x.png)",
    "https://evil.example and www.evil.example",
    "a | b | c",
    "`code` and ``more``",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "*bold* _em_ ~~gone~~ # heading",
    "line\nbreak\r\n| --- |",
    "\\| escaped pipe \\",
    "` leading and trailing `",
    "",
]


def _markdown() -> object:
    markdown_it = pytest.importorskip("markdown_it")
    pytest.importorskip("linkify_it")  # GitHub turns bare URLs into links: so does the test parser
    return markdown_it.MarkdownIt("gfm-like")


def _plain_tokens(html: str) -> None:
    assert "<a " not in html and "<img" not in html and "<script" not in html and "<em>" not in html
    assert "<strong>" not in html and "<s>" not in html and "<h1>" not in html


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_markdown_text_stays_text_in_one_table_cell(text: str) -> None:
    parser = _markdown()
    table = f"| name | n |\n|---|---:|\n| {markdown_text(text)} | 1 |\n| after | 2 |\n"
    html = parser.render(table)  # type: ignore[attr-defined]
    _plain_tokens(html)
    assert html.count("<tr>") == 3 and html.count("<td") == 4  # the row still has two cells
    code = re.search(r"<td><code>(.*?)</code></td>", html, re.S)
    assert code is not None
    shown = (
        code.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )
    assert shown.strip() == printable(text).strip()


def test_markdown_summary_of_a_run_with_a_hostile_reason() -> None:
    parser = _markdown()
    document = _document(
        {_send("baseline", 10): [1.0e-6, 1.0e-6], _send("blinker", 10): [2.0e-6, 2.0e-6]},
        [(_send("qt", 10), "crashed", "[see](https://evil.example) <img src=x onerror=alert(1)> | x")],
    )
    markdown = summary_markdown(document)
    html = parser.render(markdown)  # type: ignore[attr-defined]
    caption, html = html.split("</p>", 1)
    assert caption.startswith("<p><strong>Median ns per operation")
    _plain_tokens(html)
    assert "<td><code>blinker</code></td>" in html and ">1,000<" in html and ">2,000 ×2.00<" in html
    assert "<li><code>qt-send-10-strong-function</code>: crashed: <code>[see](https://evil.example)" in html


def test_a_library_that_holds_receivers_weakly_only_shows_in_its_own_mode() -> None:
    """pypubsub cannot hold a function strongly: its row shows its weak sends, and says so."""
    document = _document(
        {
            _send("baseline", 10): [1.0e-6, 1.0e-6, 1.0e-6],
            _send("blinker", 10): [2.0e-6, 2.0e-6, 2.0e-6],
            _send("pypubsub", 10, "weak"): [7.0e-6, 7.0e-6, 7.0e-6],
        }
    )
    table = summary_table(document)
    assert _row(table, "pypubsub", "send") == ["(weak", "function)", "7,000", "×7.00"]
