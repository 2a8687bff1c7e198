"""The options several sub-commands share, each defined once, with their checks and the error exit.

A sub-command's own options stay in its module; what two or more take (the point filters,
``--timeout``, ``--seed``, ``--quiet``, ``-o/--output``, ``--format``, ``--resamples``, the gate's
``--threshold`` and ``--rounds``) is added here, with the same help wherever it says the same.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, NoReturn, Optional, Sequence, Tuple, TypeVar

from sigbench.analysis.stats import RESAMPLES
from sigbench.gate.settings import GateError, GateSettings, gate_settings, rounds_argument
from sigbench.run.guard import VersionMismatch
from sigbench.run.process import InventoryError
from sigbench.suite.adapters import implementation_names
from sigbench.suite.points import KINDS, REFS, Point
from sigbench.worker.matrix import matrix
from sigbench.worker.scenarios import LIFETIME_SCENARIOS, SCENARIOS

T = TypeVar("T")
#: An environment that cannot be measured as its label says: exit 2, nothing measured there.
UNMEASURABLE = (VersionMismatch, InventoryError)
RECEIVER_COUNTS = sorted({n for s in SCENARIOS.values() for n in s.receivers})


def fail(parser: argparse.ArgumentParser, error: object) -> NoReturn:
    """Exit 2 with ``sigbench: error: <error>``: input that parsed but cannot be used (a usage
    error, with the command's usage line, is ``parser.error``)."""
    parser.exit(2, f"sigbench: error: {error}\n")


def choices(
    parser: argparse.ArgumentParser,
    option: str,
    given: Optional[List[str]],
    valid: Sequence[T],
    convert: Callable[[str], T] = str,  # type: ignore[assignment]
) -> Optional[List[T]]:
    """Split repeated, comma-separated values and check each against ``valid``."""
    if not given:
        return None
    chosen: List[T] = []
    for text in (part.strip() for value in given for part in value.split(",")):
        try:
            item: Optional[T] = convert(text)
        except ValueError:
            item = None
        if item is None or item not in valid:
            parser.error(f"{option}: unknown value {text!r} (valid: {', '.join(map(str, valid))})")
        if item not in chosen:
            chosen.append(item)
    return chosen


class _Filter(NamedTuple):
    """A filter of the scenario matrix: its metavar, what it selects, its values and their type."""

    metavar: str
    what: str
    valid: Sequence[Any]
    convert: Callable[[str], Any] = str


def _filters() -> Dict[str, _Filter]:
    """The filters by option, in the order they are listed and checked (made when asked, as an
    extra adapter that fails to register is ``main``'s error to report)."""
    return {
        "--impl": _Filter("NAMES", "implementations", implementation_names()),
        "--scenario": _Filter("NAMES", "scenarios", list(SCENARIOS)),
        "--receivers": _Filter("COUNTS", "receiver counts", RECEIVER_COUNTS, int),
        "--ref": _Filter("MODES", "reference modes", REFS),
        "--kind": _Filter("KINDS", "receiver kinds", KINDS),
    }


def add_filters(parser: argparse.ArgumentParser) -> None:
    """The filters that select points of the scenario matrix."""
    for option, each in _filters().items():
        valid = ", ".join(map(str, each.valid))
        parser.add_argument(option, action="append", metavar=each.metavar, help=f"{each.what} ({valid})")


def selected_points(parser: argparse.ArgumentParser, args: argparse.Namespace) -> List[Point]:
    """The points the filters select; for ``run`` without ``--full``, ``--ref`` or ``--kind``,
    only the core matrix (``sigbench.worker.matrix.core_mode``)."""
    chosen = {
        option: choices(parser, option, getattr(args, option[2:]), each.valid, each.convert)
        for option, each in _filters().items()
    }
    core = getattr(args, "full", True) is False and args.ref is None and args.kind is None
    points = matrix(
        chosen["--impl"] or list(implementation_names()),
        scenarios=chosen["--scenario"],
        receivers=chosen["--receivers"],
        refs=chosen["--ref"],
        kinds=chosen["--kind"],
        core=core,
    )
    if not points:
        parser.error("the filters select no point of the scenario matrix (see 'sigbench list')")
    return points


def _timed_points(parser: argparse.ArgumentParser, args: argparse.Namespace, judge: str) -> List[Point]:
    """The selected points the gate judges (``judge`` names it): of time scenarios, and of the
    lifetime scenarios, judged exactly."""
    points = [
        p
        for p in selected_points(parser, args)
        if SCENARIOS[p.scenario].timed or p.scenario in LIFETIME_SCENARIOS
    ]
    if not points:
        parser.error(f"{judge} judges time and lifetime: the filters select only memory scenarios")
    return points


def add_output(parser: argparse.ArgumentParser, help: str, metavar: str = "FILE") -> None:
    parser.add_argument("-o", "--output", type=Path, metavar=metavar, help=help)


def add_format_output(
    parser: argparse.ArgumentParser, output_help: str = "write to FILE instead of stdout"
) -> None:
    """``--format`` (text or Markdown) and ``-o``."""
    parser.add_argument("--format", choices=("text", "md"), default="text", help="text (default) or md")
    add_output(parser, output_help)


def add_resamples(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resamples",
        type=int,
        default=RESAMPLES,
        metavar="N",
        help=f"bootstrap resamples per confidence interval (default: {RESAMPLES})",
    )


def add_timeout(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help=help)


def add_seed(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--seed", type=int, help=help)


def add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def add_gate_options(
    parser: argparse.ArgumentParser, *, threshold: str, rounds: str, output: str, timeout: str
) -> None:
    """What ``gate`` and ``bisect`` both take, each with its help: ``--threshold``, ``--rounds``,
    the filters, ``--format`` and ``-o``, ``--seed``, ``--timeout`` and ``--quiet``."""
    parser.add_argument("--threshold", type=float, metavar="PCT", help=threshold)
    parser.add_argument("--rounds", type=rounds_argument, metavar="N", help=rounds)
    add_filters(parser)
    add_format_output(parser, output)
    add_seed(parser, "seed for the order of sides and points")
    add_timeout(parser, timeout)
    add_quiet(parser)


def checked_statistics(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse thresholds and resample counts that make no sense."""
    threshold = getattr(args, "threshold", None)
    if threshold is not None and not 0 <= threshold < 100:
        parser.error("--threshold must be a percentage from 0 to below 100")
    if getattr(args, "resamples", RESAMPLES) < 100:
        parser.error("--resamples must be at least 100")


def checked_timeout(parser: argparse.ArgumentParser, timeout: Optional[float]) -> None:
    """Refuse a ``--timeout`` that is not a positive number of seconds (None: the default)."""
    if timeout is not None and timeout <= 0:
        parser.error("--timeout must be a positive number of seconds")


def gate_request(
    parser: argparse.ArgumentParser, args: argparse.Namespace, judge: str
) -> Tuple[GateSettings, List[Point]]:
    """The settings (``sigbench.gate.settings``) and points of what ``gate`` or ``bisect`` (named
    ``judge``; paired, as it has no ``--mode``) is asked to judge.  Usage errors, in this order:
    the threshold, the rounds, the timeout, the filters."""
    checked_statistics(parser, args)
    mode = getattr(args, "mode", "paired")
    try:
        threshold = None if args.threshold is None else args.threshold / 100
        settings = gate_settings(mode, args.rounds, threshold, point_timeout=args.timeout)
    except GateError as exc:
        parser.error(str(exc))
    if settings.too_few_rounds:
        chosen = f" in {mode} mode" if "mode" in args else ""  # named only where --mode chose it
        parser.error(f"--rounds must be at least {settings.fewest_rounds}{chosen}")
    checked_timeout(parser, args.timeout)
    return settings, _timed_points(parser, args, judge)
