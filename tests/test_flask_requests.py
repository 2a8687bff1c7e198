"""Flask requests end to end: the request scenarios' conformance on real Flask (and that it catches
an app that misbehaves), their measurement leaving Flask's global signals clean, and the report's
table of cost per request and the receivers' share."""

from __future__ import annotations

import gc
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest
from synthetic import record, write

from sigbench.report.page import render
from sigbench.suite.adapter import Adapter
from sigbench.suite.adapters import get_adapter
from sigbench.suite.adapters.flask import SIGNALS
from sigbench.suite.points import Point
from sigbench.worker.conformance import ConformanceError, check_point
from sigbench.worker.inventory import availability
from sigbench.worker.matrix import matrix
from sigbench.worker.measure import Sampler
from sigbench.worker.scenarios import SCENARIOS

pytestmark = pytest.mark.skipif(not availability("flask")[0], reason="flask is not installed")
REQUEST_SCENARIOS = [s.name for s in SCENARIOS.values() if s.family == "request"]


@pytest.fixture(scope="module")
def flask_adapter() -> Adapter:
    adapter = get_adapter("flask")
    adapter.load()
    return adapter


def _receivers_left() -> Dict[str, int]:
    import flask.signals

    gc.collect()
    return {name: len(getattr(flask.signals, name).receivers) for name in SIGNALS}


@pytest.mark.parametrize("point", matrix(["flask"], scenarios=REQUEST_SCENARIOS), ids=lambda p: p.name)
def test_real_flask_conforms_and_is_left_clean(flask_adapter: Adapter, point: Point) -> None:
    """Every request scenario at every receiver count passes conformance, and neither it nor a
    measurement leaves a receiver on Flask's module-global signals."""
    check_point(flask_adapter, point)
    sampler = Sampler(flask_adapter, point, min_time=0.0005)
    try:
        assert sampler.value() > 0
    finally:
        sampler.close()
    assert set(_receivers_left().values()) == {0}


class _Faulty(type(get_adapter("flask"))):  # type: ignore[misc]
    """Flask's adapter with one thing wrong, chosen by ``fault``."""

    fault = ""

    def request(
        self, path: str, receivers: Callable[[str], Any], weak: bool, bound: bool
    ) -> Tuple[Callable[[], Any], Callable[[], None]]:
        if self.fault == "fewer signals":
            return super().request(
                path, lambda name: [] if name == "request_finished" else receivers(name), weak, bound
            )
        if self.fault == "not bound to the app":
            return super().request(path, receivers, weak, False)
        if self.fault == "keeps receivers alive":
            kept: List[Any] = []

            def keeping(name: str) -> List[Any]:
                made = list(receivers(name))
                kept.extend(made)
                return made

            call, cleanup = super().request(path, keeping, weak, bound)
            return (lambda: (kept, call())[1]), cleanup
        call, cleanup = super().request(path, receivers, weak, bound)
        if self.fault == "twice":
            return (lambda: (call(), call())[1]), cleanup
        if self.fault == "wrong status":
            return (lambda: (200, call()[1])), cleanup
        return call, cleanup


@pytest.mark.parametrize(
    "fault, scenario, message",
    [
        ("fewer signals", "flask_request", "expected each of 3 receivers once"),
        ("twice", "flask_template", "expected each of 3 receivers once"),
        ("not bound to the app", "flask_error_app", "bound to one app were called for another"),
        ("wrong status", "flask_error", "answered 200, not 500"),
    ],
)
def test_conformance_catches_a_misbehaving_app(fault: str, scenario: str, message: str) -> None:
    """A request that misses a signal, runs twice, reaches receivers bound to another app, or
    answers the wrong status fails conformance, naming what went wrong."""
    adapter = _Faulty()
    adapter.fault = fault
    adapter.load()
    with pytest.raises(ConformanceError, match=re.escape(message)):
        check_point(adapter, Point("flask", scenario, 3, "weak", "function"))
    assert set(_receivers_left().values()) == {0}


def test_conformance_catches_weak_receivers_kept_alive() -> None:
    """Receivers the app keeps alive are still called after the caller's last reference died."""
    adapter = _Faulty()
    adapter.fault = "keeps receivers alive"
    adapter.load()
    with pytest.raises(ConformanceError, match="weak receivers were called after their last reference died"):
        check_point(adapter, Point("flask", "flask_request", 2, "weak", "function"))


def test_report_shows_cost_per_request_and_the_receivers_share(tmp_path: Path) -> None:
    """Known times, 100 µs with no receivers and 125 µs with 10: the receivers' share is 20%."""
    values = {
        Point("flask", "flask_request", n, "weak", "function"): [[t * 1e-6] * 3 for _ in range(3)]
        for n, t in ((0, 100.0), (1, 102.0), (10, 125.0))
    }
    page, _ = render([write(tmp_path / "requests.json", record(values))], resamples=200)
    assert 'id="requests"' in page
    row = re.search(r"flask_request</td>(.*?)</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r">([^<>]+)</td>", row.group(1))
    assert cells == [
        "100.0 (100.0–100.0)",
        "102.0 (102.0–102.0)",
        "125.0 (125.0–125.0)",
        "2.0% (2.0% to 2.0%)",
        "20.0% (20.0% to 20.0%)",
    ]


def test_no_request_table_without_request_scenarios(tmp_path: Path) -> None:
    values = {Point("blinker", "send", 10, "weak", "function"): [[1e-6] * 3] * 3}
    page, _ = render([write(tmp_path / "send.json", record(values))], resamples=200)
    assert 'id="requests"' not in page


@pytest.mark.slow
def test_requests_through_the_runner(tmp_path: Path, run_python: Any) -> None:
    """``sigbench run`` measures request points in worker processes, and the summary lists them."""
    out = tmp_path / "requests.json"
    result = run_python(
        [
            *("-m", "sigbench", "run", "--impl", "flask", "--scenario", "flask_request,flask_error_app"),
            *("--receivers", "0,10", "--quiet", "-o", str(out)),
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "flask_request (per request)" in result.stdout and "flask_error_app (per request)" in result.stdout
    from sigbench.results.store import read_results

    statuses = {p["name"]: p["status"] for p in read_results(out)["sigbench"]["points"]}
    assert statuses == {
        f"flask-{scenario}-{n}-weak-function": "ok"
        for scenario in ("flask_request", "flask_error_app")
        for n in (0, 10)
    }
