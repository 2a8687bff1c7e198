"""Scaling with the number of receivers: per series, the fixed cost, the per-receiver slope and the
log-log exponent, with superlinear growth marked."""

from __future__ import annotations

from typing import List

import pandas
from markupsafe import Markup

from sigbench.analysis.points import Analysis
from sigbench.analysis.stats import GROWTH_SUPERLINEAR, SUPERLINEAR_EXPONENT
from sigbench.report.sections.common import Format, Inputs, Section, fragment, table, with_range
from sigbench.report.text import ns


def _estimates(frame: pandas.DataFrame, column: str, format: Format = ns) -> List[str]:
    """``value (low, high)`` as text for each row, from ``column`` and its ``_low`` and ``_high``."""
    triples = zip(frame[column], frame[f"{column}_low"], frame[f"{column}_high"])
    return [with_range(value, low, high, format) for value, low, high in triples]


def fits_table(analysis: Analysis) -> Markup:
    """Fixed cost and per-receiver slope per series, superlinear growth marked."""
    fits = analysis.fits.sort_values(["scenario", "label", "ref", "kind"]).reset_index(drop=True)
    if fits.empty:
        return Markup("")
    frame = pandas.DataFrame(
        {
            "implementation": fits["label"],
            "scenario": fits["scenario"],
            "ref": fits["ref"],
            "kind": fits["kind"],
            # a fit has two counts or more: show the range
            "receivers": [f"{counts.split(', ')[0]}–{counts.split(', ')[-1]}" for counts in fits["counts"]],
            "fixed ns (95% CI)": _estimates(fits, "fixed"),
            "ns per receiver (95% CI)": _estimates(fits, "slope"),
            "log-log exponent (95% CI)": _estimates(fits, "exponent", "{:.2f}".format),
            "growth": fits["growth"].map(lambda g: f"▲ {g}" if g == GROWTH_SUPERLINEAR else g),
        }
    )
    return table(frame, "fits", marked=fits["superlinear"].tolist())


def sections(inputs: Inputs) -> List[Section]:
    """The scaling section: how the fits are made, how many series grow superlinearly, the table."""
    fits = inputs.analysis.fits
    html = fragment(
        "fits.html",
        table=fits_table(inputs.analysis),
        superlinear=int(fits["superlinear"].sum()) if len(fits) else 0,
        superlinear_exponent=SUPERLINEAR_EXPONENT,
    )
    return [Section("scaling", "Scaling", html)]
