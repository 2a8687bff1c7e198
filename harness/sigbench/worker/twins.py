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
    #: Scenarios of both that are not compared, with why: they run different code there, or the
    #: same code on objects that cost differently.  Their points still keep the twins' company.
    unlike: Mapping[str, str] = field(default_factory=dict)
    #: An A/A twin: the original under a second name, a check of the harness and not an
    #: implementation of its own (the report shows it with the twins, never ranked).
    check_only: bool = False

    def covers(self, scenario: str) -> bool:
        """Is ``scenario`` one of the twins' timed scenarios, compared or not (``unlike``)?"""
        if scenario not in SCENARIOS or SCENARIOS[scenario].metric != "time":
            return False
        only = SCENARIOS[scenario].impls
        if only is not None and not (self.impl in only and self.of in only):
            return False
        return self.scenarios is None or scenario in self.scenarios

    def shares(self, scenario: str) -> bool:
        """Do the twins run the same code, at the same cost, in ``scenario``?"""
        return scenario not in self.unlike and self.covers(scenario)


TWINS: Tuple[Twin, ...] = (
    Twin(
        "flask",
        "blinker",
        "Flask's signals are blinker signals: NamedSignal subclasses blinker.Signal, and connect, send "
        "and disconnect are blinker's own",
        unlike={
            "create": "making a Flask signal makes a Namespace and a NamedSignal, not a Signal",
            **dict.fromkeys(
                ("connect", "connect_matched", "disconnect", "churn"),
                "a NamedSignal, the class of Flask's signals, connects and disconnects 2-4% slower than "
                "blinker's Signal (measured in one process: the findings on Flask), as much as the twins' "
                "tolerance, so a fair harness could fail there",
            ),
        },
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


def twin_company(impl: str, scenario: str) -> Tuple[str, ...]:
    """The twins (by name) that cover ``scenario``, when ``impl`` is a twin or the original of one (none
    otherwise).  Such an implementation measures its points in workers by this: a figure moves by
    a percent or two with the points a worker measured before it (the heap they leave), so every
    twin must measure a shared point beside the same others."""
    if not any(impl in (twin.impl, twin.of) for twin in TWINS):
        return ()
    return tuple(twin.impl for twin in TWINS if twin.covers(scenario))


def is_twin_point(impl: str, scenario: str) -> bool:
    """Whether ``impl``'s ``scenario`` is compared between twins (as twin or original)."""
    return any(impl in (twin.impl, twin.of) and twin.shares(scenario) for twin in TWINS)
