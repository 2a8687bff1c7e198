"""Twins, identical code under two names, must measure alike: the check's headline and every twin
ratio (those that differ first), shown as a part of the method section."""

from __future__ import annotations

from typing import Tuple

import pandas
from markupsafe import Markup

from sigbench.analysis.points import Analysis
from sigbench.analysis.twins import twin_ratios
from sigbench.report.sections.common import fragment, table, with_range
from sigbench.report.text import twins_headline
from sigbench.worker.twins import TWIN_TOLERANCE, TWINS


def twins_table(analysis: Analysis) -> Tuple[str, Markup]:
    """The twin check's headline and a table of every twin ratio (those that differ first,
    marked): the standing proof that identical code measured identically in this run."""
    ratios = twin_ratios(analysis.points, analysis.distributions)
    if not ratios:
        return "", Markup("")
    ordered = sorted(ratios, key=lambda item: (not item.differs, item.twin.impl, item.point))
    frame = pandas.DataFrame(
        {
            "implementation": [item.twin.impl for item in ordered],
            "twin of": [item.twin.of for item in ordered],
            "point": [item.point for item in ordered],
            "ratio (95% CI)": [
                with_range(item.ratio.value, item.ratio.low, item.ratio.high, "{:.3f}".format)
                for item in ordered
            ],
            "verdict": [item.verdict for item in ordered],
        }
    )
    return twins_headline(ratios, TWIN_TOLERANCE), table(frame, "twins", marked=[i.differs for i in ordered])


def part(analysis: Analysis) -> Markup:
    """The twins' part of the page: which implementations are twins, the rule, and the table."""
    caption, found = twins_table(analysis)
    return fragment("twins.html", caption=caption, table=found, pairs=TWINS, tolerance=TWIN_TOLERANCE)
