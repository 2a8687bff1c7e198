"""The machine's speed over a run's stretches, read off the reference workload's readings
(``sigbench.worker.speed``) of hundreds of values at once, and divided out of the values
(``stretch_factors``): what the rule that judges each value by its own readings cannot see.

A value's few readings scatter by a percent or two, so a machine slowed by two percent for a
minute passes the rule value by value, and every value of that minute counts as quiet.  Over the
hundreds of values of a stretch of ``WINDOW_SECONDS``, the median reading is known to a few tenths
of a percent.  Each reading is first taken relative to its point's median reading over the run
(points interleave through a run, and the reference runs at slightly different speeds in each:
what a worker imported, where its memory lies, which interpreter ran it); each stretch's median
of those is compared with the run's quick stretches (their ``BASELINE_QUANTILE``, not the
quickest alone, whose median scatters).  A value taken in a slower stretch is divided by the
difference.

A run slowed alike from start to end shows no stretch slower than another, and keeps its speed:
the run summary's conditions say how far its fastest reading stayed from the machine's.  Runs too
short for ``FEWEST_WINDOWS`` stretches of ``FEWEST_VALUES`` values are left as they are.

On the runs of 2026-12-07 here (three back-to-back runs of 557 points, five times): in quiet runs
the correction moved point medians by 0.04 to 0.24% (median point) and left the runs' agreement
as it was; a run slow by 2% through most of it, in slower and faster stretches, went from a median
1.9% to 1.2 to 1.3% away from its neighbours, and its twins' verdicts from 34 to 42 of 45.
"""

from __future__ import annotations

import numpy as np
import pandas

#: The length of a stretch (seconds, by the start of each value's process): long enough for
#: hundreds of values, short enough to follow the machine's slower minutes (5 to 30 s did alike).
WINDOW_SECONDS = 15
#: The run's quiet level: this quantile of its stretches' median readings.
BASELINE_QUANTILE = 0.10
#: A stretch with fewer values than this is left as it is (its median is not known well enough).
FEWEST_VALUES = 30
#: A run with fewer stretches of ``FEWEST_VALUES`` than this is left as it is.
FEWEST_WINDOWS = 3


def stretch_factors(frame: pandas.DataFrame) -> pandas.Series:
    """Each row's factor (≥ 1) by which its stretch ran slower than its run's quick stretches: 1
    where there is nothing to go by (no reading, not a time, a run too short).  ``frame`` is
    ``load_results``'s table (``file``, ``hostname``, ``benchmark``, ``env``, ``python``, ``unit``,
    ``date``, ``reading``).  A file's values from several machines (the shards of a merged run)
    are taken machine by machine."""
    factors = pandas.Series(1.0, index=frame.index)
    sensed = frame[(frame["unit"] == "second") & (frame["reading"] > 0)]
    machines = [sensed[column].astype("string").fillna("") for column in ("file", "hostname")]
    for _, run in sensed.groupby(machines, sort=False):
        # ISO 8601 in any of its forms, not the first date's form for all (an edited or merged
        # file's dates may differ in precision or offset, and one unread date leaves the run as it is).
        dates = pandas.to_datetime(run["date"], utc=True, errors="coerce", format="ISO8601")
        if dates.isna().any():
            continue
        logs = np.log(run["reading"].astype(float))
        point = [run[column].astype("string").fillna("") for column in ("benchmark", "env", "python")]
        relative = logs - logs.groupby(point).transform("median")
        window = ((dates - dates.min()).dt.total_seconds() // WINDOW_SECONDS).astype(int)
        stretches = relative.groupby(window).agg(["median", "size"])
        known = stretches[stretches["size"] >= FEWEST_VALUES]["median"]
        if len(known) < FEWEST_WINDOWS:
            continue
        slower = (known - known.quantile(BASELINE_QUANTILE)).clip(lower=0.0)
        factors.loc[run.index] = np.exp(window.map(slower).fillna(0.0).to_numpy())
    return factors
