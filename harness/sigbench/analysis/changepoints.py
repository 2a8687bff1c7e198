"""Change points in a long history: where one benchmark's cost moved along an ordered series of
environments (a run of releases, a commit range), found by segmentation and judged with the same
paired statistics as the history's steps.

Candidates.  A benchmark's series is the environments that measured it, over the rounds common to
all of them.  Per round (worker process), the log round medians of the series' environments minus
that round's median across them, so drift shared by a round cancels; per environment, the median
of these over the rounds.  The per-environment medians, in units of their standard error, are
segmented by PELT (``ruptures``: the exact minimum of the squared deviations from each segment's
mean plus a penalty per change point) with the BIC penalty ``2 ln n`` for ``n`` environments (a
change in mean under known noise costs a new mean and a location).  The standard error is not
tuned: it is the round-to-round spread within the environments, pooled and robust (1.4826 times
the median absolute deviation from each environment's median), times ``sqrt(pi / 2) / sqrt(rounds)``
(the standard error of a median).

Judgement.  A candidate between a segment *before* and a segment *after* (each bounded by the
neighbouring candidates or the ends of the series) gets, per round present in every environment of
both, the log ratio: the mean log round median over the *after* environments minus that over the
*before* ones.  The per-round log ratios of all the history's candidates, across its benchmarks,
go to ``paired_verdicts`` together: a one-sided Wilcoxon test each way against the threshold and
Benjamini-Hochberg across the candidates, as a step is judged.  Every candidate is kept with its
verdict, so a ``same`` or ``inconclusive`` one shows a change that was considered and that the
rounds did not confirm.  A gradual drift shows as several candidates, each judged on its own size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence, Tuple

import numpy as np

from sigbench.analysis.stats import Estimate
from sigbench.analysis.verdicts import ALPHA, FEWEST_ROUNDS, THRESHOLD, Verdict, paired_verdicts

#: A history with at least this many environments gets change points besides its steps.
CHANGE_POINT_ENVIRONMENTS = 6
#: Standard deviation of normal noise per median absolute deviation.
_MAD_SCALE = 1.4826
#: Standard error of the median of n normal values, times sqrt(n), per standard deviation.
_MEDIAN_ERROR = math.sqrt(math.pi / 2)

#: Per (environment label, benchmark), the median value of each round (worker process).
RoundMedians = Mapping[Tuple[str, str], Mapping[int, float]]


@dataclass(frozen=True)
class ChangePoint:
    """One benchmark's change from the segment of environments ``before_segment`` to the segment
    ``after_segment``: between ``before`` (the last environment before it) and ``after``."""

    benchmark: str
    before: str
    after: str
    before_segment: Tuple[str, ...]
    after_segment: Tuple[str, ...]
    #: Geometric mean over the after segment ÷ that over the before segment (median over rounds).
    ratio: Estimate
    #: slower, faster, same or inconclusive, as a step.
    verdict: Verdict
    rounds: int
    p_slower: float
    p_faster: float
    #: The change beyond the threshold this judgement could have found with 80% power.
    mde: float


def candidates(logs: np.ndarray) -> List[int]:
    """Positions ``i`` (a change between environment ``i - 1`` and ``i``) in ``logs``, the log
    round medians of an ordered series (one row per environment, one column per round)."""
    from ruptures import Pelt

    environments, rounds = logs.shape
    centred = logs - np.median(logs, axis=0)
    medians = np.median(centred, axis=1)
    spread = _MAD_SCALE * float(np.median(np.abs(centred - medians[:, None])))
    error = _MEDIAN_ERROR * spread / math.sqrt(rounds)
    if error == 0:  # no noise at all: every difference is a change
        return [i for i in range(1, environments) if medians[i] != medians[i - 1]]
    signal = (medians / error).reshape(-1, 1)
    ends = Pelt(model="l2", min_size=1, jump=1).fit(signal).predict(pen=2 * math.log(environments))
    return [int(end) for end in ends[:-1]]


def _series(
    environments: Sequence[str], benchmark: str, rounds: RoundMedians
) -> Tuple[List[str], Optional[np.ndarray]]:
    """The environments that measured ``benchmark``, and their log round medians over the rounds
    common to all of them (None with fewer than FEWEST_ROUNDS such rounds)."""
    series = [label for label in environments if rounds.get((label, benchmark))]
    common = (
        sorted(set.intersection(*(set(rounds[(label, benchmark)]) for label in series))) if series else []
    )
    if len(common) < FEWEST_ROUNDS:
        return series, None
    return series, np.log([[rounds[(label, benchmark)][r] for r in common] for label in series])


def _log_ratios(
    before: Sequence[str], after: Sequence[str], benchmark: str, rounds: RoundMedians
) -> List[float]:
    """Per round present in every environment of both segments: mean log after - mean log before."""
    chosen = {label: rounds[(label, benchmark)] for label in (*before, *after)}
    common = sorted(set.intersection(*(set(medians) for medians in chosen.values())))

    def mean_log(segment: Sequence[str], r: int) -> float:
        return float(np.mean([math.log(chosen[label][r]) for label in segment]))

    return [mean_log(after, r) - mean_log(before, r) for r in common]


def change_points(
    environments: Sequence[str],
    benchmarks: Sequence[str],
    rounds: RoundMedians,
    threshold: float = THRESHOLD,
    alpha: float = ALPHA,
    seed: Optional[int] = None,
) -> List[ChangePoint]:
    """Each benchmark's change points along ``environments`` (labels, oldest first), judged
    together; none for a benchmark measured in fewer than CHANGE_POINT_ENVIRONMENTS of them or
    in fewer than FEWEST_ROUNDS rounds common to all."""
    judged: List[Tuple[str, List[str], List[str], List[float]]] = []
    for benchmark in benchmarks:
        series, logs = _series(environments, benchmark, rounds)
        if logs is None or len(series) < CHANGE_POINT_ENVIRONMENTS:
            continue
        positions = candidates(logs)
        bounds = [0, *positions, len(series)]
        for start, position, end in zip(bounds, bounds[1:], bounds[2:]):
            before, after = series[start:position], series[position:end]
            # The rounds common to the whole series are among them: at least FEWEST_ROUNDS.
            judged.append((benchmark, before, after, _log_ratios(before, after, benchmark, rounds)))
    verdicts = paired_verdicts([ratios for *_, ratios in judged], threshold, alpha, seed)
    found = [
        ChangePoint(
            benchmark,
            before[-1],
            after[0],
            tuple(before),
            tuple(after),
            verdict.test.ratio,
            verdict.verdict,
            len(ratios),
            verdict.p_slower,
            verdict.p_faster,
            verdict.mde,
        )
        for (benchmark, before, after, ratios), verdict in zip(judged, verdicts)
    ]
    order = {label: i for i, label in enumerate(environments)}
    return sorted(found, key=lambda point: (point.benchmark, order[point.after]))
