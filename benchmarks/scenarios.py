"""The one scenario matrix: operation x receivers x reference mode x receiver kind.

Every front end (the pyperf-based runner, the pytest-benchmark plugin) reads this module; no
other place lists scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

REFS: Tuple[str, ...] = ("strong", "weak")
KINDS: Tuple[str, ...] = ("function", "method")


@dataclass(frozen=True)
class Scenario:
    """One operation and the receiver counts it is measured at."""

    name: str
    description: str
    receivers: Tuple[int, ...]
    #: What one timed operation is: values are seconds per ``unit``.
    unit: str
    #: Does the point vary with reference mode and receiver kind?
    has_receivers: bool = True


SCENARIOS: Dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("create", "make a new signal", (0,), "signal", has_receivers=False),
        Scenario(
            "connect", "connect n distinct receivers to an empty signal", (1, 10, 100, 1000), "receiver"
        ),
        Scenario(
            "disconnect", "disconnect n connected receivers, one by one", (1, 10, 100, 1000), "receiver"
        ),
        Scenario("send", "one send with n receivers connected for any sender", (0, 1, 10, 100, 1000), "send"),
        Scenario(
            "send_matched",
            "one send from the sender all n receivers are bound to",
            (1, 10, 100, 1000),
            "send",
        ),
        Scenario(
            "send_unmatched",
            "one send from a sender none of the n receivers is bound to (each is bound to another)",
            (1, 10, 100, 1000),
            "send",
        ),
    )
}


@dataclass(frozen=True, order=True)
class Point:
    """One measured combination: an implementation running a scenario at one setting."""

    impl: str
    scenario: str
    receivers: int
    ref: Optional[str] = None
    kind: Optional[str] = None

    @property
    def name(self) -> str:
        """Readable, unique id: ``impl-scenario-receivers-ref-kind`` (``impl-create`` for create)."""
        if not SCENARIOS[self.scenario].has_receivers:
            return f"{self.impl}-{self.scenario}"
        return f"{self.impl}-{self.scenario}-{self.receivers}-{self.ref}-{self.kind}"

    def as_dict(self) -> Dict[str, object]:
        return {
            "impl": self.impl,
            "scenario": self.scenario,
            "receivers": self.receivers,
            "ref": self.ref,
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, object]) -> Point:
        return cls(
            impl=str(data["impl"]),
            scenario=str(data["scenario"]),
            receivers=int(data["receivers"]),  # type: ignore[call-overload]
            ref=data.get("ref"),  # type: ignore[arg-type]
            kind=data.get("kind"),  # type: ignore[arg-type]
        )


def matrix(
    impls: Iterable[str],
    scenarios: Optional[Sequence[str]] = None,
    receivers: Optional[Sequence[int]] = None,
    refs: Optional[Sequence[str]] = None,
    kinds: Optional[Sequence[str]] = None,
) -> List[Point]:
    """Every point for ``impls``, narrowed by the optional filters (``None`` keeps all)."""
    points = []
    for impl in impls:
        for scenario in SCENARIOS.values():
            if scenarios is not None and scenario.name not in scenarios:
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
                        points.append(Point(impl, scenario.name, count, ref, kind))
    return points
