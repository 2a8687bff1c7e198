"""The vocabulary of a measured point: reference modes, receiver kinds, the default mode, and the
point itself (an implementation running a scenario at one setting).

Standard library only: adapters and workers use it; the scenarios themselves are
``sigbench.worker.scenarios``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from sigbench.suite.records import PointFields

REFS: Tuple[str, ...] = ("strong", "weak")
KINDS: Tuple[str, ...] = ("function", "method")
#: The reference mode and receiver kind most figures are shown in: strong references to functions.
DEFAULT_MODE: Tuple[str, str] = ("strong", "function")


@dataclass(frozen=True, order=True)
class Point:
    """One measured combination: an implementation running a scenario at one setting (``ref``
    and ``kind`` are None for a scenario that has no receivers, such as ``create``)."""

    impl: str
    scenario: str
    receivers: int
    ref: Optional[str] = None
    kind: Optional[str] = None

    @property
    def name(self) -> str:
        """Readable, unique id: ``impl-scenario-receivers-ref-kind`` (``impl-create`` for a
        scenario without receivers)."""
        if self.ref is None and self.kind is None and self.receivers == 0:
            return f"{self.impl}-{self.scenario}"
        return f"{self.impl}-{self.scenario}-{self.receivers}-{self.ref}-{self.kind}"

    def as_dict(self) -> PointFields:
        return {
            "impl": self.impl,
            "scenario": self.scenario,
            "receivers": self.receivers,
            "ref": self.ref,
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Point:
        """The point of ``data`` (``PointFields``, or any mapping with those keys, such as a
        results file's entry; ``ref`` and ``kind`` may be missing)."""
        return cls(
            impl=str(data["impl"]),
            scenario=str(data["scenario"]),
            receivers=int(data["receivers"]),  # type: ignore[call-overload]
            ref=data.get("ref"),  # type: ignore[arg-type]
            kind=data.get("kind"),  # type: ignore[arg-type]
        )
