"""Values and strings as a terminal or Markdown shows them, and the tables of ``sigbench compare``
and ``sigbench gate`` in both forms.  Every string that comes from a file is made printable (a
terminal) or a code span (Markdown), so none can move the cursor, add a link or break a table.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Dict, List, Optional, Tuple

from sigbench.analysis.compare import Comparison, Result
from sigbench.analysis.profiles import profile_lines
from sigbench.analysis.twins import TwinRatio
from sigbench.analysis.verdicts import ALPHA, FASTER, SLOWER, VERDICTS
from sigbench.gate.judge import KEEPS_MORE, GateResult, Judgement
from sigbench.run.envs import Spec
from sigbench.run.newest import is_below
from sigbench.worker.scenarios import SCENARIOS

#: How Markdown tables mark a verdict that matters.
_MARKS = {SLOWER: "🔴 ", FASTER: "🟢 "}


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (escape sequences, carriage returns,
    newlines) shown as escapes instead of acting on the screen."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def ns(seconds: float) -> str:
    """Seconds as nanoseconds: whole with thousands separators, three significant digits below
    100 ns, empty for a missing value."""
    if seconds != seconds:  # NaN
        return ""
    value = seconds * 1e9
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def byte_text(count: float) -> str:
    """Bytes (or objects): whole with thousands separators, one decimal below 100, one significant
    digit below 0.05 (a leak of a few bytes over a thousand calls), empty for a missing value."""
    if count != count:  # NaN
        return ""
    if 0 < abs(count) < 0.05:
        return f"{count:.1g}"
    return f"{count:,.0f}" if abs(count) >= 100 or count == round(count) else f"{count:.1f}"


def value_text(value: float, unit: str) -> str:
    """A value in its unit (``second``, ``byte`` or ``object``) as the tables show it: ns, or a
    count (bytes, objects)."""
    return ns(value) if unit == "second" else byte_text(value)


#: What a lifetime question reads where nothing is kept (0 in every process).
NOTHING_KEPT = "✓"
#: The word for what is kept, per metric, where it is short.
_KEPT_WORDS = {"memory": "B", "count": "objects"}


def python_minor(version: object) -> str:
    """``3.11`` for a Python version as results files hold it (``3.11.7 (64-bit)``)."""
    return ".".join(str(version).split(" ")[0].split(".")[:2])


def version_text(version: str, newest: Optional[str], python: str) -> str:
    """``version``, or ``4.1.0 (newest for 3.11: 6.1.1)`` when it is below ``newest``, the newest
    release for Python ``python`` (``sigbench.run.newest``)."""
    return f"{version} (newest for {python}: {newest})" if is_below(version, newest) else version


def below_newest(
    libraries: Dict[str, Optional[str]], newest: Dict[str, Optional[str]], python: str
) -> List[str]:
    """``name 4.1.0 (newest for 3.11: 6.1.1)`` for each library measured below its newest
    release, by name."""
    return [
        f"{name} {version_text(str(version), newest.get(name), python)}"
        for name, version in sorted(libraries.items(), key=lambda item: item[0].lower())
        if is_below(version, newest.get(name))
    ]


def kept_text(scenario: str, median: float, low: float, high: float, reproducible: bool = True) -> str:
    """A lifetime value (``sigbench.worker.scenarios.lifetime``): ✓ when every value was 0, else
    the median kept per operation in its unit, marked when the processes disagree."""
    if low == 0 and high == 0:
        return NOTHING_KEPT
    found = SCENARIOS[scenario]
    text = f"{byte_text(median)} {_KEPT_WORDS.get(found.metric, found.metric)}/{found.unit}"
    return text if reproducible else f"{text} ⚠ varies {byte_text(low)}–{byte_text(high)}"


def markdown_text(text: str) -> str:
    """``text`` as inline Markdown that is only ever text: a code span (no link, autolink, HTML
    or emphasis is recognised inside one) on one line, with table pipes escaped."""
    text = printable(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{padding}{text}{padding}{fence}"


GATE_HEADERS = {
    "paired": [
        "benchmark",
        "baseline ns",
        "candidate ns",
        "ratio",
        "95% CI",
        "p slower",
        "p faster",
        "MDE",
        "verdict",
    ],
    "instructions": [
        "benchmark",
        "baseline instructions",
        "candidate instructions",
        "ratio",
        "range",
        "spread",
        "processes",
        "verdict",
    ],
}


def _gate_cells(judgement: Judgement) -> List[str]:
    """Every column after the benchmark's name."""
    ratio = judgement.ratio
    if judgement.spread is None:
        size, digits = ns, 3
        details = [f"{judgement.p_slower:.3g}", f"{judgement.p_faster:.3g}", mde_text(judgement.mde)]
    else:  # counts: small differences are real, so show them
        size, digits = "{:,.1f}".format, 4
        details = [f"{judgement.spread:.3%}", "identical" if judgement.repeatable else "differ"]
    return [
        size(judgement.base),
        size(judgement.candidate),
        f"{ratio.value:.{digits}f}",
        f"{ratio.low:.{digits}f}–{ratio.high:.{digits}f}",
        *details,
        judgement.verdict,
    ]


#: What the MDE column means, under a paired gate's table.
MDE_NOTE = (
    "MDE: the change beyond the threshold that these rounds would have found with 80% power, at "
    "their own noise (none: too few rounds to reach the level at all)."
)


def mde_text(mde: Optional[float]) -> str:
    """A minimum detectable effect (``sigbench.analysis.power``) as a cell."""
    if mde is None:
        return ""
    return "none" if math.isinf(mde) else f"{mde:.1%}"


def _gate_headline(result: GateResult, specs: Dict[str, Spec], name: Callable[[str], str]) -> str:
    judged = result.judgements
    counts = {v: sum(j.verdict == v for j in judged) for v in VERDICTS}
    state = "FAIL" if result.failed else "PASS"
    if result.mode == "instructions":
        identical = sum(bool(j.repeatable) for j in judged)
        how = f"callgrind counts; {identical} of {len(judged)} identical in every process"
    else:
        how = f"Benjamini-Hochberg adjusted p < {result.alpha:.3g}"
        if result.looks:
            looks = ", ".join(map(str, result.looks))
            how += f"; rounds auto: judged after {looks} rounds, alpha {ALPHA} spent over the looks"
    tally = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v] or v != "inconclusive")
    blind = sum(j.mde is not None and j.mde > result.threshold for j in judged)
    sight = f"; {blind} could not see a {result.threshold:.0%} change (MDE above it)" if blind else ""
    kept = (
        f"; {len(result.kept)} lifetime points judged exactly, {len(result.keeps_more)} keep more"
        if result.kept
        else ""
    )
    return (
        f"{state}: {name(specs['candidate'].text)} vs {name(specs['baseline'].text)}: "
        f"{len(judged)} benchmarks, {tally} (threshold {result.threshold:.1%}, {how}{sight}){kept}"
    )


#: The columns of a gate's lifetime table (``sigbench.gate.judge.judge_kept``).
KEPT_HEADER = ["lifetime point", "baseline keeps", "candidate keeps", "tolerance", "verdict"]
#: What the lifetime table means, under it.
KEPT_NOTE = (
    "Lifetime points: what the library keeps alive per operation (objects, or bytes after a "
    "collection), deterministic and judged exactly: a value that rises from 0, or by more than "
    "the tolerance, keeps more and fails the gate (where a side's processes disagree, only a rise "
    "beyond their spread counts)."
)


def _kept_rows(result: GateResult) -> List[List[str]]:
    """A row per lifetime point: its name (raw), both sides' values, the tolerance, the verdict."""
    return [
        [
            item.point.name,
            kept_text(item.point.scenario, item.base, item.base, item.base),
            kept_text(item.point.scenario, item.candidate, item.candidate, item.candidate),
            byte_text(item.tolerance),
            item.verdict,
        ]
        for item in result.kept
    ]


def gate_text(result: GateResult, specs: Dict[str, Spec]) -> str:
    header = GATE_HEADERS[result.mode]
    rows = [header] + [[printable(j.point.name), *_gate_cells(j)] for j in result.judgements]
    rows = rows if result.judgements else []  # only lifetime points were judged
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))] if rows else []
    lines = [_gate_headline(result, specs, printable), ""]
    left = (0, len(header) - 1, *((6,) if result.mode == "instructions" else ()))
    for row in rows:
        cells = (c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append("  ".join(cells).rstrip())
    for name, why in result.skipped.items():
        lines.append(f"not judged: {printable(name)}: {printable(why)}")
    if result.mode == "paired" and result.judgements:
        lines.append(MDE_NOTE)
    if result.kept:
        kept = [KEPT_HEADER] + [[printable(row[0]), *row[1:]] for row in _kept_rows(result)]
        sizes = [max(len(row[i]) for row in kept) for i in range(len(KEPT_HEADER))]
        lines.append("")
        for row in kept:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, sizes)).rstrip())
        lines.append(KEPT_NOTE)
    profiled = _why(result)
    if profiled:
        lines += ["", PROFILE_NOTE]
        for name, found in profiled:
            lines.append(printable(name))
            lines += [f"  {printable(line)}" for line in found]
    return "\n".join(lines)


#: What the functions under a gate's table are.
PROFILE_NOTE = (
    "Why: per benchmark judged slower or faster, the functions whose calls and own work per "
    "operation moved that way most (counted by profiling workers; full table in profiles.csv "
    "beside the results)."
)


def _why(result: GateResult) -> List[Tuple[str, List[str]]]:
    """Each changed benchmark's profile lines (``sigbench.analysis.profiles``), or why it has none."""
    changed = [j.point.name for j in result.judgements if j.verdict in (SLOWER, FASTER)]
    return [
        (
            name,
            profile_lines(result.profiles[name])
            if name in result.profiles
            else [f"not profiled: {result.unprofiled.get(name, 'no profile on one side')}"],
        )
        for name in changed
    ]


def gate_markdown(result: GateResult, specs: Dict[str, Spec]) -> str:
    header = GATE_HEADERS[result.mode]
    lines = [f"**{_gate_headline(result, specs, markdown_text)}**"]
    if result.judgements:
        lines += ["", "| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 2) + "---|"]
    for judgement in result.judgements:
        cells = _gate_cells(judgement)
        mark = _MARKS.get(judgement.verdict, "")
        lines.append(
            "| " + " | ".join([markdown_text(judgement.point.name), *cells[:-1], mark + cells[-1]]) + " |"
        )
    for name, why in result.skipped.items():
        lines.append(f"\n- not judged: {markdown_text(name)}: {markdown_text(why)}")
    if result.mode == "paired" and result.judgements:
        lines.append(f"\n{MDE_NOTE}")
    if result.kept:
        lines += ["", "| " + " | ".join(KEPT_HEADER) + " |", "|---|---:|---:|---:|---|"]
        for row, item in zip(_kept_rows(result), result.kept):
            mark = _MARKS.get(SLOWER, "") if item.verdict == KEEPS_MORE else ""
            lines.append("| " + " | ".join([markdown_text(row[0]), *row[1:4], mark + row[4]]) + " |")
        lines.append(f"\n{KEPT_NOTE}")
    profiled = _why(result)
    if profiled:
        lines += ["", PROFILE_NOTE.replace("profiles.csv", "`profiles.csv`"), ""]
        for name, found in profiled:
            lines.append(f"- {markdown_text(name)}")
            lines += [f"  - {markdown_text(line)}" for line in found]
    return "\n".join(lines)


def _compare_rows(comparisons: List[Comparison]) -> List[List[str]]:
    return [
        [
            ns(item.base),
            ns(item.candidate),
            f"{item.ratio.value:.3f}",
            f"{item.ratio.low:.3f}–{item.ratio.high:.3f}",
            item.verdict,
        ]
        for item in comparisons
    ]


COMPARE_HEADER = ["benchmark", "base ns", "candidate ns", "ratio", "95% CI", "verdict"]


def _compare_tally(comparisons: List[Comparison], threshold: float) -> str:
    counts = {name: sum(item.verdict == name for item in comparisons) for name in VERDICTS}
    return (
        f"{len(comparisons)} benchmarks compared (candidate / base, threshold {threshold:.1%}): "
        + ", ".join(f"{count} {name}" for name, count in counts.items())
    )


def _compare_units(result: Result) -> str:
    """What the compared medians are, and why."""
    if result.seconds_because is None:
        return (
            "Medians in units of the reference workload read beside each value (the machine's speed "
            "divided out), shown at the base run's usual speed."
        )
    return f"Medians in plain seconds ({result.seconds_because})."


def compare_text(result: Result, threshold: float) -> str:
    """A terminal table, every name made printable."""
    comparisons, only_base, only_candidate = result.comparisons, result.only_base, result.only_candidate
    rows = [COMPARE_HEADER] + [
        [printable(item.benchmark), *cells] for item, cells in zip(comparisons, _compare_rows(comparisons))
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COMPARE_HEADER))]
    lines = [_compare_tally(comparisons, threshold), _compare_units(result), ""]
    for row in rows:
        lines.append(
            "  ".join(c.ljust(w) if i in (0, 5) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        )
    for title, names in (("only in base", only_base), ("only in candidate", only_candidate)):
        if names:
            lines.append(f"\n{title}: " + ", ".join(printable(name) for name in names))
    return "\n".join(lines)


def compare_markdown(result: Result, threshold: float) -> str:
    """GitHub-flavoured Markdown: names as code spans, so none can add a link or break the table."""
    comparisons, only_base, only_candidate = result.comparisons, result.only_base, result.only_candidate
    lines = [f"**{_compare_tally(comparisons, threshold)}**", "", _compare_units(result), ""]
    lines.append("| " + " | ".join(COMPARE_HEADER) + " |")
    lines.append("|---|---:|---:|---:|---:|---|")
    for item, cells in zip(comparisons, _compare_rows(comparisons)):
        mark = _MARKS.get(item.verdict, "")
        lines.append("| " + " | ".join([markdown_text(item.benchmark), *cells[:4], mark + cells[4]]) + " |")
    for title, names in (("Only in base", only_base), ("Only in candidate", only_candidate)):
        if names:
            lines.append(f"\n{title}: " + ", ".join(markdown_text(name) for name in names))
    return "\n".join(lines)


TWIN_HEADER = ["twin", "of", "point", "ratio", "95% CI", "verdict"]


def _twin_rows(ratios: List[TwinRatio]) -> List[List[str]]:
    """Rows of the twin table, those that differ first."""
    ordered = sorted(ratios, key=lambda item: (not item.differs, item.twin.impl, item.point))
    return [
        [
            item.twin.impl,
            item.twin.of,
            item.point,
            f"{item.ratio.value:.3f}",
            f"{item.ratio.low:.3f}–{item.ratio.high:.3f}",
            item.verdict,
        ]
        for item in ordered
    ]


def twins_headline(ratios: List[TwinRatio], tolerance: float) -> str:
    """One line: how many twin points agree within ``tolerance``, differ, or cannot tell."""
    differ = sum(item.differs for item in ratios)
    same = sum(item.verdict == "same" for item in ratios)
    state = "FAIL" if differ else "PASS"
    return (
        f"{state}: twins (the same code under two names) must agree within ±{tolerance:.0%}: "
        f"{len(ratios)} points compared, {same} same, {differ} differ, {len(ratios) - same - differ} "
        "inconclusive"
    )


def twins_summary(ratios: List[TwinRatio], tolerance: float) -> str:
    """The headline, then only the points whose twins differ."""
    return twins_text([item for item in ratios if item.differs], tolerance, ratios)


def twins_text(ratios: List[TwinRatio], tolerance: float, judged: Optional[List[TwinRatio]] = None) -> str:
    """The twin check for a terminal: the headline (of ``judged``, by default ``ratios``), then
    every point of ``ratios`` (those that differ first)."""
    lines = [twins_headline(ratios if judged is None else judged, tolerance)]
    if not ratios:
        return lines[0]
    rows = [TWIN_HEADER, *_twin_rows(ratios)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TWIN_HEADER))]
    lines.append("")
    for row in rows:
        cells = (c.rjust(w) if 3 <= i <= 4 else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def twins_markdown(ratios: List[TwinRatio], tolerance: float) -> str:
    lines = [f"**{twins_headline(ratios, tolerance)}**", "", "| " + " | ".join(TWIN_HEADER) + " |"]
    lines.append("|---|---|---|---:|---:|---|")
    for row in _twin_rows(ratios):
        mark = "🔴 " if row[-1] in (SLOWER, FASTER) else ""
        lines.append("| " + " | ".join([*row[:5], mark + row[5]]) + " |")
    return "\n".join(lines)
