"""What every section of the report is made of: the ``Section`` type and the ``Inputs`` it is made
from, the templates that write its HTML, and sortable tables with their cells' formats and colours.

Every string that comes from a results file reaches the page through an escaping path: the templates
autoescape, and tables are formatted with ``escape="html"``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import jinja2
import matplotlib
import numpy as np
import pandas
from markupsafe import Markup
from pandas.io.formats.style import Styler

from sigbench.analysis.history import History
from sigbench.analysis.points import Analysis
from sigbench.report.text import ns

#: How a number reads in a cell.
Format = Callable[[float], str]
#: Results files and their documents (``sigbench.results.table.read_document``).
Documents = Dict[Path, Dict[str, Any]]

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("sigbench.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_RATIO_COLOURS = matplotlib.colormaps["RdYlGn_r"]
#: A row or cell that needs a look: superlinear growth, twins that differ, a step judged slower.
MARKED = "background-color: #f8d0c8"
#: Cells of a step or change point: what a verdict looks like.
VERDICT_CSS = {"slower": MARKED, "faster": "background-color: #cdebd3"}


@dataclass(frozen=True)
class Section:
    """One ``<section>`` of the page: its anchor, its link in the table of contents, its HTML."""

    slug: str
    title: str
    html: Markup
    #: The class of its ``<section>`` element, if any.
    css_class: str = ""


@dataclass(frozen=True)
class Inputs:
    """What the sections are made from: the results files and what the analysis found in them."""

    documents: Documents
    #: Their values (``sigbench.results.table.frame_from_documents``).
    frame: pandas.DataFrame
    analysis: Analysis
    #: A colour per label (``sigbench.report.charts.colours``).
    palette: Dict[str, str]
    #: Per implementation measured in several environments, its history.
    histories: List[History]
    #: Bootstrap resamples of every confidence interval.
    resamples: int


def fragment(template: str, **context: Any) -> Markup:
    """``template`` (in ``sigbench/report/templates``) rendered with ``context``, autoescaped."""
    return Markup(_TEMPLATES.get_template(template).render(**context))


def script_hash(script: str) -> str:
    """The Content-Security-Policy source that allows the inline ``script``: its SHA-256."""
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def range_text(low: float, high: float, format: Format = ns) -> str:
    """``low`` en dash ``high``, or ``low to high`` when a dash could read as a minus sign."""
    if pandas.isna(low):
        return ""
    return f"{format(low)}{' to ' if low < 0 or high < 0 else '–'}{format(high)}"


def with_range(value: float, low: float, high: float, format: Format = ns) -> str:
    """``value (low to high)`` as ``range_text`` writes it; empty for a missing value."""
    return "" if pandas.isna(value) else f"{format(value)} ({range_text(low, high, format)})"


def ratio_text(value: float) -> str:
    """A ratio: whole from 100 up, else three significant digits; empty for a missing value."""
    if pandas.isna(value):
        return ""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def ratio_bound_text(value: float) -> str:
    """A bound of a ratio's CI: as ``ratio_text``, trailing zeros kept, so that both bounds show
    the same precision (``1.90`` beside ``2.03``, not ``1.9``)."""
    if pandas.isna(value) or value >= 100:
        return ratio_text(value)
    return f"{value:#.3g}".rstrip(".")  # 99.96 rounds to "100."


def _ratio_css(ratios: pandas.DataFrame) -> pandas.DataFrame:
    """Cell backgrounds from green (as fast as baseline) to red (100 times slower and more)."""

    def css(value: Any) -> str:
        if pandas.isna(value) or value <= 0:
            return ""
        red, green, blue, _ = _RATIO_COLOURS(float(np.clip(np.log10(value) / 2, 0, 1)))
        return f"background-color: rgba({red * 255:.0f}, {green * 255:.0f}, {blue * 255:.0f}, 0.35)"

    return ratios.map(css)


def table(
    frame: pandas.DataFrame,
    table_id: str,
    colour_by: Optional[pandas.DataFrame] = None,
    marked: Optional[Sequence[bool]] = None,
    cell_css: Optional[pandas.DataFrame] = None,
) -> Markup:
    """A sortable HTML table of ``frame`` (strings) with every cell and header escaped, cells
    coloured by the ratios in ``colour_by`` and ``marked`` rows highlighted."""
    # Ids only on cells that are styled (a report over several environments holds long tables).
    styler = Styler(frame, uuid=table_id, cell_ids=False).hide(axis="index")
    styler = styler.format(escape="html", na_rep="").format_index(escape="html", axis=1)
    styler = styler.set_table_attributes('class="data sortable"')
    text_columns = [
        c
        for c in ("implementation", "version", "point", "reason", "benchmark", "scenario")
        if c in frame.columns
    ]
    # Their cells and their headers (one rule per column, not one per cell).
    left = [{"selector": selector, "props": "text-align: left"} for selector in ("th", "td")]
    styler = styler.set_table_styles({column: left for column in text_columns}, overwrite=False)
    if colour_by is not None:
        styler = styler.apply(lambda _: _ratio_css(colour_by), axis=None, subset=list(colour_by.columns))
    if cell_css is not None:
        styler = styler.apply(lambda _: cell_css, axis=None, subset=list(cell_css.columns))
    if marked is not None:
        rows = pandas.Series(list(marked), index=frame.index)
        styler = styler.apply(lambda row: [MARKED if rows[row.name] else "" for _ in row], axis=1)
    html = re.sub(r"\n\s+", "\n", styler.to_html(doctype_html=False))
    # A cell needs only its column's class (the column rules above); a report over several
    # environments holds long tables.
    html = re.sub(r'class="(?:data row\d+|col_heading level\d+) (col\d+)" >', r'class="\1">', html)
    return Markup(f'<div class="table-scroll">{html}</div>')
