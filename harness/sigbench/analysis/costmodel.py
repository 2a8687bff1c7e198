"""The cost model: what one operation (connect, send, disconnect) costs an implementation at any
receiver count, and what a whole workload of them costs, each with a 95% CI, from a run's
measured points (``sigbench.analysis.points``); and the bytes that n connected receivers hold.

**One operation at n receivers.**  A series is one scenario of one implementation in one
reference mode and receiver kind, as the whole operation's cost T(n): one send to n receivers,
or connecting (disconnecting) n receivers one by one (the per-receiver value times n, as the
scaling fits take it).  Its cost at n is

- at a measured count, that point's median and CI (``MEASURED``);
- between two measured counts, interpolated in log-log: log(T - T₀) linear in log n between the
  two counts around n, where T₀ is the cost at no receivers (``INTERPOLATED``).  T₀ is a send's
  fixed cost, measured at 0 receivers (for a send to receivers bound to senders, the plain
  send's: with no receiver, it does the same), and 0 for connecting or disconnecting.  Exact
  for a fixed cost plus a power law of n, a fixed cost plus a slope among them; plain log-log
  would miss that line by up to 13% between 1 and 10 receivers, and 2% between 10 and 100, for a
  fixed cost as large as one receiver's.  Where T - T₀ is not positive at both counts, plain
  log-log;
- beyond the largest count, the last segment continued (``EXTRAPOLATED``): linearly (its cost
  per receiver) unless the scaling fit found the growth superlinear
  (``sigbench.analysis.stats.ScalingFit.superlinear``, the fit's own criterion that a line does
  not describe it), then in log-log.  The fitted line itself is not continued: it is weighted
  by 1/median², so it follows the small counts and can miss the largest by several percent
  (blinker's send, +6.6% at 1000), which it would carry into every larger n;
- below the smallest count, the fitted fixed cost + slope (``FITTED``), where the fixed cost
  matters most.

**Its CI.**  Each bound is the same combination of the points' bounds as the value is of their
medians (less T₀, a constant here: the points' CIs hold its uncertainty already), each bound
taken in the direction its weight pushes: between two counts (weights in [0, 1]) the log CI
bounds interpolated with the same weights; beyond them (one weight negative) the lower bound
takes the near point's upper bound.  This is linear (conservative) propagation:
it takes the two points' errors to move together, so an interpolated CI is never narrower than
the points' own.  A fitted cost's bounds are the fixed cost's and the slope's bounds combined the
same way (wider than the joint bootstrap's, as fixed cost and slope are anti-correlated).

**A workload**: C connects, S sends at N receivers, D disconnects.  The connect scenario's value
depends on the count (it connects n receivers to an empty signal), so the C connects that raise
a signal from N - C to N receivers cost T_c(N) - T_c(N - C), with T(0) = 0: with C = N, exactly
the connect scenario's cost at n = N.  Connects beyond N cost the marginal connect at N each,
T_c(N + 1) - T_c(N), as though each were undone by a disconnect.  Disconnects likewise, down
from N (the disconnect scenario empties a signal of n receivers in connection order).  A part
built from one series at several counts takes its bounds from the series' low and high curves
(one shift common to its counts).  The parts come from different points, measured in different
processes: their half-widths combine in quadrature (independent errors), the lower and upper
separately.

**Memory** for N receivers: the bytes ``memory_connect`` reads per receiver times n, interpolated
linearly in n (bytes may be 0), continued linearly beyond the largest count, and never below 0
(``held``: readings around 0, as Qt's whose connections tracemalloc cannot see, may continue
below it).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import pandas

from sigbench.analysis.points import Analysis
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.probe import BINDINGS

#: How a cost was found, from the most to the least direct (a sum is as indirect as its least).
MEASURED, INTERPOLATED, FITTED, EXTRAPOLATED = "measured", "interpolated", "fitted", "extrapolated"
HOWS = (MEASURED, INTERPOLATED, FITTED, EXTRAPOLATED)

#: The parts of a workload, in the order it performs them.
PARTS = ("connect", "send", "disconnect")
#: The scenario that measures each part, by how receivers are bound to senders (``BINDINGS``):
#: receivers bound to a sender (``matched`` or ``unmatched``) are connected as ``connect_matched``
#: connects them; every disconnect is ``disconnect``'s, of receivers connected for any sender.
CONNECT_SCENARIOS = {"any": "connect", "matched": "connect_matched", "unmatched": "connect_matched"}
SEND_SCENARIOS = {"any": "send", "matched": "send_matched", "unmatched": "send_unmatched"}
#: An awaited send (``--async``), to receivers connected for any sender.
ASYNC_SEND_SCENARIO = "send_async"
DISCONNECT_SCENARIO = "disconnect"
#: The bytes per receiver connected.
MEMORY_SCENARIO = "memory_connect"
#: Where a send scenario without a point at 0 receivers takes its cost at no receivers (T₀): a
#: send to no receiver is the same whatever the senders receivers would be bound to.
ZERO_RECEIVERS = {"send_matched": "send", "send_unmatched": "send"}
#: Every scenario the model reads.
MODEL_SCENARIOS = tuple(
    sorted(
        {*CONNECT_SCENARIOS.values(), *SEND_SCENARIOS.values(), ASYNC_SEND_SCENARIO, DISCONNECT_SCENARIO}
        | {MEMORY_SCENARIO}
    )
)


class ModelError(ValueError):
    """A workload, or a series, the model cannot cost; the message says why."""


@dataclass(frozen=True)
class Cost:
    """A cost (seconds, or bytes) with its 95% CI, and how it was found."""

    value: float
    low: float
    high: float
    #: ``HOWS``: for a sum, its least direct part's.
    how: str = MEASURED
    #: Where it comes from, in words ("log-log between 10 and 100").
    basis: str = ""

    def scaled(self, factor: float) -> Cost:
        """This cost ``factor`` times over (one operation repeated: its error repeats too)."""
        bounds = sorted((self.low * factor, self.high * factor))
        return replace(self, value=self.value * factor, low=bounds[0], high=bounds[1])


def _least_direct(hows: Iterable[str]) -> str:
    return max(hows, key=HOWS.index, default=MEASURED)


def _bases(costs: Iterable[Cost]) -> str:
    return "; ".join(dict.fromkeys(cost.basis for cost in costs if cost.basis))


def combined(parts: Sequence[Cost]) -> Cost:
    """The sum of independent ``parts``: their lower and upper half-widths each in quadrature."""
    if not parts:
        raise ModelError("nothing to add up")
    value = math.fsum(part.value for part in parts)
    below = math.sqrt(math.fsum((part.value - part.low) ** 2 for part in parts))
    above = math.sqrt(math.fsum((part.high - part.value) ** 2 for part in parts))
    return Cost(value, value - below, value + above, _least_direct(p.how for p in parts), _bases(parts))


@dataclass(frozen=True)
class Series:
    """One operation's whole cost by receiver count (ascending, positive), with CIs and, for a
    timed scenario, its scaling fit; ``log``: interpolated in log-log (time), else linearly
    (bytes)."""

    counts: Tuple[int, ...]
    values: Tuple[float, ...]
    lows: Tuple[float, ...]
    highs: Tuple[float, ...]
    log: bool = True
    #: The scaling fit's fixed cost and slope, each (value, low, high); None without a fit.
    fixed: Optional[Tuple[float, float, float]] = None
    slope: Optional[Tuple[float, float, float]] = None
    #: The fit found growth superlinear: extrapolate in log-log.
    superlinear: bool = False
    #: T₀, the cost at no receivers, subtracted before interpolating in log-log.
    zero: float = 0.0

    def __post_init__(self) -> None:
        sizes = {len(self.counts), len(self.values), len(self.lows), len(self.highs)}
        if len(sizes) != 1 or not self.counts:
            raise ModelError("a series needs one value and CI per count, and at least one count")
        if list(self.counts) != sorted(set(self.counts)) or self.counts[0] <= 0:
            raise ModelError(f"counts must be positive and ascending: {self.counts}")
        if self.log and min(self.lows) <= 0:
            raise ModelError("a series interpolated in log-log needs positive costs and bounds")

    def at(self, n: float) -> Cost:
        """The whole operation's cost at ``n`` receivers (see the module's docstring)."""
        counts = self.counts
        if n in counts:
            i = counts.index(int(n))
            return Cost(self.values[i], self.lows[i], self.highs[i], MEASURED, f"measured at {counts[i]}")
        if counts[0] < n < counts[-1]:
            above = bisect.bisect(counts, n)
            space = "log-log" if self.log else "linearly"
            return self._line(above - 1, above, n, self.log, INTERPOLATED, f"{space} between")
        if n > counts[-1]:
            if len(counts) < 2:
                raise ModelError(f"measured at {counts[0]} receivers only: nothing to extrapolate from")
            log = self.log and self.superlinear
            how = "in log-log (superlinear growth)" if log else "linearly"
            return self._line(len(counts) - 2, len(counts) - 1, n, log, EXTRAPOLATED, f"{how} beyond")
        if self.fixed is not None and self.slope is not None:
            (fixed, fixed_low, fixed_high), (slope, slope_low, slope_high) = self.fixed, self.slope
            return Cost(
                fixed + slope * n,
                fixed_low + slope_low * n,
                fixed_high + slope_high * n,
                FITTED,
                f"fitted fixed cost + slope below {counts[0]}",
            )
        if len(counts) < 2:
            raise ModelError(f"measured at {counts[0]} receivers only: nothing to extrapolate from")
        return self._line(
            0, 1, n, self.log, EXTRAPOLATED, "linearly below" if not self.log else "log-log below"
        )

    def _line(self, first: int, second: int, n: float, log: bool, how: str, words: str) -> Cost:
        """The line through the points ``first`` and ``second`` (in log-log with ``log``) at
        ``n``, its bounds the same combination of theirs, each in the direction its weight pushes."""
        zero = self.zero if log and min(self.lows[first], self.lows[second]) > self.zero else 0.0
        log_of: Callable[[float], float] = math.log if log else float
        forward: Callable[[float], float] = (lambda cost: math.log(cost - zero)) if log else float
        back: Callable[[float], float] = (lambda total: zero + math.exp(total)) if log else float
        x1, x2 = log_of(self.counts[first]), log_of(self.counts[second])
        weight = (log_of(n) - x1) / (x2 - x1)
        weights = ((1 - weight, first), (weight, second))

        def through(lower: bool) -> float:
            total = 0.0
            for share, i in weights:
                bound = self.lows[i] if (share >= 0) == lower else self.highs[i]
                total += share * forward(bound)
            return back(total)

        value = back(sum(share * forward(self.values[i]) for share, i in weights))
        basis = f"{words} {self.counts[first]} and {self.counts[second]}"
        if how == EXTRAPOLATED:
            basis = f"{words} {self.counts[-1] if n > self.counts[-1] else self.counts[0]}"
        return Cost(value, through(True), through(False), how, basis)


def on_curve(series: Series, terms: Sequence[Tuple[float, int]]) -> Cost:
    """Σ coefficient x T(count) over ``terms`` on one series (T(0) = 0), its bounds the same sum
    over the series' low and high curves (one shift, common to its counts)."""
    found = [(coefficient, series.at(count)) for coefficient, count in terms if count > 0]
    if not found:
        return Cost(0.0, 0.0, 0.0)
    value = math.fsum(c * cost.value for c, cost in found)
    lower = math.fsum(c * cost.low for c, cost in found)
    upper = math.fsum(c * cost.high for c, cost in found)
    costs = [cost for _, cost in found]
    return Cost(
        value,
        min(lower, upper, value),
        max(lower, upper, value),
        _least_direct(cost.how for cost in costs),
        _bases(costs),
    )


def moved(series: Series, receivers: int, operations: int) -> Cost:
    """``operations`` connects that raise a signal to ``receivers`` (or disconnects that lower it
    from there): T(N) - T(N - k) for k ≤ N; beyond N, each further one at the marginal cost at
    N, T(N + 1) - T(N)."""
    if operations <= receivers:
        return on_curve(series, [(1.0, receivers), (-1.0, receivers - operations)])
    extra = operations - receivers
    return on_curve(series, [(1.0 - extra, receivers), (float(extra), receivers + 1)])


@dataclass(frozen=True)
class Workload:
    """A shape of use: ``connects`` connects raising a signal to ``receivers`` receivers,
    ``sends`` sends to them, ``disconnects`` disconnects; receivers bound to senders as
    ``sender`` says (``BINDINGS``), sends awaited with ``asynchronous``."""

    receivers: int
    sends: int
    connects: int
    disconnects: int = 0
    sender: str = "any"
    asynchronous: bool = False

    def __post_init__(self) -> None:
        if self.receivers < 1:
            raise ModelError(f"receivers must be at least 1, not {self.receivers}")
        for name in ("sends", "connects", "disconnects"):
            if getattr(self, name) < 0:
                raise ModelError(f"{name} must not be negative, not {getattr(self, name)}")
        if not (self.sends or self.connects or self.disconnects):
            raise ModelError("a workload needs at least one send, connect or disconnect")
        if self.sender not in BINDINGS:
            raise ModelError(f"sender must be one of {', '.join(BINDINGS)}, not {self.sender!r}")
        if self.asynchronous and self.sender != "any":
            raise ModelError(
                f"awaited sends are measured to receivers connected for any sender only "
                f"({ASYNC_SEND_SCENARIO}): the sender must be 'any', not {self.sender!r}"
            )

    def scenarios(self) -> Dict[str, str]:
        """The scenario that measures each part the workload has, in ``PARTS``' order."""
        parts = {
            "connect": (self.connects, CONNECT_SCENARIOS[self.sender]),
            "send": (self.sends, ASYNC_SEND_SCENARIO if self.asynchronous else SEND_SCENARIOS[self.sender]),
            "disconnect": (self.disconnects, DISCONNECT_SCENARIO),
        }
        return {part: parts[part][1] for part in PARTS if parts[part][0]}


@dataclass(frozen=True)
class Prediction:
    """A workload's predicted time (seconds) and its parts', and the bytes its receivers hold."""

    total: Cost
    parts: Dict[str, Cost]
    memory: Optional[Cost]


def predict(workload: Workload, series: Mapping[str, Series], memory: Optional[Series] = None) -> Prediction:
    """The workload's cost from the series of its parts (by part: ``Workload.scenarios``)."""
    missing = [part for part in workload.scenarios() if part not in series]
    if missing:
        raise ModelError(f"no series for {', '.join(missing)}")
    parts: Dict[str, Cost] = {}
    if workload.connects:
        parts["connect"] = moved(series["connect"], workload.receivers, workload.connects)
    if workload.sends:
        parts["send"] = series["send"].at(workload.receivers).scaled(workload.sends)
    if workload.disconnects:
        parts["disconnect"] = moved(series["disconnect"], workload.receivers, workload.disconnects)
    return Prediction(
        combined(list(parts.values())), parts, held(memory.at(workload.receivers)) if memory else None
    )


def held(memory: Cost) -> Cost:
    """Bytes held, and their CI, at no less than 0."""
    return replace(memory, value=max(memory.value, 0.0), low=max(memory.low, 0.0), high=max(memory.high, 0.0))


def series_of(analysis: Analysis, label: str, scenario: str, ref: str, kind: str) -> Optional[Series]:
    """The series of ``label``'s ``scenario`` in ``ref`` and ``kind`` from an analysis (None
    when it has no point there): whole-operation costs at its positive counts, with its
    scaling fit."""
    points = analysis.points
    rows = points[
        (points["label"] == label)
        & (points["scenario"] == scenario)
        & (points["ref"] == ref)
        & (points["kind"] == kind)
    ]
    found = SCENARIOS[scenario]
    zero = 0.0
    if found.unit != "receiver":  # a send: its cost at no receivers, its own or the plain send's
        at_zero = points[
            (points["label"] == label)
            & (points["scenario"] == ZERO_RECEIVERS.get(scenario, scenario))
            & (points["ref"] == ref)
            & (points["kind"] == kind)
            & (points["receivers"] == 0)
        ]
        zero = float(at_zero["median"].iloc[0]) if len(at_zero) else 0.0
    rows = rows[rows["receivers"] > 0].sort_values("receivers")
    if rows.empty:
        return None
    counts = [int(n) for n in rows["receivers"]]
    scale = counts if found.unit == "receiver" else [1] * len(counts)

    def column(name: str) -> Tuple[float, ...]:
        return tuple(float(v) * s for v, s in zip(rows[name], scale))

    fixed = slope = None
    superlinear = False
    fits = analysis.fits
    fit = fits[
        (fits["label"] == label)
        & (fits["scenario"] == scenario)
        & (fits["ref"] == ref)
        & (fits["kind"] == kind)
    ]
    if not fit.empty:
        first = fit.iloc[0]
        fixed = (float(first["fixed"]), float(first["fixed_low"]), float(first["fixed_high"]))
        slope = (float(first["slope"]), float(first["slope_low"]), float(first["slope_high"]))
        superlinear = bool(first["superlinear"])
    return Series(
        tuple(counts),
        column("median"),
        column("low"),
        column("high"),
        log=found.timed,
        fixed=fixed,
        slope=slope,
        superlinear=superlinear,
        zero=zero,
    )


def workload_series(
    analysis: Analysis, label: str, ref: str, kind: str, workload: Workload
) -> Tuple[Dict[str, Series], List[str]]:
    """The series of each part of ``workload`` for ``label`` in ``ref`` and ``kind``, and the
    scenarios of the parts it has no point of."""
    found: Dict[str, Series] = {}
    missing: List[str] = []
    for part, scenario in workload.scenarios().items():
        series = series_of(analysis, label, scenario, ref, kind)
        if series is None:
            missing.append(scenario)
        else:
            found[part] = series
    return found, missing


def labels_of(points: pandas.DataFrame) -> List[Tuple[str, str, str]]:
    """(label, implementation, version) of every implementation measured in ``points``."""
    measured = points[points["impl"].fillna("") != ""]
    first = measured.groupby("label", sort=True).first()
    return [(str(label), str(row["impl"]), str(row["impl_version"])) for label, row in first.iterrows()]
