"""Charts for the report as inline SVG markup (matplotlib, no pyplot state, text kept as text)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Sequence

import matplotlib
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: Text stays text (small, searchable, selectable); names are never parsed as mathtext.
_RC: Dict[RcKeyType, Any] = {"svg.fonttype": "none", "text.parse_math": False, "font.size": 10}
#: The font matplotlib lays text out with (its own, always present): the one the SVG names.
_FONT = "DejaVu Sans"
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


#: The labels besides the baseline (black) that one chart can tell apart by colour (tab20).
DISTINCT_COLOURS = 20


def colours(labels: Sequence[str]) -> Dict[str, str]:
    """A stable colour per label (baseline black) so one implementation looks the same everywhere;
    beyond ``DISTINCT_COLOURS`` labels, colours repeat."""
    ordered = sorted(set(labels) - {"baseline"})
    # A listed colormap called with an int gives its colour of that index.
    palette = matplotlib.colormaps["tab10" if len(ordered) <= 10 else "tab20"]
    mapping = {label: matplotlib.colors.to_hex(palette(i % palette.N)) for i, label in enumerate(ordered)}
    mapping["baseline"] = "#000000"
    return mapping


def _plain_log_axis(axis: Axis) -> None:
    """Ticks at 1, 2 and 5 times powers of ten, labelled as plain numbers, no minor labels (so a
    narrow range still has labelled ticks)."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(_PLAIN)
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def _svg(figure: Figure, chart_id: str) -> str:
    """The figure as an ``<svg>`` element to inline in HTML (no XML prolog, unique ids)."""
    buffer = io.StringIO()
    params = {"svg.hashsalt": chart_id}
    if "svg.id" in matplotlib.rcParams:  # matplotlib 3.10+, which needs Python 3.10+
        params["svg.id"] = chart_id
    with matplotlib.rc_context(params):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    markup = buffer.getvalue()
    markup = markup[markup.index("<svg") :]
    if "svg.id" not in params:
        markup = markup.replace("<svg ", f'<svg id="{chart_id}" ', 1)
    markup = re.sub(r"<metadata>.*?</metadata>\s*", "", markup, flags=re.S)
    return _lean(markup, chart_id)


def _lean(markup: str, chart_id: str) -> str:
    """The same drawing in fewer bytes (a report over several environments holds hundreds of
    charts), with ids unique on the page:

    - ids only where something refers to them, named ``<chart_id>-<n>`` (matplotlib numbers and
      hashes them per figure, so two charts on one page could share one);
    - each distinct style once, as a class whose rule is scoped to this chart (not on referred
      elements), and matplotlib's page-wide ``*`` rule scoped to it too;
    - one font name (the one matplotlib laid the text out with) and its generic family, not
      matplotlib's list of fallbacks;
    - coordinates to 1/100 pt, no indentation, no groups without attributes.
    """
    referred = list(dict.fromkeys(re.findall(r'(?:href="#|url\(#)([^")]+)', markup)))
    names = {old: f"{chart_id}-{n}" for n, old in enumerate(referred)}
    names[chart_id] = chart_id
    markup = re.sub(
        r' id="([^"]+)"', lambda m: f' id="{names[m.group(1)]}"' if m.group(1) in names else "", markup
    )
    markup = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{names[m.group(1)]}"', markup)
    markup = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{names[m.group(1)]})", markup)
    markup = re.sub(r"font-family: [^;\"]+", f"font-family: '{_FONT}', sans-serif", markup)
    markup = re.sub(
        r'( (?:d|x|y|transform)=")([^"]*)"', lambda m: m.group(1) + _rounded(m.group(2)) + '"', markup
    )
    # Not on a referred element: a <use> instance of it need not match the chart's rules.
    styled = re.compile(r'(<[^>]*?) style="([^"]*)"')
    tags = [m for m in styled.finditer(markup) if ' id="' not in m.group(1)]
    classes = {style: f"s{n}" for n, style in enumerate(dict.fromkeys(m.group(2) for m in tags))}

    def classed(m: re.Match[str]) -> str:
        return m.group(0) if ' id="' in m.group(1) else f'{m.group(1)} class="{classes[m.group(2)]}"'

    markup = styled.sub(classed, markup)
    rules = "".join(f"#{chart_id} .{name}{{{style}}}" for style, name in classes.items())
    markup = re.sub(r"\*(\{[^}]*\})", lambda m: f"#{chart_id} *{m.group(1)}{rules}", markup, count=1)
    markup = re.sub(r" ?\n\s*", "\n", markup)
    # Groups with no attributes group nothing that shows: keep their contents only (matplotlib
    # writes every tag on a line of its own).
    kept, lines = [], []
    for line in markup.split("\n"):
        if line.startswith("<g"):
            kept.append(line != "<g>")
            if not kept[-1]:
                continue
        elif line == "</g>" and not kept.pop():
            continue
        lines.append(line)
    return "\n".join(lines)


def _rounded(numbers: str) -> str:
    """Every decimal in an attribute's value to two places, trailing zeros dropped."""
    return re.sub(r"(-?\d+\.\d{3,})", lambda m: f"{float(m.group(1)):.2f}".rstrip("0").rstrip("."), numbers)


def scaling_chart(
    chart_id: str,
    title: str,
    ylabel: str,
    series: Sequence[Series],
    palette: Dict[str, str],
    down_to_zero: bool = False,
) -> str:
    """Cost against receivers on log-log axes, one line per series with a shaded 95% CI band;
    ``down_to_zero`` (costs that may be 0, such as bytes) makes the cost axis linear up to 10 and
    logarithmic above (symlog)."""
    with matplotlib.rc_context(_RC):
        # Tall enough for the legend beside it (a line per series).
        figure = Figure(figsize=(10, max(4.8, 1.2 + 0.25 * len(series))), layout="constrained")
        axes = figure.add_subplot()
        for item in series:
            # log axes cannot show 0 receivers: such points sit at x = 0.5, labelled "0".
            x = [value if value > 0 else 0.5 for value in item.x]
            colour = palette.get(item.label, "#555555")
            style = "--" if item.label == "baseline" else "-"
            axes.plot(x, item.y, style, marker="o", markersize=3, color=colour, label=item.label)
            axes.fill_between(x, item.low, item.high, color=colour, alpha=0.15, linewidth=0)
        axes.set_xscale("log")
        ticks = sorted({value if value > 0 else 0.5 for item in series for value in item.x})
        axes.set_xticks(ticks, [f"{t:g}" if t >= 1 else "0" for t in ticks])
        axes.xaxis.set_minor_locator(NullLocator())
        if down_to_zero:
            axes.set_yscale("symlog", linthresh=10)
            axes.yaxis.set_major_formatter(_PLAIN)
            axes.yaxis.set_minor_formatter(NullFormatter())
            top = max((value for item in series for value in item.high), default=10.0)
            axes.set_ylim(0, max(top, 10.0) * 1.5)  # symlog's autoscale puts the top point on the edge
        else:
            axes.set_yscale("log")
            _plain_log_axis(axes.yaxis)
        axes.set_title(title)
        axes.set_xlabel("receivers")
        axes.set_ylabel(ylabel)
        axes.grid(True, which="major", alpha=0.3)
        figure.legend(loc="outside right upper", frameon=False)
        return _svg(figure, chart_id)


def interval_chart(
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
    """One row per label, first on top: the estimate as a dot with its 95% CI as a bar, on a log
    axis (where bars from an axis edge would mean nothing); an optional reference line."""
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(10, 0.9 + 0.3 * max(len(labels), 1)), layout="constrained")
        axes = figure.add_subplot()
        for position, (label, value, lo, hi) in enumerate(zip(labels, values, low, high)):
            row = len(labels) - 1 - position
            colour = palette.get(label, "#555555")
            axes.plot([lo, hi], [row, row], color=colour, linewidth=2.5, alpha=0.5, solid_capstyle="butt")
            axes.plot([value], [row], "o", color=colour, markersize=6)
        if reference:
            axes.axvline(reference, color="#000000", linewidth=0.8, linestyle="--")
        axes.set_xscale("log")
        _plain_log_axis(axes.xaxis)
        axes.set_yticks(range(len(labels))[::-1], labels)
        axes.set_ylim(-0.7, len(labels) - 0.3)
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.grid(True, axis="x", alpha=0.3)
        return _svg(figure, chart_id)


def history_chart(
    chart_id: str,
    title: str,
    ylabel: str,
    environments: Sequence[str],
    series: Sequence[Series],
    palette: Dict[str, str],
) -> str:
    """Cost against environment (a release, an interpreter; oldest left), one line per series
    (x: the environment's position) with a shaded 95% CI band, on a log axis."""
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(10, 4.2), layout="constrained")
        axes = figure.add_subplot()
        for item in series:
            colour = palette.get(item.label, "#555555")
            axes.plot(item.x, item.y, "-", marker="o", markersize=3, color=colour, label=item.label)
            axes.fill_between(item.x, item.low, item.high, color=colour, alpha=0.15, linewidth=0)
        axes.set_yscale("log")
        _plain_log_axis(axes.yaxis)
        axes.set_xticks(range(len(environments)), environments, rotation=30, ha="right")
        axes.set_title(title)
        axes.set_ylabel(ylabel)
        axes.grid(True, which="major", alpha=0.3)
        figure.legend(loc="outside right upper", frameon=False)
        return _svg(figure, chart_id)
