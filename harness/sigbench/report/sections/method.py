"""How these numbers were made: the method, then per results file the precision its points reached,
how slow the machine ran, where the run's time went, and the twins' check."""

from __future__ import annotations

import math
from typing import List, Optional, Tuple

import pandas
from markupsafe import Markup

from sigbench.analysis.precision import precision_of
from sigbench.analysis.speed import CEILING, SLOW_SIGMAS, conditions
from sigbench.report.sections import twins
from sigbench.report.sections.common import Documents, Inputs, Section, fragment, table
from sigbench.results.budget import PHASES, with_other
from sigbench.results.stretch import BASELINE_QUANTILE, WINDOW_SECONDS
from sigbench.run.quiet_memory import FEWEST_POINTS
from sigbench.worker.speed import MEAN_SIGMAS, READ_EVERY, RETAKES, SHARED_BELOW

#: A headline, and the lines listed under it.
Texts = List[Tuple[str, List[str]]]


def budget_table(documents: Documents) -> Optional[Markup]:
    """Where each run's wall time went (``sigbench.results.budget``): seconds and share per phase,
    one column per results file that has a budget."""
    budgets = {
        path.stem: with_other(document["sigbench"]["budget"])
        for path, document in documents.items()
        if document.get("sigbench", {}).get("budget", {}).get("wall")
    }
    if not budgets:
        return None
    rows = [
        [
            f"{phase}: {what}",
            *(f"{b.get(phase, 0.0):.1f} s ({b.get(phase, 0.0) / b['wall']:.0%})" for b in budgets.values()),
        ]
        for phase, what in {**PHASES, "wall": "the run from its first worker to its end"}.items()
    ]
    return table(pandas.DataFrame(rows, columns=["phase", *budgets]), "budget")


def precision_texts(documents: Documents) -> Texts:
    """For each results file, the precision its points reached (``sigbench.analysis.precision``):
    a headline, and the points that stopped short of the target."""
    texts = []
    for path, document in documents.items():
        if document.get("sigbench"):
            lines = precision_of(document).lines()
            if lines:
                texts.append((f"{path.stem}: {lines[0]}", [line.strip() for line in lines[1:]]))
    return texts


def condition_texts(documents: Documents) -> Texts:
    """For each results file whose workers sensed the machine's speed, how slow it ran
    (``sigbench.analysis.speed``): a headline, and the points with the most values left out."""
    texts = []
    for path, document in documents.items():
        found = conditions(document)
        for line in found.lines():
            worst = sorted(found.points.items(), key=lambda item: -item[1][0])[:8]
            texts.append(
                (
                    f"{path.stem}: {line}",
                    [
                        f"{name}: {slow} slow, {again} re-taken, {short} short"
                        for name, (slow, again, short) in worst
                    ],
                )
            )
    return texts


def sections(inputs: Inputs) -> List[Section]:
    """The method section, with each file's precision, the machine's conditions, the budget and twins."""
    html = fragment(
        "method.html",
        resamples=inputs.resamples,
        read_every=round(READ_EVERY * 1000),
        slow_sigmas=SLOW_SIGMAS,
        mean_sigmas=f"{MEAN_SIGMAS:.2f}",
        ceiling=f"{math.exp(CEILING):.2f}",
        shared=round(SHARED_BELOW * 100),
        retakes=RETAKES,
        window=WINDOW_SECONDS,
        baseline=round(BASELINE_QUANTILE * 100),
        fewest_points=FEWEST_POINTS,
        precision=precision_texts(inputs.documents),
        machine=condition_texts(inputs.documents),
        budget=budget_table(inputs.documents),
        twins=twins.part(inputs.analysis),
    )
    return [Section("methodology", "Method", html)]
