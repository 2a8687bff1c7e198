"""The one scenario matrix: operation x receivers x reference mode x receiver kind.

Every front end (the pyperf-based runner, the pytest-benchmark plugin) reads this module; no
other place lists scenarios.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Collection, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

REFS: Tuple[str, ...] = ("strong", "weak")
#: Threads sending at once in the thread scenarios (twice the cores of a small CI machine).
THREADS = 4
#: Receivers on each of Flask's signals in the request scenarios.
FLASK_RECEIVERS = (0, 1, 10)
#: Receivers a signal held before ``send_after_peak`` sends on it (all disconnected again).
PEAK = 1000
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
    #: The implementations that have this scenario (``None``: every one).
    impls: Optional[Tuple[str, ...]] = None
    #: The (reference mode, receiver kind) pairs it is measured in (``None``: every pair).
    modes: Optional[Tuple[Tuple[str, str], ...]] = None
    #: ``signal``: an operation on a signal; ``request``: a whole request through a web app
    #: whose signals have the receivers (``Adapter.request``).
    family: str = "signal"
    #: ``time``: values are seconds per ``unit``; ``memory``: bytes per ``unit`` (tracemalloc).
    metric: str = "time"
    #: For a memory scenario, the scenario whose operation (set-up and conformance) it measures.
    operation: Optional[str] = None
    #: Measured only on a free-threaded interpreter (``FREE_THREADED_ONLY`` says why).
    free_threaded: bool = False
    #: The signals a point works on: ``new`` ones (``Adapter.new_signal``), or the library's
    #: ``send`` signals (``send_signal``, ``async_signal``, a request's), which may be module
    #: globals that live as long as the process (Flask's built-in signals).
    signal: str = "new"

    @property
    def value_unit(self) -> str:
        """What a value counts, in pyperf's words: ``second`` or ``byte``."""
        return METRIC_UNITS[self.metric]


#: Why a ``free_threaded`` scenario is not measured on an interpreter with the GIL.
FREE_THREADED_ONLY = (
    "needs a free-threaded Python: with the GIL, threads take turns and this would time the GIL's "
    "switching, not the library (run it with --env python3.13t)"
)
#: The unit of a value for each metric of a scenario.
METRIC_UNITS = {"time": "second", "memory": "byte"}


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
        Scenario(
            "send",
            "one send with n receivers connected for any sender",
            (0, 1, 10, 100, 1000),
            "send",
            signal="send",
        ),
        Scenario(
            "send_matched",
            "one send from the sender all n receivers are bound to",
            (1, 10, 100, 1000),
            "send",
            signal="send",
        ),
        Scenario(
            "send_unmatched",
            "one send from a sender none of the n receivers is bound to (each is bound to another)",
            (1, 10, 100, 1000),
            "send",
            signal="send",
        ),
        Scenario(
            "send_async",
            "one awaited send with n async def receivers connected for any sender (in a running "
            "asyncio event loop)",
            (0, 1, 10, 100),
            "send",
            signal="send",
        ),
        Scenario(
            "send_threads",
            f"{THREADS} threads sending at once on one signal with n receivers connected for any sender: "
            "time per send over all of them (the inverse of their throughput)",
            (10,),
            "send",
            free_threaded=True,
            signal="send",
        ),
        Scenario(
            "churn_threads",
            f"{THREADS} threads at once on one signal with n receivers, each sending, then connecting and "
            "disconnecting a receiver of its own, over and over: time per round of the three over all "
            "threads",
            (10,),
            "send, connect and disconnect",
            free_threaded=True,
            signal="send",
        ),
        Scenario(
            "memory_connect",
            "bytes that stay allocated (tracemalloc) when n distinct receivers are connected to an "
            "empty signal, after a collection, per receiver",
            (1, 10, 100, 1000),
            "receiver",
            metric="memory",
            operation="connect",
        ),
        Scenario(
            "memory_send",
            "peak bytes allocated (tracemalloc) during one send with n receivers connected for any "
            "sender, above what was allocated when it began",
            (0, 1, 10, 100, 1000),
            "send",
            metric="memory",
            operation="send",
            signal="send",
        ),
        Scenario(
            "collect",
            "n weakly connected receivers die (their last references dropped) and the signal lets "
            "them go: the library's clean-up path, per receiver",
            (1, 10, 100, 1000),
            "receiver",
            modes=(("weak", "function"), ("weak", "method")),
        ),
        Scenario(
            "send_dying",
            "one send to n weakly connected receivers, every even-numbered one dropping the last "
            "reference to the receiver after it as it is called",
            (2, 10, 100),
            "send",
            modes=(("weak", "function"), ("weak", "method")),
        ),
        Scenario(
            "churn",
            "connect one more receiver and disconnect it again, on a signal that already has n",
            (10, 100, 1000),
            "connect and disconnect",
            signal="send",
        ),
        Scenario(
            "send_after_peak",
            f"one send with n receivers connected for any sender, on a signal that held {PEAK} more "
            "before (connected, then disconnected again), as a long-lived signal does after extensions "
            "came and went",
            (0, 1, 10, 100),
            "send",
            signal="send",
        ),
        *(
            Scenario(
                name,
                f"a request to a real Flask app (its WSGI callable){what}, with n no-op receivers "
                "connected to every one of Flask's built-in signals",
                FLASK_RECEIVERS,
                "request",
                impls=("flask",),
                modes=(("weak", "function"),),  # what signal.connect(receiver) makes
                family="request",
                signal="send",
            )
            for name, what in (
                ("flask_request", ": a plain view"),
                (
                    "flask_template",
                    " whose view renders a template (before_render_template, template_rendered)",
                ),
                ("flask_flash", " whose view calls flash() (message_flashed)"),
                ("flask_error", " whose view raises, answered 500 (got_request_exception)"),
                (
                    "flask_error_app",
                    " whose view raises, the receivers connected for this app only, as in "
                    "got_request_exception.connect(log_exception, app)",
                ),
            )
        ),
    )
}


#: Scenarios whose values are bytes, not time.
MEMORY_SCENARIOS = tuple(name for name, scenario in SCENARIOS.items() if scenario.metric == "memory")


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

    def shares(self, scenario: str) -> bool:
        """Do the twins run the same code in ``scenario``?"""
        if scenario not in SCENARIOS or SCENARIOS[scenario].metric != "time" or scenario in self.unlike:
            return False
        only = SCENARIOS[scenario].impls
        if only is not None and not (self.impl in only and self.of in only):
            return False
        return self.scenarios is None or scenario in self.scenarios


#: A twin's ratio to its original must lie within this, both ways.
TWIN_TOLERANCE = 0.03
#: The precision a profile with a target measures twins' shared points to (when its own target is
#: looser): a ratio's CI is about 1.4 times as wide as each median's, and must fit within
#: ``TWIN_TOLERANCE`` with room for the percent or so by which processes differ.
TWIN_PRECISION = TWIN_TOLERANCE / 3
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
    ),
)


def is_twin_point(impl: str, scenario: str) -> bool:
    """Whether ``impl``'s ``scenario`` is compared between twins (as twin or original)."""
    return any(impl in (twin.impl, twin.of) and twin.shares(scenario) for twin in TWINS)


def _measured_in(impl: str, scenario: str) -> bool:
    """Whether ``impl`` has ``scenario``: the scenario's own ``impls``, and an A/A twin's
    scenarios (it is measured only where it checks the harness)."""
    only = SCENARIOS[scenario].impls
    if only is not None and impl not in only:
        return False
    limits = [twin.scenarios for twin in TWINS if twin.impl == impl and twin.scenarios is not None]
    return all(scenario in limit for limit in limits)


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

    @property
    def operation(self) -> Point:
        """The point whose operation this one performs: itself, or for a memory scenario the
        timed scenario at the same setting (its set-up and conformance are that point's)."""
        return replace(self, scenario=SCENARIOS[self.scenario].operation or self.scenario)

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
    from sigbench.suite.adapters import get_adapter  # the adapters import this module

    try:
        return get_adapter(impl).combos
    except KeyError:
        return None


def matrix(
    impls: Iterable[str],
    scenarios: Optional[Sequence[str]] = None,
    receivers: Optional[Sequence[int]] = None,
    refs: Optional[Sequence[str]] = None,
    kinds: Optional[Sequence[str]] = None,
    core: bool = False,
) -> List[Point]:
    """Every point for ``impls``, narrowed by the optional filters (``None`` keeps all); with
    ``core``, only each scenario's core reference mode and receiver kind (``core_mode``)."""
    points = []
    for impl in impls:
        supported = _supported(impl) if core else None
        for scenario in SCENARIOS.values():
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
    """The ``baseline`` point a point's ratio is taken against.

    Same scenario, receivers and kind with strong references (a plain list has no weak
    mode); sends filtered by sender compare with the plain send to as many receivers.
    """
    scenario = "send" if point.scenario.startswith("send") else point.scenario
    ref = "strong" if point.ref else None
    return Point("baseline", scenario, point.receivers, ref, point.kind)
