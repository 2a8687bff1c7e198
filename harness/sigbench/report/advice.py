"""``sigbench advise`` for a terminal: the ranking of a workload (``sigbench.analysis.advice``)
and the check of the cost model against measured workloads (``sigbench.analysis.modelcheck``).
Every string that comes from a file is made printable."""

from __future__ import annotations

from typing import List, Optional, Sequence

from sigbench.analysis.advice import Advice, Row
from sigbench.analysis.costmodel import Cost
from sigbench.analysis.modelcheck import TARGET, TOLERANCE, ModelCheck
from sigbench.report.text import byte_text, printable

ADVICE_HEADER = ["rank", "implementation", "version", "mode", "µs", "95% CI", "memory", "notes"]
CHECK_HEADER = [
    "implementation",
    "shape",
    "mode",
    "measured µs",
    "95% CI",
    "predicted µs",
    "95% CI",
    "error",
    "mostly",
]


def microseconds(seconds: float) -> str:
    """Seconds as µs: whole with thousands separators from 100 µs, else three significant digits."""
    value = seconds * 1e6
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _interval(cost: Optional[Cost]) -> str:
    return f"{microseconds(cost.low)}–{microseconds(cost.high)}" if cost else ""


def _columns(rows: Sequence[Sequence[str]], right: Sequence[int]) -> List[str]:
    """Rows as aligned columns (those in ``right`` aligned right), trailing spaces dropped."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]


def _mode(advice: Advice) -> str:
    if advice.ref is None and advice.kind is None:
        return "each implementation in its own reference mode and receiver kind"
    ref = f"{advice.ref} references" if advice.ref else "each implementation's own reference mode"
    kind = f"{advice.kind} receivers" if advice.kind else "each implementation's own receiver kind"
    return f"{ref}, {kind}"


def workload_words(advice: Advice) -> str:
    """The workload in one line."""
    w = advice.workload
    sender = {
        "any": "connected for any sender",
        "matched": "bound to the sender that sends",
        "unmatched": "each bound to a sender that does not send",
    }[w.sender]
    sends = "awaited sends" if w.asynchronous else "sends"
    return (
        f"{w.receivers:,} receivers ({_mode(advice)}; {sender}): {w.connects:,} connects, "
        f"{w.sends:,} {sends}, {w.disconnects:,} disconnects"
    )


def _row_cells(row: Row) -> List[str]:
    prediction = row.prediction
    memory = prediction.memory if prediction else None
    notes = row.excluded or ", ".join(dict.fromkeys(note.kind for note in row.notes))
    return [
        str(row.rank) if row.rank is not None else "-",
        printable(row.label),
        printable(row.version),
        f"{row.ref} {row.kind}" if row.ref else "",
        microseconds(prediction.total.value) if prediction else "",
        _interval(prediction.total if prediction else None),
        f"{byte_text(memory.value)} B" if memory else "",
        printable(notes),
    ]


def advice_text(advice: Advice) -> str:
    """The ranking: the workload, a table (ranked rows, then the unranked with why), then every
    row's warnings."""
    files = ", ".join(printable(str(path)) for path in advice.results)
    others = [python for python in advice.interpreters if python != advice.python]
    also = f"; also in these results: Python {', '.join(others)} (--python)" if others else ""
    lines = [
        f"Workload: {workload_words(advice)}",
        f"Python {advice.python} ({files}){also}",
        "Predicted time of the whole workload in µs with its 95% CI, and the memory its receivers hold.",
        "",
        *_columns([ADVICE_HEADER, *(_row_cells(row) for row in advice.rows)], right=(0, 4, 5, 6)),
    ]
    noted = [row for row in advice.rows if row.notes]
    if noted:
        lines += ["", "Warnings from the same results:"]
        for row in noted:
            lines += [f"  {printable(row.label)}: {note.kind}: {printable(note.text)}" for note in row.notes]
    return "\n".join(lines)


def model_check_text(check: ModelCheck) -> str:
    """The check of the model: the share within the tolerance, then a row per workload point."""
    compared = check.compared
    files = ", ".join(printable(str(path)) for path in check.results)
    share = check.share_within
    verdict = "PASS" if check.passed else "FAIL"
    within = sum(item.within for item in compared)
    headline = (
        f"{verdict}: {within} of {len(compared)} (implementation, shape) pairs predicted within "
        f"±{TOLERANCE:.0%} ({share:.0%}; target {TARGET:.0%})"
        if share is not None
        else f"{verdict}: no workload point could be predicted"
    )
    rows = [CHECK_HEADER]
    for item in sorted(check.checks, key=lambda c: (c.prediction is None, c.scenario, c.label)):
        prediction = item.prediction.total if item.prediction else None
        error = item.error
        rows.append(
            [
                printable(item.label),
                item.scenario,
                f"{item.ref} {item.kind}",
                microseconds(item.measured.value),
                _interval(item.measured),
                microseconds(prediction.value) if prediction else "",
                _interval(prediction),
                (f"{error:+.1%}" + ("" if item.within else " ✗")) if error is not None else "",
                item.largest_part or printable(item.problem or ""),
            ]
        )
    return "\n".join(
        [
            f"Cost model against measured workloads, Python {check.python} ({files})",
            headline,
            "",
            *_columns(rows, right=(3, 4, 5, 6, 7)),
        ]
    )
