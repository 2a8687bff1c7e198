"""The ``sigbench`` command: its parser, made of one module per sub-command, and the table that
dispatches to them.

Each sub-command's module has ``setup_arguments`` (adds its parser to ``sigbench``'s sub-parsers)
and ``run`` (runs it with that parser, for its errors, and the arguments: the exit status); the
options several share are defined once, in ``sigbench.cli.options``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Dict, NamedTuple, Optional, Sequence

from sigbench.cli import advise, bisect, check, compare, export, gate, listing, merge, report, run, summary
from sigbench.suite.adapters import implementation_names


class Command(NamedTuple):
    """One sub-command: what adds its parser, and what runs it."""

    setup_arguments: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], argparse.ArgumentParser]
    run: Callable[[argparse.ArgumentParser, argparse.Namespace], int]


#: Each sub-command, in the order ``sigbench --help`` lists them.
COMMANDS: Dict[str, Command] = {
    "list": Command(listing.setup_arguments, listing.run),
    "run": Command(run.setup_arguments, run.run),
    "merge": Command(merge.setup_arguments, merge.run),
    "report": Command(report.setup_arguments, report.run),
    "summary": Command(summary.setup_arguments, summary.run),
    "export": Command(export.setup_arguments, export.run),
    "check": Command(check.setup_arguments, check.run),
    "compare": Command(compare.setup_arguments, compare.run),
    "advise": Command(advise.setup_arguments, advise.run),
    "gate": Command(gate.setup_arguments, gate.run),
    "bisect": Command(bisect.setup_arguments, bisect.run),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigbench",
        description="Benchmark and compare Python signal-dispatch libraries (blinker and its peers).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS.values():
        added = command.setup_arguments(commands)
        added.set_defaults(parser=added)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        implementation_names()
    except ValueError as exc:
        print(f"sigbench: error: {exc}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = COMMANDS[args.command].run(args.parser, args)
        sys.stdout.flush()  # a closed pipe must fail here, not in the flush at exit
        return status
    except BrokenPipeError:
        # The reader went away (``sigbench list | head``): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
