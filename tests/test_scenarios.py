"""The scenario matrix: its size, its filters, point names and their serialisation."""

from __future__ import annotations

import json
from typing import Optional, Sequence

import pytest

from sigbench.suite.adapters import IMPLEMENTATIONS
from sigbench.suite.points import KINDS, REFS, Point
from sigbench.worker.matrix import matrix
from sigbench.worker.scenarios import SCENARIOS, WORKLOAD_SCENARIOS
from sigbench.worker.scenarios.base import Scenario
from sigbench.worker.twins import TWINS


def _points(scenario: Scenario) -> int:
    """Points of one implementation in ``scenario``: its counts times its modes."""
    modes = len(scenario.modes or [(r, k) for r in REFS for k in KINDS]) if scenario.has_receivers else 1
    return len(scenario.receivers) * modes


#: Every implementation's: the scenarios open to every one (those measured only when named aside).
POINTS_PER_IMPL = sum(_points(s) for s in SCENARIOS.values() if s.impls is None and not s.only_when_named)
#: The A/A twin's: the scenarios it shares with blinker.
AA_TWIN_POINTS = sum(
    _points(SCENARIOS[name]) for twin in TWINS if twin.impl == "blinker_twin" for name in twin.scenarios or ()
)
#: Flask's own: the request scenarios.
FLASK_REQUEST_POINTS = sum(_points(s) for s in SCENARIOS.values() if s.impls == ("flask",))


def _expected(
    impls: Sequence[str],
    scenarios: Optional[Sequence[str]] = None,
    receivers: Optional[Sequence[int]] = None,
    refs: Optional[Sequence[str]] = None,
    kinds: Optional[Sequence[str]] = None,
) -> list[Point]:
    """The full matrix narrowed by hand: what the filters of ``matrix`` must select."""
    return [
        p
        for p in matrix(impls)
        if (scenarios is None or p.scenario in scenarios)
        and (receivers is None or p.receivers in receivers)
        and (refs is None or p.ref is None or p.ref in refs)
        and (kinds is None or p.kind is None or p.kind in kinds)
    ]


def _size(impl: str) -> int:
    """Points of ``impl`` by formula: every count of each of its scenarios, times its modes."""
    return sum(
        len(s.receivers) * (len(s.modes or [(r, k) for r in REFS for k in KINDS]) if s.has_receivers else 1)
        for s in SCENARIOS.values()
        if (s.impls is None or impl in s.impls) and impl != "blinker_twin" and not s.only_when_named
    )


def test_matrix_size() -> None:
    """Every scenario at every count, times every ref x kind it is measured in, for the
    implementations that have it."""
    assert POINTS_PER_IMPL > 0 and AA_TWIN_POINTS > 0 and FLASK_REQUEST_POINTS > 0
    assert _size("blinker") == len(matrix(["blinker"])) == POINTS_PER_IMPL
    assert _size("flask") == len(matrix(["flask"])) == POINTS_PER_IMPL + FLASK_REQUEST_POINTS
    assert len(matrix(["blinker_twin"])) == AA_TWIN_POINTS
    others = len(IMPLEMENTATIONS) - 1
    assert len(matrix(IMPLEMENTATIONS)) == POINTS_PER_IMPL * others + AA_TWIN_POINTS + FLASK_REQUEST_POINTS
    assert matrix([]) == []


def test_full_matrix_covers_every_combination_once() -> None:
    for impl in ("blinker", "flask"):
        points = matrix([impl], scenarios=list(SCENARIOS))
        assert len(set(points)) == len(points)
        for scenario in SCENARIOS.values():
            chosen = [p for p in points if p.scenario == scenario.name]
            if scenario.impls is not None and impl not in scenario.impls:
                assert chosen == []
                continue
            assert sorted({p.receivers for p in chosen}) == sorted(scenario.receivers)
            if scenario.has_receivers:
                modes = scenario.modes or [(r, k) for r in REFS for k in KINDS]
                assert {(p.ref, p.kind) for p in chosen} == set(modes)
            else:
                assert {(p.ref, p.kind) for p in chosen} == {(None, None)}


def test_request_scenarios_belong_to_flask_in_one_mode() -> None:
    """Whole-request scenarios are Flask's only, with weak function receivers (Flask's default)."""
    requests = [s for s in SCENARIOS.values() if s.family == "request"]
    assert [s.name for s in requests] == [
        "flask_request",
        "flask_template",
        "flask_flash",
        "flask_error",
        "flask_error_app",
    ]
    for scenario in requests:
        assert (scenario.impls, scenario.modes, scenario.receivers) == (
            ("flask",),
            (("weak", "function"),),
            (0, 1, 10),
        )
    assert {p.impl for p in matrix(IMPLEMENTATIONS, scenarios=[s.name for s in requests])} == {"flask"}


def test_scenarios_measured_only_when_named_stay_out_unless_named() -> None:
    """The workload shapes check the cost model: no run measures them unless it names them."""
    named = [s.name for s in SCENARIOS.values() if s.only_when_named]
    assert named and set(named) == set(WORKLOAD_SCENARIOS)
    assert not {p.scenario for p in matrix(IMPLEMENTATIONS)} & set(named)
    assert not {p.scenario for p in matrix(IMPLEMENTATIONS, core=True)} & set(named)
    chosen = matrix(["blinker"], scenarios=[named[0], "send"], core=True)
    assert {p.scenario for p in chosen} == {named[0], "send"}
    assert [p.receivers for p in chosen if p.scenario == named[0]] == list(SCENARIOS[named[0]].receivers)


@pytest.mark.parametrize(
    "filters, count",
    [
        ({"scenarios": ["send"]}, 20),
        ({"scenarios": ["create", "disconnect"]}, 17),
        # over every scenario: as many as the registry's scenarios give (``_expected``)
        ({"receivers": [10]}, None),
        ({"receivers": [0]}, None),  # create; the sends to no receiver
        ({"refs": ["weak"]}, None),  # create has no reference mode and stays
        ({"kinds": ["method"]}, None),
        (
            {
                "scenarios": ["send_matched"],
                "receivers": [1, 1000],
                "refs": ["strong"],
                "kinds": ["function"],
            },
            2,
        ),
    ],
)
def test_each_filter_narrows(filters: dict, count: Optional[int]) -> None:
    points = matrix(["blinker"], **filters)
    assert count is None or len(points) == count
    assert 0 < len(points) < POINTS_PER_IMPL
    assert points == _expected(["blinker"], **filters)


@pytest.mark.parametrize(
    "filters",
    [
        {"scenarios": ["send", "connect"], "receivers": [1, 100]},
        {"receivers": [0, 10], "refs": ["strong"]},
        {"scenarios": ["create", "send_unmatched"], "kinds": ["method"]},
        {"refs": ["weak"], "kinds": ["function"], "receivers": [1000]},
    ],
)
def test_filters_combine_as_an_intersection(filters: dict) -> None:
    impls = ["baseline", "blinker"]
    assert matrix(impls, **filters) == _expected(impls, **filters)


@pytest.mark.parametrize(
    "filters",
    [{"scenarios": ["nope"]}, {"receivers": [7]}, {"scenarios": []}, {"receivers": []}],
)
def test_unknown_or_empty_filter_values_select_nothing(filters: dict) -> None:
    assert matrix(["blinker"], **filters) == []


@pytest.mark.parametrize("filters", [{"refs": ["nope"]}, {"kinds": ["nope"]}, {"refs": [], "kinds": []}])
def test_unknown_ref_or_kind_leaves_only_points_without_one(filters: dict) -> None:
    """No point has that ref or kind; ``create`` has neither, so it is all that is left."""
    assert matrix(["baseline", "blinker"], **filters) == [
        Point("baseline", "create", 0),
        Point("blinker", "create", 0),
    ]


def test_point_names() -> None:
    assert Point("blinker", "send", 10, "weak", "method").name == "blinker-send-10-weak-method"
    assert Point("django_cached", "send_unmatched", 1000, "strong", "function").name == (
        "django_cached-send_unmatched-1000-strong-function"
    )
    assert Point("pyee", "create", 0).name == "pyee-create"


def test_every_point_name_follows_the_format() -> None:
    for point in matrix(IMPLEMENTATIONS):
        if point.scenario == "create":
            assert point.name == f"{point.impl}-create"
        else:
            assert point.name == "-".join(
                [point.impl, point.scenario, str(point.receivers), str(point.ref), str(point.kind)]
            )


def test_names_are_unique_across_all_implementations() -> None:
    points = matrix(IMPLEMENTATIONS)
    names = [p.name for p in points]
    assert len(set(names)) == len(names) == len(matrix(IMPLEMENTATIONS))


def test_as_dict_from_dict_round_trip() -> None:
    for point in matrix(IMPLEMENTATIONS):
        data = point.as_dict()
        assert set(data) == {"impl", "scenario", "receivers", "ref", "kind"}
        assert Point.from_dict(data) == point
        # Through JSON too: that is how points reach a worker and come back.
        assert Point.from_dict(json.loads(json.dumps(data))) == point


def test_from_dict_ignores_extra_keys_and_defaults_missing_ref_kind() -> None:
    """The results file lists points with their name and status next to the point's own keys."""
    point = Point("blinker", "send", 10, "weak", "function")
    listed = {**point.as_dict(), "name": point.name, "status": "ok", "reason": "", "processes": 3}
    assert Point.from_dict(listed) == point
    assert Point.from_dict({"impl": "pyee", "scenario": "create", "receivers": "0"}) == Point(
        "pyee", "create", 0
    )
