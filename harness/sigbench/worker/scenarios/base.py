"""What every scenario is: its parameters, what it needs of an adapter, and the hooks through which
it builds its timed body and checks conformance.

A scenario is one object in one module of this package.  It owns its receiver counts, the modes it
is measured in, its unit and baseline, the capabilities it needs from an adapter, the body it
times (set-up kept apart from the timed region), its conformance check and its caption; nothing
outside this package compares against its name.  Families share a base class: sends
(``sigbench.worker.scenarios.sends``), regions of fresh signals (``regions``), threads
(``threads``), memory (``memory``) and Flask requests (``requests``).

Standard library only: this runs in the measured interpreter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Optional, Tuple

from sigbench.suite.adapter import Adapter
from sigbench.suite.metrics import METRICS
from sigbench.suite.points import Point

if TYPE_CHECKING:  # the bench drives a scenario's hooks; it imports this module
    from sigbench.worker.measure import Bench

#: A body: runs ``loops`` operations (in regions) and returns what its meter measured of them.
Body = Callable[[int], float]
#: A (reference mode, receiver kind) pair.
Mode = Tuple[str, str]

#: Why a ``free_threaded`` scenario is not measured on an interpreter with the GIL.
FREE_THREADED_ONLY = (
    "needs a free-threaded Python: with the GIL, threads take turns and this would time the GIL's "
    "switching, not the library (run it with --env python3.13t)"
)


class ConformanceError(Exception):
    """The adapter did not deliver as required; the message says how."""


class NotApplicable(ConformanceError):
    """The point asks what the library, as installed where the worker runs, does not have (a
    capability of a later release): not a failure, and not measured."""


#: The warm-up's share of a value's loops, unless a scenario says otherwise (``warm_up_share``).
WARMUP_SHARE = 0.25


@dataclass(frozen=True)
class Scenario:
    """One operation and the receiver counts it is measured at (subclasses: its behaviour)."""

    name: str
    description: str
    receivers: Tuple[int, ...]
    #: What one timed operation is: values are seconds (or bytes) per ``unit``.
    unit: str
    #: Where it stands among the scenarios (the registry, the matrix and the report follow it).
    order: float
    #: Does the point vary with reference mode and receiver kind?
    has_receivers: bool = True
    #: The implementations that have this scenario (``None``: every one).
    impls: Optional[Tuple[str, ...]] = None
    #: The (reference mode, receiver kind) pairs it is measured in (``None``: every pair).
    modes: Optional[Tuple[Mode, ...]] = None
    #: ``time``: values are seconds per ``unit``; ``memory``: bytes per ``unit`` (tracemalloc);
    #: ``count``: objects still alive per ``unit`` (``sigbench.suite.metrics``).
    metric: str = "time"
    #: Measured only on a free-threaded interpreter (``FREE_THREADED_ONLY`` says why).
    free_threaded: bool = False
    #: Its clock runs while weakly connected receivers die (the library's clean-up path), which
    #: may cost what earlier points left behind (``Adapter.fresh_process``).
    receivers_die: bool = False
    #: The signals a point works on: ``new`` ones (``Adapter.new_signal``), or the library's
    #: ``send`` signals (``send_signal``, ``async_signal``, a request's), which may be module
    #: globals that live as long as the process (Flask's built-in signals).
    signal: str = "new"
    #: What it needs of an adapter, in the order their absence is reported
    #: (``Adapter.lacks``: ``create``, ``sender``, ``async``, ``sync``, ``threads``, ``disconnect``).
    needs: Tuple[str, ...] = ()
    #: The scenario of the ``baseline`` point its ratio is taken against (``None``: its own).
    baseline: Optional[str] = None
    #: ``signal``: an operation on a signal; ``request``: a whole request through a web app whose
    #: signals have the receivers.
    family: str = "signal"
    #: Receivers of this scenario's check in the processes after the one that checked it in full.
    recheck_receivers: int = 10
    #: What the report says the ratio is taken against.
    baseline_note: str = "baseline at the same number of receivers, strong references"
    #: Measured only when named (``sigbench run --scenario NAME``): left out of the default and
    #: the full matrix (the workload shapes, which check the cost model rather than add figures).
    only_when_named: bool = False
    #: A warm-up's share of a value's loops.  What it warms (the code's specialisation, the
    #: allocator's pools, the caches) is a short prefix: full-length warm-ups came out within
    #: 0.4-1.2% of the values after them (median per scenario over 557 points) and took a third
    #: of the time spent on values; after quarter-length ones, a process's first value is a
    #: median 0.3% above its second (0.05% before) and points' medians moved by no more than
    #: between two runs with full ones (+0.04% against +0.24%, median over points).
    warm_up_share: float = WARMUP_SHARE

    @property
    def value_unit(self) -> str:
        """What a value counts, in pyperf's words: ``second``, ``byte`` or ``object``."""
        return METRICS[self.metric].unit

    @property
    def timed(self) -> bool:
        """Are its values timed?  Otherwise they are read in the worker (bytes, objects still
        alive: a deterministic metric), get a few processes, and are kept in the results file's
        ``sigbench`` section, not pyperf's."""
        return not METRICS[self.metric].deterministic

    @property
    def caption(self) -> str:
        """What the report and the summary say a value of this scenario is."""
        return self.description

    @property
    def operation(self) -> Scenario:
        """The scenario whose operation this one performs: itself, or for a memory scenario the
        timed scenario whose set-up and conformance it uses."""
        return self

    def point_of_operation(self, point: Point) -> Point:
        """``point``, as the point of ``operation`` at the same setting."""
        return replace(point, scenario=self.operation.name)

    def make_signal(self, adapter: Adapter) -> Any:
        """The signal a point of this scenario works on (``signal``)."""
        return adapter.send_signal() if self.signal == "send" else adapter.new_signal()

    def rechecked(self, point: Point) -> Point:
        """The point checked again in a later process of a run that checked ``point`` in full:
        at most ``recheck_receivers`` receivers (delivery is what it verifies, not scale)."""
        return replace(point, receivers=min(point.receivers, self.recheck_receivers))

    def inner_loops(self, point: Point) -> int:
        """Operations per loop of the body: one, unless the scenario says otherwise."""
        return 1

    def unsupported(self, adapter: Adapter, ref: Optional[str], kind: Optional[str]) -> Optional[str]:
        """Why ``adapter`` cannot run this scenario in ``ref`` and ``kind``, or ``None``: a
        capability it lacks, else a reference mode and receiver kind it does not support."""
        for capability in self.operation.needs:
            reason = adapter.lacks(capability)
            if reason is not None:
                return reason
        return adapter.unsupported_mode(ref, kind)

    # -- behaviour: subclasses ---------------------------------------------------------------

    def body(self, bench: Bench) -> Body:
        """Build what stays across the body's calls (signals, receivers, ``bench.emit``) and
        return the body."""
        raise NotImplementedError(f"{self.name} has no timed body")

    def check(self, adapter: Adapter, point: Point) -> None:
        """Raise ``ConformanceError`` unless ``adapter`` delivers as ``point`` requires."""
        raise NotImplementedError(f"{self.name} has no conformance check")

    def repeated(self, bench: Bench) -> Optional[Callable[[], Any]]:
        """For a front end that times one call at a time (pytest-benchmark): the operation to
        call, when the scenario's body repeats one; ``None`` when it times regions."""
        return bench.emit
