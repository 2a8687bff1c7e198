"""A benchmark of sigbench's runner itself: run ``sigbench run`` several times back to back and
print what a change to the runner should be judged by: each run's wall time and timed share
(its time budget), the precision its points reached, and how well the runs agree (every timed
point's median compared pairwise: the median and 95th percentile of |log ratio|, and how many
points differ by more than their 95% intervals allow; the same in the reference's units, and with
how much longer a reference reading took in one run than the other divided out of every point;
the points read, bytes and objects, apart: how many read the same in both runs).

    python benchmarks/harness.py                      # three runs of the default matrix
    python benchmarks/harness.py --runs 2 -- --impl blinker --scenario send
    python benchmarks/harness.py --noise              # the same, the machine made slow in phases
    python benchmarks/harness.py --files results/a.json results/b.json   # judge existing runs

Arguments after ``--`` go to ``sigbench run``.  Do not run it beside anything else that uses the
processors: it measures the machine as much as the runner.  ``--noise`` runs burners beside the
runs (``sigbench.run.noise``: slow phases of 10 ms to 2 s, about 40% of the time), to show what
the runner makes of a noisy machine; the share of each run it made slow is printed.
"""

from __future__ import annotations

import argparse
import itertools
import math
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from sigbench.analysis.precision import precision_of
from sigbench.analysis.speed import conditions, reference_medians
from sigbench.analysis.stats import typical_runs
from sigbench.results.budget import summary_line, with_other
from sigbench.results.store import is_read, point_runs, read_results
from sigbench.results.table import frame_from_documents
from sigbench.run.noise import NoiseInjector
from sigbench.suite.points import Point

#: Agreement the issue that introduced this script asked of three back-to-back runs.
MEDIAN_LIMIT, P95_LIMIT = 0.01, 0.03


def medians(document: Dict) -> Dict[str, float]:
    """Every point's median over its values, as the report takes it (the run's slower stretches
    divided out, outlying processes left out where the run says so)."""
    mads = document["sigbench"]["settings"].get("outlying_mads")
    found = {}
    frame = frame_from_documents({Path("run.json"): document})
    for name, point in frame.groupby("benchmark"):
        runs = [list(process["value"]) for _, process in point.groupby("process")]
        kept = typical_runs(runs, mads)
        if kept:
            found[str(name)] = float(np.median([v for run in kept for v in run]))
    return found


def agreement(first: Dict[str, float], second: Dict[str, float]) -> np.ndarray:
    """|log ratio| of the medians of the points both runs measured (nonzero in both)."""
    common = [name for name in first if name in second and first[name] > 0 and second[name] > 0]
    return np.abs(np.log([second[name] / first[name] for name in common]))


def read_names(document: Dict) -> Set[str]:
    """The points of ``document`` that are read, not timed (bytes, objects: ``is_read``)."""
    return {item["name"] for item in document["sigbench"]["points"] if is_read(Point.from_dict(item))}


Medians = Tuple[Dict[str, float], Dict[str, float]]


def compare(first: Dict, second: Dict, found: Optional[Medians] = None) -> Tuple[np.ndarray, np.ndarray]:
    """|log ratio| of the medians of the timed points, and of the points read, of two runs
    (``found``: their ``medians``, when known already)."""
    read = read_names(first) | read_names(second)
    a, b = found or (medians(first), medians(second))

    def only(medians: Dict[str, float], wanted: bool) -> Dict[str, float]:
        return {name: value for name, value in medians.items() if (name in read) == wanted}

    return agreement(only(a, False), only(b, False)), agreement(only(a, True), only(b, True))


def machine_shift(plain: Medians, units: Medians, read: Set[str]) -> Optional[float]:
    """How much longer a reference reading took in the second run than in the first, as a log
    ratio: the median over the timed points in all four of ``plain`` medians' log ratio less
    their ``units``' (their medians in the reference's units), which is near enough each point's
    median reading's log ratio (None without such points).  A machine slower through a whole run,
    or between runs, moves every point and its readings alike; a runner or a library moves points."""
    (a, b), (unit_a, unit_b) = plain, units
    common = [
        name
        for name in a
        if name not in read
        and name in b
        and name in unit_a
        and name in unit_b
        and min(a[name], b[name], unit_a[name], unit_b[name]) > 0
    ]
    if not common:
        return None
    return float(np.median([math.log(b[n] / a[n] * unit_a[n] / unit_b[n]) for n in common]))


def beyond_intervals(first: Dict, second: Dict, found: Optional[Medians] = None) -> Tuple[int, int]:
    """Of the timed points both runs measured with an interval, how many differ between them by
    more than their 95% intervals allow (|log ratio| beyond the half-widths combined, the root of
    their squares): about one in twenty, if the intervals say what they claim (``found`` as for
    ``compare``)."""
    read = read_names(first) | read_names(second)
    a, b = precision_of(first).points, precision_of(second).points
    ma, mb = found or (medians(first), medians(second))
    both = [
        name
        for name in a
        if name in b
        and name in ma
        and name in mb
        and name not in read
        and math.isfinite(a[name][1])
        and math.isfinite(b[name][1])
        and ma[name] > 0
        and mb[name] > 0
    ]
    beyond = sum(abs(math.log(mb[n] / ma[n])) > math.hypot(a[n][1], b[n][1]) for n in both)
    return beyond, len(both)


def run_once(arguments: Sequence[str], directory: Path, index: int, noise: Optional[NoiseInjector]) -> Path:
    output = directory / f"run{index}.json"
    command = [sys.executable, "-m", "sigbench", "run", "--quiet", "-o", str(output), *arguments]
    print(f"run {index}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.time()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    if noise is not None:
        print(f"run {index}: slow phases injected {noise.slow_share(started, time.time()):.0%} of the time")
    return output


def rule_shift(document: Dict) -> np.ndarray:
    """|log ratio| of every timed point's median with the slow-phase rule (its kept values) to
    its median without it (the values left out as slow put back): what the rule moved."""
    kept = point_runs(document)
    shifts = []
    for item in document["sigbench"]["points"]:
        values = [v for run in kept.get(item["name"], []) for v in run]
        slow = [entry[0] for run in item.get("sensing", []) for entry in run["slow"]]
        if values and "sensing" in item:
            shifts.append(abs(np.log(np.median(values) / np.median(values + slow))))
    return np.array(shifts)


def report(files: List[Path]) -> bool:
    """Print the figures for ``files``; True when the runs agree within the limits."""
    documents = [read_results(path) for path in files]
    for path, document in zip(files, documents):
        section = document["sigbench"]
        budget = with_other(section.get("budget", {}))
        wall = budget.get("wall", 0.0)
        share = budget.get("timed", 0.0) / wall if wall else float("nan")
        precision = precision_of(document)
        print(f"{path}: {len(precision.points)} points, wall {wall:.1f} s, timed share {share:.0%}")
        print(f"  {summary_line(budget)}")
        for line in precision.lines() + conditions(document).lines():
            print(f"  {line.strip()}")
        shifts = rule_shift(document)
        if len(shifts):
            print(
                f"  the slow-phase rule moved point medians by a median of {np.median(shifts):.2%} "
                f"(95th percentile {np.percentile(shifts, 95):.2%}, {np.count_nonzero(shifts)} of "
                f"{len(shifts)} points moved)"
            )
    ok = True
    found = {path: medians(document) for path, document in zip(files, documents)}
    units_found = {path: reference_medians(document) for path, document in zip(files, documents)}
    for (a, da), (b, db) in itertools.combinations(zip(files, documents), 2):
        ratios, read = compare(da, db, (found[a], found[b]))
        if not len(ratios):
            print(f"{a.name} vs {b.name}: no timed point in common")
            continue
        median, p95 = np.median(ratios), np.percentile(ratios, 95)
        ok &= bool(median <= MEDIAN_LIMIT and p95 <= P95_LIMIT)
        beyond, judged = beyond_intervals(da, db, (found[a], found[b]))
        print(
            f"{a.name} vs {b.name}: {len(ratios)} timed points, |log ratio| median {median:.2%}, "
            f"95th percentile {p95:.2%}, max {ratios.max():.2%}; {beyond} of {judged} "
            f"({beyond / max(judged, 1):.1%}) apart by more than their 95% intervals allow (about 5% "
            "if the intervals are honest)"
        )
        units = agreement(units_found[a], units_found[b])
        if len(units):
            print(
                f"  in the reference's units (each point's median over the readings beside its values): "
                f"|log ratio| median {np.median(units):.2%}, 95th percentile {np.percentile(units, 95):.2%}"
            )
        read_here = read_names(da) | read_names(db)
        shift = machine_shift((found[a], found[b]), (units_found[a], units_found[b]), read_here)
        if shift is not None:
            timed_a = {
                name: value * math.exp(shift) for name, value in found[a].items() if name not in read_here
            }
            divided = agreement(timed_a, found[b])
            print(
                f"  a reference reading took {math.exp(shift):.3f}x as long in {b.name} (median point); "
                f"that divided out of every point: |log ratio| median {np.median(divided):.2%}, "
                f"95th percentile {np.percentile(divided, 95):.2%}"
            )
        if len(read):
            print(
                f"  {len(read)} points read: {np.count_nonzero(read == 0)} the same in both, "
                f"|log ratio| 95th percentile {np.percentile(read, 95):.2%}, max {read.max():.2%}"
            )
    print(f"timed points agree within {MEDIAN_LIMIT:.0%} / {P95_LIMIT:.0%}: {'yes' if ok else 'NO'}")
    return ok


def main(argv: Sequence[str] = sys.argv[1:]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="back-to-back runs (default 3)")
    parser.add_argument("--keep", type=Path, help="directory to keep the results files in")
    parser.add_argument("--files", type=Path, nargs="+", help="judge these results files instead of running")
    parser.add_argument(
        "--noise",
        action="store_true",
        help="make the machine slow in phases during the runs (sigbench.run.noise)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the --noise schedule (default 0)")
    parser.add_argument("run_args", nargs="*", help="arguments for sigbench run (after --)")
    args = parser.parse_args(argv)
    if args.files:
        return 0 if report(args.files) else 1
    if args.runs < 2:
        parser.error("--runs must be at least 2 to compare runs")
    with tempfile.TemporaryDirectory(prefix="sigbench-harness-") as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with NoiseInjector(seed=args.seed, cpus=[0]) if args.noise else nullcontext() as noise:
            if noise is not None:
                noise.confine()  # the runs share the burner's CPU (sigbench.run.noise)
            files = [run_once(args.run_args, directory, index, noise) for index in range(1, args.runs + 1)]
        print(f"{args.runs} runs in {time.perf_counter() - started:.0f} s")
        return 0 if report(files) else 1


if __name__ == "__main__":
    sys.exit(main())
