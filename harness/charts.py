"""Charts for the report as inline SVG markup (matplotlib, no pyplot state, text kept as text)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Dict, Sequence

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullLocator

#: Text stays text (small, searchable, selectable); names are never parsed as mathtext.
_RC = {"svg.fonttype": "none", "text.parse_math": False, "font.size": 9}
#: Plain numbers on log axes (matplotlib's default writes powers of ten as mathtext).
_PLAIN = FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}")


@dataclass(frozen=True)
class Series:
    """One line: medians at ``x`` with their CI band."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]


def colours(labels: Sequence[str]) -> Dict[str, str]:
    """A stable colour per label (baseline black) so one implementation looks the same everywhere."""
    ordered = sorted(set(labels) - {"baseline"})
    palette = matplotlib.colormaps["tab10" if len(ordered) <= 10 else "tab20"].colors
    mapping = {label: matplotlib.colors.to_hex(palette[i % len(palette)]) for i, label in enumerate(ordered)}
    mapping["baseline"] = "#000000"
    return mapping


def _svg(figure: Figure, chart_id: str) -> str:
    """The figure as an ``<svg>`` element to inline in HTML (no XML prolog, unique ids)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": chart_id, "svg.id": chart_id}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    markup = buffer.getvalue()
    markup = markup[markup.index("<svg") :]
    markup = re.sub(r"<metadata>.*?</metadata>\s*", "", markup, flags=re.S)
    # matplotlib numbers its element ids from 1 in every figure; prefix them so several charts
    # on one page never share an id.
    markup = re.sub(r'id="(?!' + re.escape(chart_id) + r'")([^"]+)"', rf'id="{chart_id}-\1"', markup)
    return markup.replace('href="#', f'href="#{chart_id}-').replace("url(#", f"url(#{chart_id}-")


def scaling_chart(
    chart_id: str, title: str, ylabel: str, series: Sequence[Series], palette: Dict[str, str]
) -> str:
    """Cost against receivers on log-log axes, one line per series with a shaded 95% CI band."""
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(7.5, 4.2))
        axes = figure.add_subplot()
        for item in series:
            # log axes cannot show 0 receivers: such points sit at x = 0.5, labelled "0".
            x = [value if value > 0 else 0.5 for value in item.x]
            colour = palette.get(item.label, "#555555")
            style = "--" if item.label == "baseline" else "-"
            axes.plot(x, item.y, style, marker="o", markersize=3, color=colour, label=item.label)
            axes.fill_between(x, item.low, item.high, color=colour, alpha=0.15, linewidth=0)
        axes.set_xscale("log")
        axes.set_yscale("log")
        ticks = sorted({value if value > 0 else 0.5 for item in series for value in item.x})
        axes.set_xticks(ticks, [f"{t:g}" if t >= 1 else "0" for t in ticks])
        axes.xaxis.set_minor_locator(NullLocator())
        axes.yaxis.set_major_formatter(_PLAIN)
        axes.set_title(title)
        axes.set_xlabel("receivers")
        axes.set_ylabel(ylabel)
        axes.grid(True, which="major", alpha=0.3)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        # Fixed margins: a tight bounding box would draw the figure twice.
        longest = max((len(item.label) for item in series), default=0)
        figure.subplots_adjust(left=0.11, bottom=0.12, top=0.93, right=max(0.5, 0.86 - 0.0105 * longest))
        return _svg(figure, chart_id)


def bar_chart(
    chart_id: str,
    title: str,
    xlabel: str,
    labels: Sequence[str],
    values: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    palette: Dict[str, str],
    reference: float = 0.0,
) -> str:
    """Horizontal bars on a log axis with 95% CI whiskers, first label on top; an optional
    vertical reference line (e.g. ratio 1)."""
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(7.5, 0.6 + 0.28 * max(len(labels), 1)))
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        errors = [
            [max(v - lo, 0) for v, lo in zip(values, low)],
            [max(hi - v, 0) for v, hi in zip(values, high)],
        ]
        axes.barh(
            positions,
            values,
            xerr=errors,
            color=[palette.get(label, "#555555") for label in labels],
            ecolor="#333333",
            capsize=2,
            height=0.7,
        )
        if reference:
            axes.axvline(reference, color="#000000", linewidth=0.8, linestyle="--")
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(_PLAIN)
        axes.set_yticks(positions, labels)
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.grid(True, axis="x", alpha=0.3)
        longest = max((len(label) for label in labels), default=0)
        height = figure.get_figheight()
        figure.subplots_adjust(
            left=min(0.5, 0.03 + 0.0105 * longest), right=0.97, top=1 - 0.3 / height, bottom=0.5 / height
        )
        return _svg(figure, chart_id)
