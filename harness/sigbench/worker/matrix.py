"""The matrix of points: every implementation, scenario, receiver count, reference mode and
receiver kind (``matrix``), the core matrix's one mode per scenario (``core_mode``), and the
``baseline`` point each point's ratio is taken against.

Standard library only (it reads the adapters' declared modes, never a library).
"""

from __future__ import annotations

from typing import Collection, Iterable, List, Optional, Sequence, Tuple

from sigbench.suite.adapters import get_adapter
from sigbench.suite.points import KINDS, REFS, Point
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.twins import TWINS

#: The reference mode and receiver kind of the core matrix, in order of preference: a scenario's
#: core points are those of the first it admits and the implementation supports.  collect and
#: send_dying are about weak references only; two libraries hold every receiver weakly, and four
#: (psygnal, PySide6, PyQt6, eventkit) hold plain functions strongly and bound methods weakly, so
#: their weak points are weak methods.
CORE_MODES = (("strong", "function"), ("weak", "function"), ("weak", "method"))


def core_mode(scenario: str, supported: Optional[Collection[Tuple[str, str]]] = None) -> Tuple[str, str]:
    """The reference mode and receiver kind of ``scenario``'s core points: the first of
    ``CORE_MODES`` the scenario admits and, given an implementation's ``supported`` modes, that it
    supports too (pypubsub and python-dispatch hold every receiver weakly; psygnal holds only
    bound methods weakly)."""
    modes = SCENARIOS[scenario].modes
    admitted = [mode for mode in CORE_MODES if modes is None or mode in modes]
    return next((mode for mode in admitted if supported is None or mode in supported), admitted[0])


def _supported(impl: str) -> Optional[Collection[Tuple[str, str]]]:
    """The reference modes and receiver kinds ``impl``'s adapter supports (None when unknown)."""
    try:
        return get_adapter(impl).combos
    except KeyError:
        return None


def _measured_in(impl: str, scenario: str) -> bool:
    """Whether ``impl`` has ``scenario``: the scenario's own ``impls``, and an A/A twin's
    scenarios (it is measured only where it checks the harness)."""
    only = SCENARIOS[scenario].impls
    if only is not None and impl not in only:
        return False
    limits = [twin.scenarios for twin in TWINS if twin.impl == impl and twin.scenarios is not None]
    return all(scenario in limit for limit in limits)


def matrix(
    impls: Iterable[str],
    scenarios: Optional[Sequence[str]] = None,
    receivers: Optional[Sequence[int]] = None,
    refs: Optional[Sequence[str]] = None,
    kinds: Optional[Sequence[str]] = None,
    core: bool = False,
) -> List[Point]:
    """Every point for ``impls``, narrowed by the optional filters (``None`` keeps all, but for
    the scenarios measured only when named in ``scenarios``); with ``core``, only each scenario's
    core reference mode and receiver kind (``core_mode``)."""
    points = []
    for impl in impls:
        supported = _supported(impl) if core else None
        for scenario in SCENARIOS.values():
            if scenarios is None and scenario.only_when_named:
                continue
            if scenarios is not None and scenario.name not in scenarios:
                continue
            if not _measured_in(impl, scenario.name):
                continue
            for count in scenario.receivers:
                if receivers is not None and count not in receivers:
                    continue
                if not scenario.has_receivers:
                    points.append(Point(impl, scenario.name, count))
                    continue
                for ref in REFS:
                    if refs is not None and ref not in refs:
                        continue
                    for kind in KINDS:
                        if kinds is not None and kind not in kinds:
                            continue
                        if scenario.modes is not None and (ref, kind) not in scenario.modes:
                            continue
                        if core and (ref, kind) != core_mode(scenario.name, supported):
                            continue
                        points.append(Point(impl, scenario.name, count, ref, kind))
    return points


def baseline_for(point: Point) -> Point:
    """The ``baseline`` point a point's ratio is taken against: the scenario's baseline
    scenario (sends filtered by sender, or after a peak, compare with the plain send), with the
    same receivers and kind and strong references (a plain list has no weak mode)."""
    scenario = SCENARIOS[point.scenario]
    ref = "strong" if point.ref else None
    return Point("baseline", scenario.baseline or scenario.name, point.receivers, ref, point.kind)
