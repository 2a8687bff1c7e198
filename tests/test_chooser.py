"""The chooser: the data it embeds (``sigbench.analysis.modeldata``) on synthetic runs with known
costs and warnings, checked against ``advise`` itself; the page and the site's link to it; and in
headless Chromium at 1280 and 390 px, its ranking against ``advise(...).as_dict()`` as selectors
change, with no console error and no horizontal overflow.

The browser tests need selenium, Chromium and its chromedriver, as ``test_report_browser`` does.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest
import synthetic
from conftest import chromium

from sigbench.analysis.advice import Advice, advise, read_documents
from sigbench.analysis.costmodel import ModelError, Workload
from sigbench.analysis.modeldata import ModelData, choice_key, model_data, scenario_sets, series_key
from sigbench.report.advice import microseconds
from sigbench.report.chooser import CHOOSER, OPENING_SHAPE, chooser_page, script_json
from sigbench.report.page import write_report
from sigbench.report.site import update_site
from sigbench.report.text import byte_text
from sigbench.results.table import read_document
from sigbench.suite.points import KINDS, REFS, Point
from sigbench.suite.records import Status
from sigbench.worker.scenarios.probe import BINDINGS

ROOT = Path(__file__).resolve().parent.parent
#: The newest published default run (results/<UTC timestamp>.json).
RESULTS = sorted((ROOT / "results").glob("2*.json"))[-1]
#: Few resamples, the same for the page and for ``advise``: the test compares, it does not measure.
RESAMPLES = 200
US = 1e-6
#: Per implementation: connect per receiver, send fixed cost, send per receiver, disconnect per
#: receiver (µs), bytes per receiver.
COSTS: Dict[str, Tuple[float, float, float, float, float]] = {
    "baseline": (0.1, 0.2, 0.05, 0.1, 8.0),
    "blinker": (0.8, 0.4, 0.7, 0.9, 200.0),
    "pyee": (0.5, 1.0, 0.3, 0.4, 100.0),
    "blinker_twin": (0.8, 0.4, 0.7, 0.9, 200.0),
}
#: A reason that would end the data's <script> element if it reached the page unescaped.
HOSTILE = "</script><script>window.__pwned=1</script><!--"


def _linear(impl: str, scenario: str, fixed: float, slope: float, ref: str = "strong") -> synthetic.Values:
    found = synthetic.linear(impl, scenario, fixed, slope, spread=0.01)
    return {Point(p.impl, p.scenario, p.receivers, ref, p.kind): runs for p, runs in found.items()}


def _values(impls: Sequence[str] = tuple(COSTS)) -> synthetic.Values:
    values: synthetic.Values = {}
    for impl in impls:
        connect, fixed, per_send, disconnect, memory = COSTS[impl]
        values.update(_linear(impl, "connect", 0.0, connect * US))
        values.update(_linear(impl, "send", fixed * US, per_send * US))
        values.update(_linear(impl, "disconnect", 0.0, disconnect * US))
        if impl != "blinker_twin":
            values.update(_linear(impl, "memory_connect", 0.0, memory))
    return values


def _write(
    path: Path, values: synthetic.Values, unmeasured: Sequence[Tuple[Point, Status, str]] = (), **env: str
) -> Path:
    machine = {"python_version": "3.11.7 (64-bit)", "python_implementation": "cpython", "hostname": "test"}
    return synthetic.write(path, synthetic.record(values, unmeasured, environment={**machine, **env}))


def _run(directory: Path) -> List[Path]:
    """Two interpreters. On 3.11: blinker failed a conformance check (with a hostile reason), pyee
    keeps payloads alive and cannot bind receivers to senders, pypubsub holds receivers weakly
    only, aiosignal is not installed, blinker's A/A twin has no memory points.  On 3.12: the
    plain list and pyee, pyee's sends twice as dear.  On 3.13t: a race only (nothing to cost)."""
    values = _values()
    for scenario, fixed, slope in (("connect", 0.0, 1.0), ("send", 1.0, 1.0), ("disconnect", 0.0, 1.0)):
        values.update(_linear("pypubsub", scenario, fixed * US, slope * US, ref="weak"))
    values[Point("pyee", "retain_payload", 1, "strong", "function")] = [[1.0], [1.0], [1.0]]
    unmeasured: List[Tuple[Point, Status, str]] = [
        (Point("blinker", "send_dying", 10, "weak", "function"), "failed", f"conformance: {HOSTILE}"),
        (Point("pyee", "send_matched", 10, "strong", "function"), "not_applicable", "pyee has no senders"),
        (Point("aiosignal", "send", 10, "strong", "function"), "unavailable", "No module named 'aiosignal'"),
    ]
    newer = _values(["baseline", "pyee"])
    newer.update(_linear("pyee", "send", 2.0 * US, 0.6 * US))
    race: Tuple[Point, Status, str] = (
        Point("pyee", "churn_threads", 10, "strong", "function"),
        "failed",
        "a thread raised KeyError: 3",
    )
    return [
        _write(directory / "a.json", values, unmeasured),
        _write(directory / "b.json", newer, python_version="3.12.1 (64-bit)"),
        _write(directory / "c.json", {}, [race], python_version="3.13.5 (64-bit)", python_gil="disabled"),
    ]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> List[Path]:
    return _run(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def data(run: List[Path]) -> ModelData:
    return model_data(read_documents(run), RESAMPLES)


def _implementation(data: ModelData, python: str, label: str) -> Any:
    return next(impl for impl in data["pythons"][python]["implementations"] if impl["label"] == label)


def test_the_series_are_the_measured_costs(data: ModelData) -> None:
    assert (data["interpreters"], data["default"]) == (["3.11", "3.12"], "3.12")  # 3.13t: nothing to cost
    blinker = _implementation(data, "3.11", "blinker")
    connect, fixed, per_send, _, memory = COSTS["blinker"]
    send = blinker["series"][series_key("send", "strong", "function")]
    assert send["counts"] == [1, 10, 100, 1000] and send["log"] is True
    assert send["values"] == pytest.approx([(fixed + per_send * n) * US for n in send["counts"]])
    assert send["zero"] == pytest.approx(fixed * US)  # its point at 0 receivers
    assert all(low < value < high for low, value, high in zip(send["lows"], send["values"], send["highs"]))
    assert send["fixed"][0] == pytest.approx(fixed * US) and send["slope"][0] == pytest.approx(per_send * US)
    whole = blinker["series"][series_key("connect", "strong", "function")]  # n connects, not one
    assert whole["values"] == pytest.approx([connect * n * US for n in whole["counts"]])
    held = blinker["series"][series_key("memory_connect", "strong", "function")]
    assert held["log"] is False and held["values"] == pytest.approx([memory * n for n in held["counts"]])
    assert blinker["memory_reproducible"] == {"strong function": True}
    pypubsub = _implementation(data, "3.11", "pypubsub")
    assert {key.split(" ", 1)[1] for key in pypubsub["series"]} == {"weak function"}
    newer = _implementation(data, "3.12", "pyee")["series"][series_key("send", "strong", "function")]
    assert newer["values"][0] == pytest.approx(2.6 * US)


def test_warnings_and_reasons_are_advise_s_own(data: ModelData, run: List[Path]) -> None:
    blinker = _implementation(data, "3.11", "blinker")
    assert blinker["control"] is None
    assert blinker["notes"] == [
        {"kind": "conformance", "text": f"failed: send_dying at 10 (weak function): conformance: {HOSTILE}"}
    ]
    pyee = _implementation(data, "3.11", "pyee")
    assert pyee["notes"] == [
        {
            "kind": "race",
            "text": "failed on Python 3.13t: churn_threads at 10 (strong function): "
            "a thread raised KeyError: 3",
        },
        {"kind": "lifetime", "text": "keeps 1 objects per send (retain_payload, strong function)"},
    ]
    twin = _implementation(data, "3.11", "blinker_twin")
    assert twin["control"] == "an A/A twin of blinker, a check of the harness: not ranked"
    assert twin["unranked"] == {}  # its reason is its own, whatever the workload
    assert data["pythons"]["3.11"]["absent"] == [
        {
            "label": "aiosignal",
            "impl": "aiosignal",
            "version": "1.0",
            "name": "aiosignal",
            "excluded": "not installed: No module named 'aiosignal'",
        }
    ]
    texts = data["pythons"]["3.11"]["texts"]
    sets = [list(found) for found in scenario_sets()]
    matched = sets.index(["connect_matched", "send_matched"])
    assert texts[pyee["unranked"][choice_key(matched, None, None)]].startswith(
        "not applicable (connect_matched, strong function): "
    )
    pypubsub = _implementation(data, "3.11", "pypubsub")["unranked"]
    assert choice_key(sets.index(["connect", "send"]), None, None) not in pypubsub  # weak function
    assert texts[pypubsub[choice_key(sets.index(["connect", "send"]), "strong", None)]].startswith(
        "not applicable (connect, strong function): "
    )


#: Workloads, each with the reference mode and kind asked for (None: each one's own).
CHOICES: Tuple[Tuple[Workload, Optional[str], Optional[str]], ...] = (
    (Workload(50, 1000, 50), None, None),
    (Workload(10, 5, 10, sender="matched"), None, None),
    (Workload(3000, 10, 20, 7), "weak", None),
    (Workload(5, 100, 0), None, "method"),
    (Workload(100, 0, 0, 100), "strong", "function"),
    (Workload(20, 3, 4, asynchronous=True), None, None),
)


@pytest.mark.parametrize("workload, ref, kind", CHOICES)
def test_every_unranked_reason_is_the_one_advise_gives(
    data: ModelData, run: List[Path], workload: Workload, ref: Optional[str], kind: Optional[str]
) -> None:
    """Per implementation: a reason in the data exactly where advise does not cost it, and the same."""
    advice = advise(read_documents(run), workload, ref, kind, "3.11", resamples=RESAMPLES)
    found = data["pythons"]["3.11"]
    key = choice_key(scenario_sets().index(tuple(workload.scenarios().values())), ref, kind)
    for row in advice.rows:
        impl = next((i for i in found["implementations"] if i["label"] == row.label), None)
        if impl is None:  # not measured at all
            assert row.excluded in [a["excluded"] for a in found["absent"] if a["label"] == row.label]
        elif impl["control"] is not None:
            assert row.excluded == impl["control"]
        elif row.prediction is None:
            assert found["texts"][impl["unranked"][key]] == row.excluded
        else:
            assert key not in impl["unranked"] and (row.ref, row.kind) is not None


def test_every_workload_s_scenarios_are_a_set(data: ModelData) -> None:
    sets = scenario_sets()
    assert len(set(sets)) == len(sets) and [list(s) for s in sets] == data["scenario_sets"]
    for sender, asynchronous in itertools.product(BINDINGS, (False, True)):
        for sends, connects, disconnects in itertools.product((0, 3), repeat=3):
            try:
                workload = Workload(5, sends, connects, disconnects, sender, asynchronous)
            except ModelError:
                continue
            assert tuple(workload.scenarios().values()) in sets


def test_the_page_embeds_the_data_safely(data: ModelData, run: List[Path]) -> None:
    text = script_json(data)
    assert "<" not in text and ">" not in text and json.loads(str(text)) == data
    page = chooser_page({path: read_document(path) for path in run}, "a run", RESAMPLES)
    assert page is not None and HOSTILE not in page and "window.__pwned" in page
    assert page.count("<script") == 2 and "sha256-" in page
    assert 'value="3.12"' not in page  # the interpreters are the script's to list, from the data
    assert chooser_page({run[2]: read_document(run[2])}, "races only", RESAMPLES) is None


def test_the_report_writes_it_and_the_site_links_to_it(tmp_path: Path) -> None:
    site = tmp_path / "reports"
    values = _values(["baseline", "pyee"])
    index = write_report([_write(tmp_path / "run.json", values)], site / "run", resamples=RESAMPLES)
    chooser = index.parent / CHOOSER
    assert chooser.is_file() and 'href="index.html"' in chooser.read_text(encoding="utf-8")
    landing, warnings = update_site(site)
    assert landing is not None and warnings == []
    assert f'href="run/{CHOOSER}"' in landing.read_text(encoding="utf-8")
    race: Tuple[Point, Status, str] = (Point("pyee", "churn_threads", 10, "strong", "function"), "failed", "")
    other = _write(tmp_path / "races.json", {}, [race])
    write_report([other], site / "run", resamples=RESAMPLES)  # the same directory: no stale chooser
    assert not chooser.exists()
    landing, _ = update_site(site)
    assert landing is not None and CHOOSER not in landing.read_text(encoding="utf-8")


# -- in the browser ------------------------------------------------------------------------------

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions")
#: Each row of a table as the page shows it.
ROWS_JS = """
return Array.from(document.querySelectorAll(arguments[0] + " tbody tr")).map(function (tr) {
  function text(selector) { var found = tr.querySelector(selector); return found ? found.textContent : ""; }
  var us = tr.querySelector("td[data-value]");
  return {
    label: tr.getAttribute("data-label"),
    rank: text("td.rank .main"),
    us: text("td.num .main"),
    value: us ? Number(us.getAttribute("data-value")) : null,
    low: us ? Number(us.getAttribute("data-low")) : null,
    high: us ? Number(us.getAttribute("data-high")) : null,
    ci: text("td.ci .main"),
    memory: text("td.num:nth-last-child(2) .main"),
    notes: Array.from(tr.querySelectorAll("td.notes li")).map(function (li) { return li.textContent; }),
  };
});
"""


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    yield from chromium(FLAGS)


def _page(paths: Sequence[Path], directory: Path) -> Path:
    page = chooser_page({path: read_document(path) for path in paths}, "test", RESAMPLES)
    assert page is not None
    out = directory / CHOOSER
    out.write_text(page, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def real_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _page([RESULTS], tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="module")
def synthetic_page(run: List[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _page(run, tmp_path_factory.mktemp("synthetic"))


def _set(
    driver: Any, workload: Workload, ref: Optional[str], kind: Optional[str], python: Optional[str]
) -> None:
    """Set every selector as a reader would: typing the numbers, picking from the lists."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    for name in ("receivers", "sends", "connects", "disconnects"):
        field = driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(str(getattr(workload, name)))
    box = driver.find_element(By.NAME, "asynchronous")
    if box.is_selected() != workload.asynchronous:
        box.click()
    if not workload.asynchronous:
        Select(driver.find_element(By.NAME, "sender")).select_by_value(workload.sender)
    Select(driver.find_element(By.NAME, "ref")).select_by_value(ref or "any")
    Select(driver.find_element(By.NAME, "kind")).select_by_value(kind or "any")
    if python is not None:
        Select(driver.find_element(By.NAME, "python")).select_by_value(python)


def _interval(low: float, high: float) -> str:
    return f"{microseconds(low)}–{microseconds(high)}"


def _expected(advice: Advice) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """The ranked and the unranked rows as the page should show them, from ``advice`` and its
    ``as_dict()``."""
    ranked, unranked = [], []
    for row, fields in zip(advice.rows, advice.as_dict()["rows"]):
        notes = [f"{note['kind']}: {note['text']}" for note in fields["notes"]]
        total = row.prediction.total if row.prediction else None
        memory = row.prediction.memory if row.prediction else None
        shown = {
            "label": fields["label"],
            "us": microseconds(total.value) if total else "",
            "ci": _interval(total.low, total.high) if total else "",
            "memory": f"{byte_text(memory.value)} B" if memory else "",
            "cost_us": fields["cost_us"],
        }
        if fields["rank"] is None:
            unranked.append({**shown, "notes": [f"not ranked: {fields['excluded']}", *notes]})
        else:
            ranked.append({**shown, "rank": str(fields["rank"]), "notes": notes})
    return ranked, unranked


def _compare(shown: List[Dict[str, Any]], expected: List[Dict[str, Any]]) -> None:
    assert [row["label"] for row in shown] == [row["label"] for row in expected]
    for page, want in zip(shown, expected):
        cost = want.pop("cost_us")
        for key, value in want.items():
            assert page[key] == value, (want["label"], key)
        if cost is not None:  # the port's figures to the last digits, not only as shown
            found = (page["value"], page["low"], page["high"])
            assert found == pytest.approx((cost["value"], cost["low"], cost["high"]), rel=1e-9), want["label"]


def _check(
    driver: Any,
    paths: Sequence[Path],
    choices: Sequence[Tuple[Workload, Optional[str], Optional[str], Optional[str]]],
) -> None:
    documents = read_documents(paths)
    for workload, ref, kind, python in choices:
        _set(driver, workload, ref, kind, python)
        assert driver.find_element("id", "message").text == ""
        advice = advise(documents, workload, ref, kind, python, resamples=RESAMPLES)
        ranked, unranked = _expected(advice)
        _compare(driver.execute_script(ROWS_JS, "#ranking"), ranked)
        _compare(driver.execute_script(ROWS_JS, "#unranked"), unranked)


def _open(driver: Any, page: Path, width: int) -> None:
    """Load ``page`` in a ``width``-px window; no console error, no horizontal overflow."""
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.get_log("browser")
    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"


def _clean(driver: Any) -> None:
    messages = driver.get_log("browser")
    for message in messages:
        print(f"console {message['level']}: {message['message']}")
    assert [message for message in messages if message["level"] == "SEVERE"] == []
    scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, (scroll, inner)


WIDTHS = pytest.mark.parametrize("width", [1280, 390], ids=["desktop-1280", "phone-390"])


@pytest.mark.slow
@WIDTHS
def test_the_ranking_is_advise_s_on_a_real_run(driver: Any, real_page: Path, width: int) -> None:
    _open(driver, real_page, width)
    opening = (OPENING_SHAPE, None, None, None)
    _check(driver, [RESULTS], [opening])
    _clean(driver)
    _check(
        driver,
        [RESULTS],
        [
            (Workload(1000, 10, 1000, 1000), None, None, None),
            (Workload(5, 100000, 5), "weak", None, None),
            (Workload(200, 50, 20, sender="matched"), None, "function", None),
            (Workload(3, 10, 3, asynchronous=True), None, None, None),
            (Workload(2500, 1, 0, 300), "strong", "function", None),
            (Workload(40, 40, 40), None, "method", None),  # the run measured no method: none ranked
        ],
    )
    _clean(driver)


@pytest.mark.slow
@WIDTHS
def test_the_interpreter_and_the_twin_on_a_synthetic_run(
    driver: Any, synthetic_page: Path, run: List[Path], width: int
) -> None:
    _open(driver, synthetic_page, width)
    assert driver.execute_script("return document.querySelector('[name=python]').value") == "3.12"
    _check(
        driver,
        run,
        [
            (Workload(50, 100, 50, 10), None, None, "3.11"),
            (Workload(50, 100, 50, 10), None, None, "3.12"),
            (Workload(2000, 7, 2000, 5), None, None, "3.11"),
            (Workload(10, 5, 10, sender="unmatched"), "weak", None, "3.11"),
        ],
    )
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    _clean(driver)


@pytest.mark.slow
def test_a_workload_the_model_cannot_cost_says_why(driver: Any, synthetic_page: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(driver, synthetic_page, 1280)
    field = driver.find_element(By.NAME, "receivers")
    field.clear()
    field.send_keys("0")
    assert driver.find_element(By.ID, "message").text == "receivers must be at least 1, not 0"
    field.clear()
    field.send_keys("12")
    assert driver.find_element(By.ID, "message").text == ""
    _clean(driver)


def test_the_selectors_offer_every_mode_and_binding(run: List[Path]) -> None:
    page = chooser_page({path: read_document(path) for path in run}, "a run", RESAMPLES)
    assert page is not None
    for name, values in (("ref", ["any", *REFS]), ("kind", ["any", *KINDS]), ("sender", BINDINGS)):
        select = re.search(f'<select name="{name}">(.*?)</select>', page)
        assert select is not None and re.findall('value="([^"]*)"', select.group(1)) == list(values)
    for name in ("receivers", "sends", "connects", "disconnects"):
        field = f'name="{name}" type="number" min="{int(name == "receivers")}" step="1" '
        assert f'{field}value="{getattr(OPENING_SHAPE, name)}"' in page
