"""The report in a real browser: headless Chromium loads it under its Content-Security-Policy with
no console errors, every chart renders, the leaderboard sorts (so the inline script ran), a
full-page screenshot is written, and hostile strings from results files stay text.

Needs selenium, Chromium and its chromedriver (Debian: ``apt-get install chromium
chromium-driver``); skipped when any is missing.  Selenium Manager is never asked to fetch a
driver: both paths are given explicitly.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pyperf
import pytest
from conftest import chromium
from synthetic import record, write

from sigbench.report.page import write_report
from sigbench.results.table import load_results
from sigbench.suite.adapters import display_name
from sigbench.suite.points import Point
from sigbench.worker.twins import is_check_only

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: The newest published default run (results/<UTC timestamp>.json).
RESULTS = sorted((ROOT / "results").glob("2*.json"))[-1]
SCREENSHOT = ROOT / "build" / "screenshots" / "report.png"
#: Taller pages are scaled down to this height: taller captures can exceed Chromium's texture limit.
MAX_SCREENSHOT_HEIGHT = 16000
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--window-size=1400,1000",
)
#: Per chart: its number of <svg> elements, rendered size and number of drawn elements.
CHARTS_JS = """
return Array.from(document.querySelectorAll("figure.chart")).map(function (figure) {
  var svgs = figure.querySelectorAll("svg");
  var box = svgs.length ? svgs[0].getBoundingClientRect() : {width: 0, height: 0};
  return {
    id: svgs.length ? svgs[0].id : "",
    svgs: svgs.length,
    width: box.width,
    height: box.height,
    paths: svgs.length ? svgs[0].querySelectorAll("path, line, polyline, rect, use").length : 0,
    texts: svgs.length ? svgs[0].querySelectorAll("text").length : 0,
  };
});
"""
#: Hostile strings: each would run script or load an image if it reached the page as markup.
REASON = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">'
BENCHMARK_NAMES = ("<script>window.__pwned=3</script>", '"><img src=x onerror=window.__pwned=4>')
HOSTNAME = '</td></tr></table><img src=x onerror="window.__pwned=5">'
LIBRARY = '<img src=x onerror="window.__pwned=6">'
LIBRARY_VERSION = "</title><script>window.__pwned=7</script>"
#: File names become run names (title, columns, table cells); "/" cannot appear in one.
SIGBENCH_FILE = '"><svg onload="window.__pwned=8">.json'
PYPERF_FILE = "<img src=x onerror=window.__pwned=9>.json"


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """Headless Chromium with console logging; the module is skipped without it."""
    yield from chromium(FLAGS)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the committed results file (few resamples: the numbers are not checked)."""
    return write_report([RESULTS], tmp_path_factory.mktemp("report"), resamples=200)


def load(driver: Any, page: Path) -> List[Dict[str, Any]]:
    """Open ``page``; the console messages it logged at level SEVERE (all of them printed)."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    messages = driver.get_log("browser")
    for message in messages:
        print(f"console {message['level']}: {message['message']}")
    return [message for message in messages if message["level"] == "SEVERE"]


def test_page_loads_and_every_chart_renders(driver: Any, report: Path) -> None:
    assert load(driver, report) == []
    assert driver.title.startswith("sigbench report")
    expected = report.read_text(encoding="utf-8").count('<figure class="chart">')
    assert expected > 0
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert driver.execute_script("return document.querySelectorAll('details:not([open])').length") == 0
    charts = driver.execute_script(CHARTS_JS)
    assert len(charts) == expected
    for chart in charts:
        assert chart["svgs"] == 1, chart
        assert chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["paths"] >= 20 and chart["texts"] >= 5, chart
    drawn = sum(chart["paths"] + chart["texts"] for chart in charts)
    print(f"{len(charts)} charts, {drawn} drawn SVG elements")


#: Chart text that is TeX markup instead of a number, or drawn (partly) outside its chart.
BAD_TEXT_JS = """
var found = [];
document.querySelectorAll("figure.chart svg").forEach(function (svg) {
  var box = svg.getBoundingClientRect();
  svg.querySelectorAll("text").forEach(function (text) {
    var r = text.getBoundingClientRect(), label = text.textContent.trim();
    var outside = Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom);
    if (/[$\\\\]/.test(label) || outside > 1) {
      found.push(svg.id + ": " + label + " (" + Math.round(outside) + " px out)");
    }
  });
});
return found;
"""


def test_chart_text_is_plain_and_inside_each_chart(driver: Any, report: Path) -> None:
    assert load(driver, report) == []
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    bad = driver.execute_script(BAD_TEXT_JS)
    print("\n".join(bad))
    assert bad == []


def _implementations_at_send_10() -> List[str]:
    """The leaderboard's rows: each implementation's send to 10 strongly held functions, or for one
    that holds receivers only weakly, its weak one, marked; by the name readers know it by
    (PySide6, not qt), A/A twins left out (a check, not ranked)."""
    frame = load_results([RESULTS])
    sends = frame[(frame["scenario"] == "send") & (frame["receivers"] == 10) & (frame["kind"] == "function")]
    sends = sends[~sends["impl"].map(is_check_only).astype(bool)]
    strong = set(sends.loc[sends["ref"] == "strong", "impl"])
    weak_only = set(sends.loc[sends["ref"] == "weak", "impl"]) - strong
    names = [*map(display_name, strong), *(f"{display_name(impl)} (weak function)" for impl in weak_only)]
    return sorted(names)


def _column(driver: Any, heading: str) -> List[str]:
    return driver.execute_script(
        """
        var headings = Array.from(document.querySelectorAll("#T_leaderboard thead th"));
        var column = headings.findIndex(th => th.textContent.trim() === arguments[0]);
        return Array.from(document.querySelectorAll("#T_leaderboard tbody tr"))
          .map(row => row.cells[column].textContent.trim());
        """,
        heading,
    )


def test_leaderboard_has_one_row_per_implementation_and_sorts(driver: Any, report: Path) -> None:
    from selenium.webdriver.common.by import By

    assert load(driver, report) == []
    implementations = _implementations_at_send_10()
    assert len(implementations) > 1
    assert len(driver.find_elements(By.CSS_SELECTOR, "#T_leaderboard tbody tr")) == len(implementations)
    assert sorted(_column(driver, "implementation")) == implementations
    assert _column(driver, "#") == [str(rank) for rank in range(1, len(implementations) + 1)]

    def heading(text: str) -> Any:
        (found,) = [
            th
            for th in driver.find_elements(By.CSS_SELECTOR, "#T_leaderboard thead th")
            if th.text.strip() == text
        ]
        return found

    heading("implementation").click()
    assert _column(driver, "implementation") == sorted(implementations, key=str.lower)
    assert heading("implementation").get_attribute("aria-sort") == "ascending"
    heading("implementation").click()
    assert _column(driver, "implementation") == sorted(implementations, key=str.lower, reverse=True)
    assert heading("implementation").get_attribute("aria-sort") == "descending"
    # Numbers sort by value, thousands separators and all: back to fastest first.
    heading("ns per send").click()
    assert _column(driver, "#") == [str(rank) for rank in range(1, len(implementations) + 1)]


def _png_size(data: bytes) -> Tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_full_page_screenshot(driver: Any, report: Path) -> None:
    import base64

    assert load(driver, report) == []
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    scale = min(1.0, MAX_SCREENSHOT_HEIGHT / size["height"])
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": scale}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    data = base64.b64decode(shot["data"])
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(data)
    width, height = _png_size(SCREENSHOT.read_bytes())
    page = f"page {size['width']:.0f} x {size['height']:.0f} px, scale {scale:.2f}"
    print(f"screenshot: {SCREENSHOT} ({width} x {height} px; {page})")
    assert SCREENSHOT.stat().st_size > 50_000
    assert 0 < height <= MAX_SCREENSHOT_HEIGHT + 1 and width > 0


def _hostile_sigbench(path: Path) -> None:
    """The committed results file with hostile strings in a reason, the environment and libraries."""
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    section = document["sigbench"]
    point = next(item for item in section["points"] if item["status"] == "not_applicable")
    point["reason"] = REASON
    section["environment"]["hostname"] = HOSTNAME
    section["libraries"]["blinker"] = LIBRARY_VERSION
    section["libraries"][LIBRARY] = "1.0"
    path.write_text(json.dumps(document), encoding="utf-8")


def _hostile_pyperf(path: Path) -> None:
    """A plain pyperf suite (no sigbench section) with hostile benchmark names and hostname."""
    runs = [
        pyperf.Run([1e-6, 1.1e-6], metadata={"name": name, "hostname": HOSTNAME}, collect_metadata=False)
        for name in BENCHMARK_NAMES
    ]
    benchmarks = [pyperf.Benchmark([run]) for run in runs]
    pyperf.BenchmarkSuite(benchmarks).dump(str(path))


def test_hostile_strings_stay_text_in_the_browser(driver: Any, tmp_path: Path) -> None:
    sigbench_file, pyperf_file = tmp_path / SIGBENCH_FILE, tmp_path / PYPERF_FILE
    _hostile_sigbench(sigbench_file)
    _hostile_pyperf(pyperf_file)
    page = write_report([sigbench_file, pyperf_file], tmp_path / "report", resamples=200)

    assert load(driver, page) == []
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert driver.execute_script("return document.querySelectorAll('img').length") == 0
    assert driver.execute_script("return document.querySelectorAll('script').length") == 1
    handlers = driver.execute_script(
        """return Array.from(document.querySelectorAll("*")).flatMap(element =>
             Array.from(element.attributes).filter(a => a.name.startsWith("on"))
               .map(a => element.tagName + " " + a.name));"""
    )
    assert handlers == []
    text = driver.execute_script("return document.body.innerText")
    stems = (Path(SIGBENCH_FILE).stem, Path(PYPERF_FILE).stem)
    for hostile in (REASON, *BENCHMARK_NAMES, HOSTNAME, LIBRARY, LIBRARY_VERSION, *stems):
        assert hostile in text
    assert driver.title == "sigbench report: comparison: " + ", ".join(stems)


def test_history_view_renders_in_the_browser(driver: Any, tmp_path: Path) -> None:
    """A report of one library in three releases: the history section's charts render with their
    release labels inside, and its tables hold a judged step per release after the first."""
    points = [Point("blinker", "send", n, "weak", "function") for n in (1, 10, 100)]
    paths = []
    for index, version in enumerate(("1.4", "1.8.2", "1.9.0")):
        run = record(
            {
                p: [[p.receivers * 1e-8 * (1 + 0.1 * index) * (1 + 0.01 * r)] * 3 for r in range(8)]
                for p in points
            },
            versions={"blinker": version},
        )
        run.settings.update(
            {
                "env": f"blinker=={version}",
                "environments": ["blinker==1.4", "blinker==1.8.2", "blinker==1.9.0"],
            }
        )
        paths.append(write(tmp_path / f"{version}.json", run))
    page = write_report(paths, tmp_path / "report", resamples=200)
    assert load(driver, page) == []
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    charts = [c for c in driver.execute_script(CHARTS_JS) if c["id"].startswith("history-blinker")]
    assert len(charts) == 1, charts
    assert charts[0]["width"] > 0 and charts[0]["height"] > 0 and charts[0]["texts"] >= 6
    assert [text for text in driver.execute_script(BAD_TEXT_JS) if text.startswith("history-")] == []
    cells = driver.execute_script(
        "return Array.from(document.querySelectorAll('#history-blinker td')).map(td => td.textContent)"
    )
    assert sum(cell.startswith("slower ×1.") for cell in cells) == 6, cells  # 2 steps, 3 receiver counts


@pytest.mark.parametrize("width, mobile", [(1280, False), (390, True)], ids=["desktop-1280", "phone-390"])
def test_the_site_index_fits_without_horizontal_scrolling(
    driver: Any, report: Path, width: int, mobile: bool
) -> None:
    """The landing page (the newest run's leaderboard and every report) fits a 1280-px window and a
    390-px phone; screenshots are kept in build/screenshots/."""
    from sigbench.report.site import update_site

    index, warnings = update_site(report.parent.parent)
    assert index is not None and warnings == []
    metrics = {"width": width, "height": 1200, "deviceScaleFactor": 1, "mobile": mobile}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        assert load(driver, index) == []
        inner, scroll, client = driver.execute_script(
            "var page = document.documentElement;"
            "return [window.innerWidth, page.scrollWidth, page.clientWidth]"
        )
        assert inner == width and scroll <= client, (inner, scroll, client)
        assert "Newest run: one send to 10 receivers" in driver.page_source
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOT.parent / f"site-{width}.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
