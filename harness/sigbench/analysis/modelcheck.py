"""The cost model checked against whole workloads measured directly: for every workload point of
a run (``sigbench.worker.scenarios.workloads``: connect n receivers to a new signal, send, then
disconnect some, all timed at once), the model's prediction from the same run's operation points
(``sigbench.analysis.costmodel``) in the same mode, its error, and the share of (implementation,
shape) pairs predicted within ``TOLERANCE``, against the target ``TARGET``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, TypedDict

from sigbench.analysis.advice import (
    AdviceError,
    CostFields,
    Documents,
    cost_fields,
    model_analysis,
    selected_documents,
)
from sigbench.analysis.costmodel import Cost, ModelError, Prediction, Workload, predict, workload_series
from sigbench.analysis.stats import RESAMPLES
from sigbench.worker.scenarios import SCENARIOS, WORKLOAD_SCENARIOS
from sigbench.worker.scenarios.workloads import WorkloadScenario

#: A prediction is right when it lies within this share of the measured median.
TOLERANCE = 0.10
#: The share of pairs that must be right.
TARGET = 0.90


def shape_of(scenario: WorkloadScenario, receivers: int) -> Workload:
    """The workload a workload scenario performs at ``receivers``: every receiver connected to a
    new signal, its sends (to receivers connected for any sender), its disconnects."""
    return Workload(receivers, scenario.sends, receivers, min(scenario.disconnects, receivers))


@dataclass(frozen=True)
class WorkloadCheck:
    """One implementation's workload point: measured, and predicted (or why not)."""

    label: str
    scenario: str
    ref: str
    kind: str
    workload: Workload
    measured: Cost
    prediction: Optional[Prediction]
    problem: Optional[str] = None

    @property
    def error(self) -> Optional[float]:
        """Predicted over measured, less 1 (None without a prediction)."""
        if self.prediction is None:
            return None
        return self.prediction.total.value / self.measured.value - 1

    @property
    def within(self) -> bool:
        error = self.error
        return error is not None and abs(error) <= TOLERANCE

    @property
    def largest_part(self) -> Optional[str]:
        """The part that makes up most of the prediction, with its share (``send 97%``)."""
        if self.prediction is None or not self.prediction.parts:
            return None
        total = self.prediction.total.value
        part, cost = max(self.prediction.parts.items(), key=lambda item: item[1].value)
        return f"{part} {cost.value / total:.0%}" if total > 0 else part


class CheckFields(TypedDict):
    label: str
    scenario: str
    ref: str
    kind: str
    receivers: int
    sends: int
    connects: int
    disconnects: int
    measured_us: CostFields
    predicted_us: Optional[CostFields]
    error: Optional[float]
    within: bool
    largest_part: Optional[str]
    problem: Optional[str]


class ModelCheckFields(TypedDict):
    python: str
    results: List[str]
    tolerance: float
    target: float
    compared: int
    within: int
    share_within: Optional[float]
    passed: bool
    checks: List[CheckFields]


@dataclass
class ModelCheck:
    """Every workload point of one interpreter's results, checked."""

    python: str
    results: List[Path]
    checks: List[WorkloadCheck]

    @property
    def compared(self) -> List[WorkloadCheck]:
        return [check for check in self.checks if check.prediction is not None]

    @property
    def share_within(self) -> Optional[float]:
        compared = self.compared
        return sum(check.within for check in compared) / len(compared) if compared else None

    @property
    def passed(self) -> bool:
        share = self.share_within
        return share is not None and share >= TARGET

    def as_dict(self) -> ModelCheckFields:
        return {
            "python": self.python,
            "results": [str(path) for path in self.results],
            "tolerance": TOLERANCE,
            "target": TARGET,
            "compared": len(self.compared),
            "within": sum(check.within for check in self.compared),
            "share_within": self.share_within,
            "passed": self.passed,
            "checks": [_check_fields(check) for check in self.checks],
        }


def _check_fields(check: WorkloadCheck) -> CheckFields:
    workload = check.workload
    return {
        "label": check.label,
        "scenario": check.scenario,
        "ref": check.ref,
        "kind": check.kind,
        "receivers": workload.receivers,
        "sends": workload.sends,
        "connects": workload.connects,
        "disconnects": workload.disconnects,
        "measured_us": cost_fields(check.measured, 1e6),
        "predicted_us": cost_fields(check.prediction.total, 1e6) if check.prediction else None,
        "error": check.error,
        "within": check.within,
        "largest_part": check.largest_part,
        "problem": check.problem,
    }


def check_model(documents: Documents, python: Optional[str] = None, resamples: int = RESAMPLES) -> ModelCheck:
    """Predict every workload point of ``documents`` (on ``python``, else the newest interpreter)
    from the operation points of the same results; AdviceError when they hold no workload point."""
    chosen, _, selected = selected_documents(documents, python)
    analysis = model_analysis(selected, resamples)
    points = analysis.points
    measured = points[points["scenario"].isin(WORKLOAD_SCENARIOS)].sort_values(["scenario", "label"])
    if measured.empty:
        raise AdviceError(
            "no workload point in these results: measure them with 'sigbench run --scenario "
            + ",".join(WORKLOAD_SCENARIOS)
            + "' (with the operations they are predicted from)"
        )
    checks: List[WorkloadCheck] = []
    for item in measured.itertuples():
        scenario = SCENARIOS[str(item.scenario)]
        assert isinstance(scenario, WorkloadScenario)
        workload = shape_of(scenario, int(item.receivers))
        label, ref, kind = str(item.label), str(item.ref), str(item.kind)
        series, missing = workload_series(analysis, label, ref, kind, workload)
        prediction: Optional[Prediction] = None
        problem: Optional[str] = None
        if missing:
            problem = f"no point of {', '.join(missing)} in {ref} {kind}"
        else:
            try:
                prediction = predict(workload, series)
            except ModelError as exc:
                problem = str(exc)
        cost = Cost(float(item.median), float(item.low), float(item.high))
        checks.append(
            WorkloadCheck(label, str(item.scenario), ref, kind, workload, cost, prediction, problem)
        )
    return ModelCheck(chosen, list(selected), checks)
