"""``sigbench advise``'s answer: the implementations ranked by the predicted cost of a workload
(``sigbench.analysis.costmodel``) on one interpreter of a run, each with the memory its receivers
hold and the warnings the same results give about it (conformance failures, races, what it keeps
alive, points not applicable, costs extrapolated), and the same as a JSON document (``as_dict``),
which is the contract any other front end (the site's chooser) reproduces.

Each implementation is costed in one reference mode and receiver kind: the one asked for, or
where only one of them (or neither) is asked, the first of ``MODE_ORDER`` that the asked ones
admit and in which the results hold every operation of the workload.  An implementation without
them is listed unranked, with why: not applicable (the library cannot), failed, or not measured
(the results hold other modes only).  An A/A twin (``Twin.check_only``) is costed but not ranked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, TypedDict

from sigbench.analysis.costmodel import (
    EXTRAPOLATED,
    FITTED,
    MEMORY_SCENARIO,
    MODEL_SCENARIOS,
    Cost,
    ModelError,
    Prediction,
    Workload,
    labels_of,
    predict,
    series_of,
    workload_series,
)
from sigbench.analysis.points import Analysis, analyse
from sigbench.analysis.stats import RESAMPLES
from sigbench.results.store import read_results
from sigbench.results.table import frame_from_documents
from sigbench.suite.adapters import get_adapter
from sigbench.suite.metrics import METRICS
from sigbench.suite.points import KINDS, REFS
from sigbench.suite.records import NOT_APPLICABLE, OK, UNAVAILABLE
from sigbench.worker.matrix import CORE_MODES
from sigbench.worker.scenarios import LIFETIME_SCENARIOS, SCENARIOS, WORKLOAD_SCENARIOS
from sigbench.worker.twins import TWINS

#: Results files and their documents.
Documents = Mapping[Path, Dict[str, Any]]
#: The modes an implementation is costed in when the reader leaves them open, in order: the core
#: matrix's (``CORE_MODES``), then strong references to methods.
MODE_ORDER: Tuple[Tuple[str, str], ...] = (
    *CORE_MODES,
    *((ref, kind) for ref in REFS for kind in KINDS if (ref, kind) not in CORE_MODES),
)
#: Characters of a point's reason kept in a note.
REASON_CHARACTERS = 160
#: The kinds of note a row may carry, in the order they are listed.
NOTE_KINDS = ("conformance", "race", "error", "lifetime", "not applicable", "extrapolated", "memory")


class AdviceError(ValueError):
    """Results that cannot answer the question asked (no interpreter of that version, no point
    the model needs); the message says why."""


@dataclass(frozen=True)
class Note:
    """A warning about a row, from the same results: its kind (``NOTE_KINDS``) and text."""

    kind: str
    text: str


@dataclass
class Row:
    """One implementation (and version) costed for the workload, or why it is not ranked."""

    label: str
    impl: str
    version: str
    ref: Optional[str] = None
    kind: Optional[str] = None
    prediction: Optional[Prediction] = None
    notes: List[Note] = field(default_factory=list)
    #: Why it is not ranked (None: ranked).
    excluded: Optional[str] = None
    rank: Optional[int] = None


class CostFields(TypedDict):
    value: float
    low: float
    high: float
    how: str
    basis: str


class NoteFields(TypedDict):
    kind: str
    text: str


class RowFields(TypedDict):
    """A row as ``--json`` gives it: time in µs, memory in bytes."""

    rank: Optional[int]
    label: str
    impl: str
    version: str
    ref: Optional[str]
    kind: Optional[str]
    cost_us: Optional[CostFields]
    parts_us: Dict[str, CostFields]
    memory_bytes: Optional[CostFields]
    notes: List[NoteFields]
    excluded: Optional[str]


class WorkloadFields(TypedDict):
    receivers: int
    sends: int
    connects: int
    disconnects: int
    ref: Optional[str]
    kind: Optional[str]
    sender: str
    asynchronous: bool


class AdviceFields(TypedDict):
    """``sigbench advise --json``."""

    workload: WorkloadFields
    python: str
    interpreters: List[str]
    results: List[str]
    rows: List[RowFields]


def cost_fields(cost: Cost, scale: float) -> CostFields:
    return {
        "value": cost.value * scale,
        "low": cost.low * scale,
        "high": cost.high * scale,
        "how": cost.how,
        "basis": cost.basis,
    }


@dataclass
class Advice:
    """The ranking of one workload on one interpreter."""

    workload: Workload
    ref: Optional[str]
    kind: Optional[str]
    python: str
    #: Every interpreter the results hold (``interpreter_of``).
    interpreters: List[str]
    results: List[Path]
    rows: List[Row]

    def as_dict(self) -> AdviceFields:
        workload = self.workload
        return {
            "workload": {
                "receivers": workload.receivers,
                "sends": workload.sends,
                "connects": workload.connects,
                "disconnects": workload.disconnects,
                "ref": self.ref,
                "kind": self.kind,
                "sender": workload.sender,
                "asynchronous": workload.asynchronous,
            },
            "python": self.python,
            "interpreters": self.interpreters,
            "results": [str(path) for path in self.results],
            "rows": [_row_fields(row) for row in self.rows],
        }


def _row_fields(row: Row) -> RowFields:
    prediction = row.prediction
    return {
        "rank": row.rank,
        "label": row.label,
        "impl": row.impl,
        "version": row.version,
        "ref": row.ref,
        "kind": row.kind,
        "cost_us": cost_fields(prediction.total, 1e6) if prediction else None,
        "parts_us": {part: cost_fields(cost, 1e6) for part, cost in prediction.parts.items()}
        if prediction
        else {},
        "memory_bytes": cost_fields(prediction.memory, 1.0) if prediction and prediction.memory else None,
        "notes": [{"kind": note.kind, "text": note.text} for note in row.notes],
        "excluded": row.excluded,
    }


def read_documents(paths: Sequence[Path]) -> Dict[Path, Dict[str, Any]]:
    """Each sigbench results file, read and checked (ResultsError names a bad one)."""
    return {Path(path): read_results(Path(path)) for path in paths}


def interpreter_of(document: Mapping[str, Any]) -> str:
    """A results document's interpreter as ``X.Y``, with ``t`` for a free-threaded build."""
    environment = document["sigbench"]["environment"]
    version = str(environment.get("python_version", "?")).split(" ")[0]
    free = environment.get("python_gil") == "disabled"
    return ".".join(version.split(".")[:2]) + ("t" if free else "")


def _version_key(interpreter: str) -> Tuple[Tuple[int, ...], bool]:
    """Orders interpreters by version, a free-threaded build after the one with the GIL."""
    numbers = tuple(int(part) for part in interpreter.rstrip("t").split(".") if part.isdigit())
    return numbers, interpreter.endswith("t")


def choose_interpreter(documents: Documents, python: Optional[str]) -> Tuple[str, List[str]]:
    """The interpreter to advise for (``python``, else the newest with the GIL the results hold,
    else the newest) and every one they hold, oldest first; AdviceError for one they do not hold."""
    found = sorted({interpreter_of(document) for document in documents.values()}, key=_version_key)
    if not found:
        raise AdviceError("no results files")
    if python is None:
        return ([name for name in found if not name.endswith("t")] or found)[-1], found
    given = re.fullmatch(r"(\d+\.\d+)(?:\.\d+)?(t?)", python.strip())
    python = given.group(1) + given.group(2) if given else python
    if python not in found:
        raise AdviceError(f"--python {python}: the results hold Python {', '.join(found)} only")
    return python, found


def modes_for(ref: Optional[str], kind: Optional[str]) -> List[Tuple[str, str]]:
    """The modes an implementation may be costed in, in the order tried, for ``ref`` and ``kind``
    (None: either)."""
    return [mode for mode in MODE_ORDER if ref in (None, mode[0]) and kind in (None, mode[1])]


def _items(
    documents: Documents, impl: str, version: Optional[str] = None
) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """(interpreter, point entry) of every point of ``impl`` (of ``version``, when given)."""
    for document in documents.values():
        section = document["sigbench"]
        found = section["implementations"].get(impl)
        if found is None or (version is not None and str(found.get("version")) != version):
            continue
        for item in section["points"]:
            if item["impl"] == impl:
                yield interpreter_of(document), item


def _short(reason: str) -> str:
    line = reason.strip().splitlines()[0] if reason.strip() else ""
    return line if len(line) <= REASON_CHARACTERS else line[: REASON_CHARACTERS - 1] + "…"


def _where(item: Mapping[str, Any]) -> str:
    if item.get("ref"):
        return f"{item['scenario']} at {item['receivers']} ({item['ref']} {item['kind']})"
    return str(item["scenario"])


def _status_notes(documents: Documents, selected: Documents, impl: str, version: str) -> List[Note]:
    """Conformance failures and points that did not finish, on the interpreter advised for; races
    (a thread scenario's failure), on any interpreter of the results."""
    notes: List[Note] = []
    grouped: Dict[Tuple[str, str, str], List[Mapping[str, Any]]] = {}
    for interpreter, item in _items(documents, impl):
        scenario = SCENARIOS.get(item["scenario"])
        if item["status"] in (OK, NOT_APPLICABLE, UNAVAILABLE) or scenario is None:
            continue
        if scenario.free_threaded and item["status"] == "failed":
            grouped.setdefault(("race", interpreter, item["scenario"]), []).append(item)
    for _, item in _items(selected, impl, version):
        scenario = SCENARIOS.get(item["scenario"])
        if item["status"] in (OK, NOT_APPLICABLE, UNAVAILABLE) or scenario is None or scenario.free_threaded:
            continue
        kind = "conformance" if item["status"] == "failed" else "error"
        grouped.setdefault((kind, "", item["scenario"]), []).append(item)
    for (kind, interpreter, _), items in grouped.items():
        first = items[0]
        on = f" on Python {interpreter}" if kind == "race" else ""
        more = f" and {len(items) - 1} more point(s)" if len(items) > 1 else ""
        notes.append(
            Note(kind, f"{first['status']}{on}: {_where(first)}{more}: {_short(first.get('reason', ''))}")
        )
    return notes


def _lifetime_notes(analysis: Analysis, label: str) -> List[Note]:
    """What the implementation keeps alive that it should let go (a lifetime value not 0)."""
    points = analysis.points
    found = points[(points["label"] == label) & points["scenario"].isin(LIFETIME_SCENARIOS)]
    notes = []
    for item in found.sort_values(["scenario", "receivers", "ref", "kind"]).itertuples():
        if item.min == 0 and item.max == 0:
            continue
        scenario = SCENARIOS[str(item.scenario)]
        word = METRICS[scenario.metric].word
        mode = f", {item.ref} {item.kind}" if item.ref else ""
        notes.append(
            Note("lifetime", f"keeps {item.median:.3g} {word} per {scenario.unit} ({item.scenario}{mode})")
        )
    return notes


def standing_notes(
    analysis: Analysis, documents: Documents, selected: Documents, entry: Tuple[str, str, str]
) -> List[Note]:
    """The notes of an implementation's row (``entry``: label, implementation, version) that hold
    whatever the workload: conformance failures, errors, races, what it keeps alive.  A costed
    row adds the notes on its costs and lists them all in ``NOTE_KINDS``' order."""
    label, impl, version = entry
    return _status_notes(documents, selected, impl, version) + _lifetime_notes(analysis, label)


def memory_reproducible(analysis: Analysis, label: str, ref: str, kind: str) -> Optional[bool]:
    """Whether ``label``'s memory points in ``ref`` and ``kind`` agree between processes (None
    without any)."""
    points = analysis.points
    readings = points[(points["label"] == label) & (points["scenario"] == MEMORY_SCENARIO)]
    readings = readings[(readings["ref"] == ref) & (readings["kind"] == kind)]
    return bool(readings["reproducible"].all()) if len(readings) else None


def _cost_notes(prediction: Prediction, memory_reproducible: Optional[bool]) -> List[Note]:
    """Parts that are extrapolated or fitted beyond what was measured; memory not known."""
    notes = [
        Note("extrapolated", f"{part}: {cost.how}, {cost.basis} receivers")
        for part, cost in prediction.parts.items()
        if cost.how in (EXTRAPOLATED, FITTED)
    ]
    if prediction.memory is None:
        notes.append(Note("memory", f"no {MEMORY_SCENARIO} point in this mode: memory unknown"))
    elif prediction.memory.how in (EXTRAPOLATED, FITTED):
        notes.append(
            Note("extrapolated", f"memory: {prediction.memory.how}, {prediction.memory.basis} receivers")
        )
    if memory_reproducible is False:
        notes.append(Note("memory", "its memory points differ between processes by more than 10%"))
    return notes


def _not_applicable(impl: str, scenarios: Sequence[str], modes: Sequence[Tuple[str, str]]) -> Optional[str]:
    """Why ``impl``'s adapter can run ``scenarios`` in none of ``modes`` (the first mode's
    reason), or None when it can in one, or is not a known implementation."""
    try:
        adapter = get_adapter(impl)
    except KeyError:
        return None
    reasons = []
    for ref, kind in modes:
        found = [(s, SCENARIOS[s].unsupported(adapter, ref, kind)) for s in scenarios]
        lacking = [(s, reason) for s, reason in found if reason is not None]
        if not lacking:
            return None
        reasons.append(f"not applicable ({lacking[0][0]}, {ref} {kind}): {_short(lacking[0][1] or '')}")
    return reasons[0] if reasons else None


def why_unranked(
    documents: Documents,
    impl: str,
    version: str,
    scenarios: Sequence[str],
    modes: Sequence[Tuple[str, str]],
    missing: Sequence[str],
) -> str:
    """Why the results hold no series of ``scenarios`` in any of ``modes`` for ``impl`` (in the
    first mode, none of ``missing``): not applicable (by its adapter; for an implementation
    sigbench does not know, by the results in every mode), not installed, failed, or not
    measured."""
    reason = _not_applicable(impl, scenarios, modes)
    if reason is not None:
        return reason
    wanted = {(s, ref, kind) for s in scenarios for ref, kind in modes}
    found = [
        item
        for _, item in _items(documents, impl, version)
        if (item["scenario"], item["ref"], item["kind"]) in wanted and item["status"] != OK
    ]
    for item in found:
        if item["status"] == UNAVAILABLE:
            return f"not installed: {_short(item['reason'])}"
    for item in found:
        if item["status"] != NOT_APPLICABLE:
            return f"{item['status']} ({_where(item)}): {_short(item.get('reason', ''))}"
    not_applicable = {(item["ref"], item["kind"]): item for item in found}
    if found and all(mode in not_applicable for mode in modes):
        item = not_applicable[modes[0]]
        return f"not applicable ({item['scenario']}, {item['ref']} {item['kind']}): {_short(item['reason'])}"
    if len(modes) == len(MODE_ORDER):
        return f"not measured: no point of {', '.join(missing)} in these results"
    shown = " or ".join(f"{ref} {kind}" for ref, kind in modes)
    return (
        f"not measured: no point of {', '.join(missing)} in {shown} in these results "
        "('sigbench run --full' measures every reference mode and receiver kind)"
    )


def control_reasons() -> Dict[str, str]:
    """Why each A/A twin is not ranked, by implementation."""
    return {
        twin.impl: f"an A/A twin of {twin.of}, a check of the harness: not ranked"
        for twin in TWINS
        if twin.check_only
    }


def _row(
    analysis: Analysis,
    documents: Documents,
    selected: Documents,
    entry: Tuple[str, str, str],
    workload: Workload,
    modes: Sequence[Tuple[str, str]],
) -> Row:
    label, impl, version = entry
    row = Row(label, impl, version, excluded=control_reasons().get(impl))
    first: List[str] = []
    for ref, kind in modes:
        series, missing = workload_series(analysis, label, ref, kind, workload)
        first = first or missing
        if not missing:
            break
    else:
        scenarios = list(workload.scenarios().values())
        row.excluded = row.excluded or why_unranked(selected, impl, version, scenarios, modes, first)
        row.notes = standing_notes(analysis, documents, selected, entry)
        return row
    row.ref, row.kind = ref, kind
    memory = series_of(analysis, label, MEMORY_SCENARIO, ref, kind)
    try:
        row.prediction = predict(workload, series, memory)
    except ModelError as exc:
        row.excluded = f"cannot be costed: {exc}"
    row.notes = standing_notes(analysis, documents, selected, entry)
    if row.prediction is not None and row.excluded is None:
        row.notes += _cost_notes(row.prediction, memory_reproducible(analysis, label, ref, kind))
    row.notes.sort(key=lambda note: NOTE_KINDS.index(note.kind))
    return row


def absent_rows(selected: Documents, measured: Sequence[str]) -> List[Row]:
    """Implementations of the results with no point measured: unranked, with why."""
    rows: Dict[str, Row] = {}
    for document in selected.values():
        for impl, found in document["sigbench"]["implementations"].items():
            if impl in measured or impl in rows:
                continue
            missing = [item for _, item in _items(selected, impl) if item["status"] == UNAVAILABLE]
            if missing or not found.get("available", True):
                reason = found.get("reason") or (missing[0]["reason"] if missing else "")
                why = f"not installed: {_short(reason)}"
            else:
                why = "not measured: no point of the model's scenarios measured"
            rows[impl] = Row(impl, impl, str(found.get("version") or ""), excluded=why)
    return list(rows.values())


def model_analysis(selected: Documents, resamples: int = RESAMPLES) -> Analysis:
    """The analysis of the points the model, the notes and the model check read, from the
    results of one interpreter; AdviceError when they hold none."""
    frame = frame_from_documents(selected)
    frame = frame[frame["scenario"].isin([*MODEL_SCENARIOS, *LIFETIME_SCENARIOS, *WORKLOAD_SCENARIOS])]
    if frame.empty:
        names = ", ".join(str(path) for path in selected)
        raise AdviceError(f"{names}: no point of {', '.join(MODEL_SCENARIOS)}: nothing to cost")
    return analyse(frame.reset_index(drop=True), resamples)


def selected_documents(
    documents: Documents, python: Optional[str]
) -> Tuple[str, List[str], Dict[Path, Dict[str, Any]]]:
    """The interpreter advised for, every interpreter, and the documents of the one advised for."""
    chosen, interpreters = choose_interpreter(documents, python)
    selected = {path: document for path, document in documents.items() if interpreter_of(document) == chosen}
    return chosen, interpreters, selected


def advise(
    documents: Documents,
    workload: Workload,
    ref: Optional[str] = None,
    kind: Optional[str] = None,
    python: Optional[str] = None,
    resamples: int = RESAMPLES,
) -> Advice:
    """Rank the implementations of ``documents`` (on ``python``, else the newest interpreter)
    by the predicted cost of ``workload`` in ``ref`` and ``kind`` (None: each in its own mode)."""
    if ref is not None and ref not in REFS:
        raise AdviceError(f"reference mode must be one of {', '.join(REFS)}, not {ref!r}")
    if kind is not None and kind not in KINDS:
        raise AdviceError(f"receiver kind must be one of {', '.join(KINDS)}, not {kind!r}")
    chosen, interpreters, selected = selected_documents(documents, python)
    analysis = model_analysis(selected, resamples)
    modes = modes_for(ref, kind)
    entries = labels_of(analysis.points)
    rows = [_row(analysis, documents, selected, entry, workload, modes) for entry in entries]
    rows += absent_rows(selected, [impl for _, impl, _ in entries])
    ranked = sorted(
        (row for row in rows if row.excluded is None and row.prediction is not None),
        key=lambda row: row.prediction.total.value if row.prediction else 0.0,
    )
    for rank, row in enumerate(ranked, 1):
        row.rank = rank
    unranked = sorted((row for row in rows if row.rank is None), key=lambda row: row.label)
    return Advice(workload, ref, kind, chosen, interpreters, list(selected), ranked + unranked)
