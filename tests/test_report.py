"""The HTML report: its sections, its self-containment, and the escaping of every string from a file."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Tuple

import pandas
import pyperf
import pytest
import synthetic

from sigbench.report.charts import DISTINCT_COLOURS
from sigbench.report.page import write_report
from sigbench.report.sections.common import ratio_bound_text, script_hash
from sigbench.report.sections.scenarios import charted
from sigbench.report.text import ns
from sigbench.results.store import ResultsError
from sigbench.slugs import slug
from sigbench.suite.points import Point
from sigbench.suite.records import Status

HOSTILE = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">'


class _Tags(HTMLParser):
    """Counts start tags and collects text, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Dict[str, int] = {}
        self.text: List[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def _values() -> synthetic.Values:
    values: synthetic.Values = {}
    costs = (("baseline", 80e-9, 40e-9), ("blinker", 600e-9, 900e-9), ("pyee", 300e-9, 200e-9))
    for impl, fixed, slope in costs:
        values.update(synthetic.linear(impl, "send", fixed, slope, spread=0.05))
        values.update(synthetic.linear(impl, "connect", 0.0, slope * 2, spread=0.05))
    values[Point("blinker", "send", 10, "weak", "function")] = [[9e-6] * 3] * 3
    values[Point("blinker", "create", 0)] = [[5e-7] * 3] * 3
    return values


UNMEASURED: List[Tuple[Point, Status, str]] = [
    (Point("baseline", "send", 10, "weak", "function"), "not_applicable", "a plain list holds strongly"),
    (Point("baseline", "send", 100, "weak", "function"), "not_applicable", "a plain list holds strongly"),
    (Point("pyee", "send", 10, "weak", "function"), "not_applicable", "pyee holds strongly"),
    (Point("blinker", "send", 1, "weak", "method"), "crashed", "worker killed by signal 11 (SIGSEGV)"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("report")
    path = synthetic.write(directory / "run.json", synthetic.record(_values(), UNMEASURED))
    return write_report([path], directory / "out", resamples=200).read_text(encoding="utf-8")


def test_leaderboard_ranks_send_to_ten_receivers(report: str) -> None:
    table = re.search(r'<table id="T_leaderboard".*?</table>', report, re.S)
    assert table
    rows = re.findall(r"<tr>.*?</tr>", table.group(0).split("<tbody>")[1], re.S)
    names = [re.findall(r"<td[^>]*>([^<]*)</td>", row)[1] for row in rows]
    assert names == ["baseline", "pyee", "blinker"]  # fastest first
    blinker = rows[2]
    assert ">9,600<" in blinker  # 600 ns + 10 x 900 ns, as ns per send
    assert ">20<" in blinker  # ratio to baseline: 9600 / 480


def test_every_section_is_there(report: str) -> None:
    for anchor in ("leaderboard", "scenario-create", "scenario-connect", "scenario-send", "modes", "scaling"):
        assert f'id="{anchor}"' in report
    for anchor in ("not-measured", "environment", "methodology"):
        assert f'id="{anchor}"' in report
    assert report.count('<figure class="chart"><svg') == 5  # leaderboard, create, connect, send x 2
    assert "weak references, function receivers" in report  # the second send view
    assert "worker killed by signal 11 (SIGSEGV)" in report  # a failure with its reason
    assert "a plain list holds strongly" in report and "pyee holds strongly" in report
    assert "synthetic: 3 processes" in report  # the environment names the profile


def test_the_contents_link_every_section_in_page_order(report: str) -> None:
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", report, re.S)
    assert nav
    links = re.findall(r'<a href="#([^"]+)">', nav.group(1))
    assert links == re.findall(r'<section id="([^"]+)"', report)
    assert links[0] == "leaderboard" and links[-1] == "methodology"


def test_page_is_self_contained_and_its_script_is_allowed_by_hash(report: str) -> None:
    assert not re.search(r'<link|src="|@import|url\((?!#)', report)
    assert "https://" not in report.replace("http://www.w3.org/", "")
    scripts = re.findall(r"<script>(.*?)</script>", report, re.S)
    assert len(scripts) == 1
    assert f"script-src '{script_hash(scripts[0])}'" in report


def test_chart_ids_are_unique_on_the_page(report: str) -> None:
    ids = re.findall(r' id="([^"]+)"', report)
    assert len(ids) == len(set(ids))


def test_every_string_from_a_results_file_is_escaped(tmp_path: Path) -> None:
    run = synthetic.record(
        _values(),
        [(Point("pyee", "send", 10, "weak", "function"), "not_applicable", HOSTILE)],
        versions={"blinker": HOSTILE},
        environment={"python_version": "3.11.7", "hostname": HOSTILE, "cpu_model_name": HOSTILE},
    )
    run.libraries = {"blinker": HOSTILE}
    sigbench_file = synthetic.write(tmp_path / "hostile.json", run)
    plain = tmp_path / "plain.json"
    runs = [pyperf.Run([1e-6, 2e-6], metadata={"name": HOSTILE, "hostname": HOSTILE}, collect_metadata=False)]
    pyperf.BenchmarkSuite([pyperf.Benchmark(runs)]).dump(str(plain))
    html = write_report([sigbench_file, plain], tmp_path / "out", resamples=100).read_text(encoding="utf-8")
    parsed = _parse(html)
    assert parsed.tags.get("script") == 1 and "img" not in parsed.tags
    text = "".join(parsed.text)
    assert text.count(HOSTILE) >= 5  # shown as text: reason, version, hostname, cpu, library, name
    assert "<script>window" not in html and 'onerror="window' not in html


def test_nothing_measured_still_reports_the_failures(tmp_path: Path) -> None:
    run = synthetic.record({}, [(Point("qt", "send", 10, "strong", "function"), "crashed", "signal 6")])
    index = write_report([synthetic.write(tmp_path / "r.json", run)], tmp_path / "out", resamples=100)
    html = index.read_text(encoding="utf-8")
    assert "No send to 10 receivers was measured." in html and "signal 6" in html


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    good = synthetic.write(tmp_path / "good.json", synthetic.record(_values()))
    bad = tmp_path / "bad.json"
    bad.write_text('{"benchmarks": [', encoding="utf-8")
    with pytest.raises(ResultsError, match=re.escape(f"{bad}: not valid JSON")):
        write_report([good, bad], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_report_json_summarises_the_report_for_the_site(tmp_path: Path) -> None:
    path = synthetic.write(tmp_path / "run1.json", synthetic.record(_values(), UNMEASURED))
    write_report([path], tmp_path / "out", resamples=100)
    summary = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert summary["runs"] == ["run1"] and summary["points"] == len(_values())
    assert summary["implementations"] == ["baseline", "blinker", "pyee"]
    assert summary["not_measured"] == {"crashed": 1, "not_applicable": 3}


@pytest.mark.parametrize(
    "text, expected",
    [("../../etc/passwd", "etc_passwd"), ("..", "_"), ("", "_"), ("run 1/ü", "run_1"), ("a.b-c", "a.b-c")],
)
def test_slug_never_leaves_the_directory(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_ns_formatting() -> None:
    assert ns(8.5994e-6) == "8,599" and ns(57.79e-9) == "57.8" and ns(float("nan")) == ""


def test_both_bounds_of_a_ratio_show_the_same_precision() -> None:
    bounds = (1.9, 2.03, 16.0, 0.898, 99.96, 150.2, float("nan"))
    assert [ratio_bound_text(value) for value in bounds] == [
        "1.90",
        "2.03",
        "16.0",
        "0.898",
        "100",
        "150",
        "",
    ]


def _leaderboard_rows(html: str) -> List[List[str]]:
    """The leaderboard's rows, as the cells' texts."""
    table = re.search(r'<table id="T_leaderboard".*?</table>', html, re.S)
    assert table
    rows = re.findall(r"<tr>.*?</tr>", table.group(0).split("<tbody>")[1], re.S)
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in rows]


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with an A/A twin, PySide6 (``qt``) and pyee measured below its newest release."""
    directory = tmp_path_factory.mktemp("shapes")
    values = _values()
    for impl, fixed, slope in (("blinker_twin", 600e-9, 900e-9), ("qt", 1000e-9, 150e-9)):
        values.update(synthetic.linear(impl, "send", fixed, slope, spread=0.05))
    run = synthetic.record(values, versions={"blinker": "1.9.0", "pyee": "13.0.1", "qt": "6.11.3"})
    run.libraries = {"blinker": "1.9.0", "pyee": "13.0.1", "PySide6-Essentials": "6.11.3"}
    run.newest = {"blinker": "1.9.0", "pyee": "16.1.0", "PySide6-Essentials": None}
    path = synthetic.write(directory / "run.json", run)
    write_report([path], directory / "out", resamples=200)
    return directory / "out"


def test_the_a_a_twin_is_shown_with_the_twins_not_ranked(shapes: Path) -> None:
    html = (shapes / "index.html").read_text(encoding="utf-8")
    rows = _leaderboard_rows(html)
    assert [row[1] for row in rows] == ["baseline", "pyee", "PySide6", "blinker"]
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]  # ranks without a gap
    board = html[html.index('id="leaderboard"') : html.index("</section>", html.index('id="leaderboard"'))]
    check = re.search(r'<p class="check">Not ranked: (.*?)</p>', board, re.S)
    assert check and check.group(1).startswith("blinker_twin is blinker under a second name, an A/A check")
    assert "×1.000 (" in check.group(1) and "9,600 ns per send" in check.group(1)
    assert 'href="#twins"' in check.group(1)
    summary = json.loads((shapes / "report.json").read_text(encoding="utf-8"))
    assert [row["implementation"] for row in summary["leaderboard"]] == [
        "baseline",
        "pyee",
        "PySide6",
        "blinker",
    ]
    assert summary["checks"] and summary["checks"][0].startswith("blinker_twin is blinker")
    assert summary["title"].startswith("3 implementations and the plain list")  # twin not counted
    assert summary["twins"].startswith("PASS: twins")


def test_the_leaderboard_gives_every_figure_its_interval(shapes: Path) -> None:
    rows = _leaderboard_rows((shapes / "index.html").read_text(encoding="utf-8"))
    blinker = rows[3]
    low, high = (float(text.replace(",", "")) for text in blinker[4].split("–"))
    assert blinker[3] == "9,600" and low < 9600 < high
    low, high = (float(text) for text in blinker[6].split("–"))
    assert blinker[5] == "20" and low < 20 < high
    summary = json.loads((shapes / "report.json").read_text(encoding="utf-8"))
    row = summary["leaderboard"][3]
    assert row["ns_low"] < row["ns"] < row["ns_high"] and row["ns"] == pytest.approx(9600)
    assert row["ratio_low"] < row["ratio"] < row["ratio_high"] and row["ratio"] == pytest.approx(20)
    assert summary["leaderboard"][0]["ratio"] is None and summary["leaderboard"][0]["ratio_low"] is None


def test_a_version_below_the_newest_release_says_so(shapes: Path) -> None:
    html = (shapes / "index.html").read_text(encoding="utf-8")
    versions = {row[1]: row[2] for row in _leaderboard_rows(html)}
    assert versions["pyee"] == "13.0.1 (newest for 3.11: 16.1.0)"
    assert versions["blinker"] == "1.9.0" and versions["PySide6"] == "6.11.3"  # newest, or unknown
    environment = html[html.index('id="environment"') :]
    assert "13.0.1 (newest for 3.11: 16.1.0)" in environment and "1.9.0 (newest" not in environment
    summary = json.loads((shapes / "report.json").read_text(encoding="utf-8"))
    assert summary["leaderboard"][1]["version"] == "13.0.1 (newest for 3.11: 16.1.0)"


def test_pyside6_is_named_as_such(shapes: Path) -> None:
    html = (shapes / "index.html").read_text(encoding="utf-8")
    text = "".join(_parse(html).text)
    assert "PySide6" in text
    assert not re.search(r"(?<![\w-])qt(?![\w-])", text)  # only in point names such as qt-send-10-…


def test_every_chart_refers_only_to_its_own_ids_and_scopes_its_styles(report: str) -> None:
    charts = re.findall(r'<svg [^>]*id="([^"]+)".*?</svg>', report, re.S)
    assert charts
    for chart_id, svg in zip(charts, re.findall(r"<svg .*?</svg>", report, re.S)):
        ids = set(re.findall(r' id="([^"]+)"', svg))
        referred = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
        assert referred <= ids and all(i == chart_id or i.startswith(chart_id + "-") for i in ids)
        classes = set(re.findall(r' class="([^"]+)"', svg))
        css = re.findall(r"<style[^>]*>(.*?)</style>", svg, re.S)
        selectors = [selector.split(" ") for selector in re.findall(r"([^{}]+)\{[^}]*\}", "".join(css))]
        assert {scope for scope, _ in selectors} == {f"#{chart_id}"}
        assert classes <= {rule.lstrip(".") for _, rule in selectors}
        assert "<g>" not in svg


def test_a_chart_with_more_labels_than_colours_draws_one_interpreter() -> None:
    rows = [
        {"label": f"{impl} {version} py{python}", "impl": impl, "impl_version": version, "python": python}
        for impl in ("blinker", "pyee", "psygnal", "django", "pluggy")
        for python in ("3.9.18", "3.10.13", "3.12.1", "3.13.0")
        for version in ("1.0", "2.0")
        if not (python == "3.9.18" and impl == "pluggy")
    ]
    chosen = pandas.DataFrame(rows)
    assert chosen["label"].nunique() > DISTINCT_COLOURS
    shown, palette, note = charted(chosen, {})
    # 3.10, 3.12 and 3.13 measured all five: the newest of them; each implementation's newest release.
    assert sorted(shown["label"]) == sorted(f"{impl} 2.0 py3.13.0" for impl in set(chosen["impl"]))
    assert len({palette[label] for label in shown["label"]}) == 5
    assert "Python 3.13.0" in note and "newest release" in note
    few = chosen[chosen["python"] == "3.13.0"]
    assert charted(few, {"x": "#000"}) == (few, {"x": "#000"}, "")
    unknown = chosen.assign(python=None)  # no interpreter recorded: nothing to choose by
    assert charted(unknown, {})[0] is unknown
