"""Twins: implementations that run the same code in some scenarios, whose figures must therefore
agree (``sigbench.analysis.twins`` judges them): the standing proof that the harness is fair.

Standard library only (the matrix uses it, and the matrix is read in workers too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Tuple

from sigbench.worker.scenarios import SCENARIOS

#: A twin's ratio to its original must lie within this, both ways.
TWIN_TOLERANCE = 0.03
#: The precision a profile with a target measures twins' shared points to (when its own target is
#: looser): a ratio's CI is about 1.4 times as wide as each median's, and must fit within
#: ``TWIN_TOLERANCE`` with room for the percent or so by which processes differ.
TWIN_PRECISION = TWIN_TOLERANCE / 3


@dataclass(frozen=True)
class Twin:
    """Two implementations that run the same code in some scenarios: there, their figures must
    agree (within ``TWIN_TOLERANCE``), or the harness measures them differently."""

    impl: str
    of: str
    why: str
    #: The scenarios the twins share code in (None: every scenario in time they both have).
    scenarios: Optional[Tuple[str, ...]] = None
    #: Scenarios of both that run different code, with why.
    unlike: Mapping[str, str] = field(default_factory=dict)
    #: An A/A twin: the original under a second name, a check of the harness and not an
    #: implementation of its own (the report shows it with the twins, never ranked).
    check_only: bool = False

    def shares(self, scenario: str) -> bool:
        """Do the twins run the same code in ``scenario``?"""
        if scenario not in SCENARIOS or SCENARIOS[scenario].metric != "time" or scenario in self.unlike:
            return False
        only = SCENARIOS[scenario].impls
        if only is not None and not (self.impl in only and self.of in only):
            return False
        return self.scenarios is None or scenario in self.scenarios


TWINS: Tuple[Twin, ...] = (
    Twin(
        "flask",
        "blinker",
        "Flask's signals are blinker signals: NamedSignal subclasses blinker.Signal, and connect, send "
        "and disconnect are blinker's own",
        unlike={"create": "making a Flask signal makes a Namespace and a NamedSignal, not a Signal"},
    ),
    Twin(
        "blinker_twin",
        "blinker",
        "blinker under a second name (an A/A twin): the same adapter, in workers of its own",
        scenarios=("send", "connect", "disconnect", "send_after_peak"),
        check_only=True,
    ),
)


def is_check_only(impl: str) -> bool:
    """Whether ``impl`` is an A/A twin: a check, not an implementation to rank."""
    return any(twin.check_only and twin.impl == impl for twin in TWINS)


def is_twin_point(impl: str, scenario: str) -> bool:
    """Whether ``impl``'s ``scenario`` is compared between twins (as twin or original)."""
    return any(impl in (twin.impl, twin.of) and twin.shares(scenario) for twin in TWINS)
