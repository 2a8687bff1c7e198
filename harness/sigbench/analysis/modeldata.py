"""What ``sigbench advise`` knows of a run, for any workload, as one JSON document: per
interpreter and implementation, the series the cost model reads (``sigbench.analysis.costmodel``)
and the warnings and reasons ``sigbench.analysis.advice`` gives, computed here by advice's own
functions.  A front end that ports the model and the ranking (the site's chooser) reproduces
``advise`` from it without the results, and re-derives no warning.

What depends on the workload is left to the front end: the mode each implementation is costed
in (the first of ``modes_for`` whose series are all present), the costs, and the notes on them.
Why an implementation is not ranked depends on the workload's scenarios and the modes asked for
only: it is given for every combination in which the implementation has no complete set of
series (``unranked``, keyed by ``choice_key``).
"""

from __future__ import annotations

import itertools
from typing import Dict, List, Optional, Sequence, Tuple, TypedDict

from sigbench.analysis.advice import (
    MODE_ORDER,
    NOTE_KINDS,
    AdviceError,
    Documents,
    NoteFields,
    absent_rows,
    choose_interpreter,
    control_reasons,
    interpreter_of,
    memory_reproducible,
    model_analysis,
    modes_for,
    standing_notes,
    why_unranked,
)
from sigbench.analysis.costmodel import (
    ASYNC_SEND_SCENARIO,
    CONNECT_SCENARIOS,
    DISCONNECT_SCENARIO,
    MEMORY_SCENARIO,
    MODEL_SCENARIOS,
    PARTS,
    SEND_SCENARIOS,
    ModelError,
    Workload,
    labels_of,
    series_of,
)
from sigbench.analysis.points import Analysis
from sigbench.analysis.stats import RESAMPLES
from sigbench.suite.adapters import display_name
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.scenarios.probe import BINDINGS

#: What a mode choice reads as where the reader leaves the reference mode or kind open.
EITHER = "any"


class SeriesFields(TypedDict):
    """``costmodel.Series`` as JSON: whole-operation costs (seconds, or bytes) by count."""

    counts: List[int]
    values: List[float]
    lows: List[float]
    highs: List[float]
    log: bool
    #: The scaling fit's fixed cost and slope, each [value, low, high]; None without a fit.
    fixed: Optional[List[float]]
    slope: Optional[List[float]]
    superlinear: bool
    zero: float


class ImplementationFields(TypedDict):
    """One implementation (and version) on one interpreter."""

    label: str
    impl: str
    version: str
    #: The label as readers know it (``display_name``: PySide6, not qt).
    name: str
    #: Why it is never ranked (an A/A twin), or None.
    control: Optional[str]
    #: ``advice.standing_notes``, in its order.
    notes: List[NoteFields]
    #: By ``series_key``: every series of the model's scenarios the results hold.
    series: Dict[str, SeriesFields]
    #: By ``mode_key``: whether its memory points agree between processes (absent: no points).
    memory_reproducible: Dict[str, bool]
    #: By ``choice_key``: why it is not ranked, as an index into the interpreter's ``texts``.
    unranked: Dict[str, int]


class AbsentFields(TypedDict):
    """An implementation of the results with no point measured."""

    label: str
    impl: str
    version: str
    name: str
    excluded: str


class InterpreterFields(TypedDict):
    results: List[str]
    #: In ``labels_of``' order (by label): the order ``advise`` ranks ties in.
    implementations: List[ImplementationFields]
    absent: List[AbsentFields]
    #: The reasons ``unranked`` points to, each once.
    texts: List[str]


class ScenarioFields(TypedDict):
    """Which scenario measures each part of a workload (``costmodel``)."""

    connect: Dict[str, str]
    send: Dict[str, str]
    async_send: str
    disconnect: str
    memory: str


class ModelData(TypedDict):
    """Everything a front end needs to reproduce ``advise``'s ranking of any workload."""

    #: Oldest first; ``default``: the one ``advise`` chooses without ``--python``.
    interpreters: List[str]
    default: str
    refs: List[str]
    kinds: List[str]
    bindings: List[str]
    parts: List[str]
    #: ``advice.MODE_ORDER``, each [ref, kind].
    modes: List[List[str]]
    note_kinds: List[str]
    scenarios: ScenarioFields
    #: Every workload's scenarios (``Workload.scenarios``, in ``PARTS``' order): ``choice_key``
    #: names one by its index here.
    scenario_sets: List[List[str]]
    pythons: Dict[str, InterpreterFields]


def series_key(scenario: str, ref: str, kind: str) -> str:
    return f"{scenario} {ref} {kind}"


def mode_key(ref: str, kind: str) -> str:
    return f"{ref} {kind}"


def choice_key(scenario_set: int, ref: Optional[str], kind: Optional[str]) -> str:
    """A workload's scenario set (an index into ``scenario_sets``) and the modes asked for
    (None: either; ``EITHER`` in the key)."""
    return f"{scenario_set} {ref or EITHER} {kind or EITHER}"


def scenario_sets() -> List[Tuple[str, ...]]:
    """The scenarios of every workload the model can cost, each set once."""
    found: Dict[Tuple[str, ...], None] = {}
    for sender, asynchronous, (sends, connects, disconnects) in itertools.product(
        BINDINGS, (False, True), itertools.product((0, 1), repeat=3)
    ):
        try:
            workload = Workload(1, sends, connects, disconnects, sender, asynchronous)
        except ModelError:  # no operation, or awaited sends to bound receivers
            continue
        found.setdefault(tuple(workload.scenarios().values()), None)
    return list(found)


def _series_fields(
    analysis: Analysis, label: str, scenario: str, ref: str, kind: str
) -> Optional[SeriesFields]:
    series = series_of(analysis, label, scenario, ref, kind)
    if series is None:
        return None
    return {
        "counts": list(series.counts),
        "values": list(series.values),
        "lows": list(series.lows),
        "highs": list(series.highs),
        "log": series.log,
        "fixed": list(series.fixed) if series.fixed else None,
        "slope": list(series.slope) if series.slope else None,
        "superlinear": series.superlinear,
        "zero": series.zero,
    }


def _of_impl(documents: Documents, impl: str) -> Documents:
    """``documents`` with only ``impl``'s points: ``why_unranked`` reads no other, and it is asked
    a few hundred times per implementation."""
    return {
        path: {
            **document,
            "sigbench": {
                **document["sigbench"],
                "points": [item for item in document["sigbench"]["points"] if item["impl"] == impl],
            },
        }
        for path, document in documents.items()
    }


def _shown(label: str, impl: str) -> str:
    """``label`` as readers know it: its implementation's ``display_name`` in front."""
    name = display_name(impl)
    return name + label[len(impl) :] if name != impl and label.startswith(impl) else label


def _implementation(
    analysis: Analysis,
    documents: Documents,
    selected: Documents,
    entry: Tuple[str, str, str],
    sets: Sequence[Tuple[str, ...]],
    texts: Dict[str, int],
) -> ImplementationFields:
    label, impl, version = entry
    control = control_reasons().get(impl)
    series: Dict[str, SeriesFields] = {}
    reproducible: Dict[str, bool] = {}
    for ref, kind in MODE_ORDER:
        for scenario in MODEL_SCENARIOS:
            found = _series_fields(analysis, label, scenario, ref, kind)
            if found is not None:
                series[series_key(scenario, ref, kind)] = found
        agree = memory_reproducible(analysis, label, ref, kind)
        if agree is not None:
            reproducible[mode_key(ref, kind)] = agree
    unranked: Dict[str, int] = {}
    own = _of_impl(selected, impl)
    for index, scenarios in enumerate(sets):
        for asked_ref, asked_kind in itertools.product((None, *REFS), (None, *KINDS)):
            modes = modes_for(asked_ref, asked_kind)
            lacking = [[s for s in scenarios if series_key(s, *mode) not in series] for mode in modes]
            if control is not None or not all(lacking):
                continue  # an A/A twin's reason is its own; otherwise it is costed in some mode
            reason = why_unranked(own, impl, version, scenarios, modes, lacking[0])
            unranked[choice_key(index, asked_ref, asked_kind)] = texts.setdefault(reason, len(texts))
    return {
        "label": label,
        "impl": impl,
        "version": version,
        "name": _shown(label, impl),
        "control": control,
        "notes": [
            {"kind": note.kind, "text": note.text}
            for note in standing_notes(analysis, documents, selected, entry)
        ],
        "series": series,
        "memory_reproducible": reproducible,
        "unranked": unranked,
    }


def _interpreter(documents: Documents, selected: Documents, python: str, resamples: int) -> InterpreterFields:
    """The data of interpreter ``python`` (its results: ``selected``)."""
    analysis = model_analysis(selected, resamples)
    sets = scenario_sets()
    texts: Dict[str, int] = {}
    entries = labels_of(analysis.points)
    implementations = [
        _implementation(analysis, documents, selected, entry, sets, texts) for entry in entries
    ]
    absent: List[AbsentFields] = [
        {
            "label": row.label,
            "impl": row.impl,
            "version": row.version,
            "name": _shown(row.label, row.impl),
            "excluded": row.excluded or "",
        }
        for row in absent_rows(selected, [impl for _, impl, _ in entries])
    ]
    return {
        "results": [str(path) for path in selected],
        "implementations": implementations,
        "absent": absent,
        "texts": list(texts),
    }


def model_data(documents: Documents, resamples: int = RESAMPLES) -> ModelData:
    """The data of every interpreter of ``documents`` (sigbench results, ``advice.read_documents``)
    whose results hold a point the model reads; AdviceError when none does."""
    pythons: Dict[str, InterpreterFields] = {}
    problems = []
    for python in choose_interpreter(documents, None)[1]:
        selected = {path: found for path, found in documents.items() if interpreter_of(found) == python}
        try:
            pythons[python] = _interpreter(documents, selected, python, resamples)
        except AdviceError as exc:
            problems.append(str(exc))
    if not pythons:
        raise AdviceError("; ".join(problems))
    costed = {path: found for path, found in documents.items() if interpreter_of(found) in pythons}
    default, interpreters = choose_interpreter(costed, None)
    scenarios: ScenarioFields = {
        "connect": dict(CONNECT_SCENARIOS),
        "send": dict(SEND_SCENARIOS),
        "async_send": ASYNC_SEND_SCENARIO,
        "disconnect": DISCONNECT_SCENARIO,
        "memory": MEMORY_SCENARIO,
    }
    return {
        "interpreters": interpreters,
        "default": default,
        "refs": list(REFS),
        "kinds": list(KINDS),
        "bindings": list(BINDINGS),
        "parts": list(PARTS),
        "modes": [list(mode) for mode in MODE_ORDER],
        "note_kinds": list(NOTE_KINDS),
        "scenarios": scenarios,
        "scenario_sets": [list(found) for found in scenario_sets()],
        "pythons": pythons,
    }
