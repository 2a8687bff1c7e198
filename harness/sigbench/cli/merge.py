"""``sigbench merge``: combine the shards of a run (``sigbench run --shard K/N``) into one results
file, or one per environment for runs with ``--env``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sigbench.cli.files import reserve_output
from sigbench.cli.options import add_output, fail
from sigbench.results.store import to_document, write_atomic
from sigbench.run.multirun import file_names
from sigbench.run.shard import MergeError, merge


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "merge",
        help="combine the shards of a run ('sigbench run --shard K/N') into one results file",
        description="Combine shard results files into one results file (one per environment for runs "
        "with --env). Refused, with nothing written (exit 2): shards of another selection of points or "
        "shard count, another profile, sigbench commit, interpreter or library version, interrupted "
        "shards, and a shard or point given twice. Missing shards are named with their points (exit 1, "
        "nothing written, unless --allow-missing). Each value keeps its own machine in its metadata.",
    )
    parser.add_argument(
        "shards",
        nargs="+",
        type=Path,
        metavar="SHARD",
        help="shard results files, or directories of them (the directories of runs with --env)",
    )
    add_output(
        parser,
        "merged results file, or directory for runs with --env (default: results/merged-<UTC "
        "timestamp>[.json]); never overwritten",
        metavar="PATH",
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="write the merge even when shards are missing (their points are listed in its settings)",
    )
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        merged = merge(args.shards)
    except MergeError as exc:
        fail(parser, exc)
    incomplete = [m for m in merged if m.missing]
    for each in incomplete:
        missing_shards = ", ".join(
            f"{index}/{each.record.settings['merged']['count']}"
            for index in each.record.settings["merged"]["missing_shards"]
        )
        where = f" ({each.env})" if each.env else ""
        missing_names = ", ".join(each.missing[:5]) + (", …" if len(each.missing) > 5 else "")
        print(
            f"sigbench: {'warning' if args.allow_missing else 'error'}: shard {missing_shards} "
            f"missing{where}: {len(each.missing)} points not measured ({missing_names})",
            file=sys.stderr,
        )
    if incomplete and not args.allow_missing:
        print("sigbench: nothing written; merge every shard, or pass --allow-missing", file=sys.stderr)
        return 1
    cpus = {shard["cpu_model_name"] for m in merged for shard in m.record.settings["merged"]["shards"]} - {""}
    if len(cpus) > 1:
        print(
            f"sigbench: warning: the shards ran on {len(cpus)} CPU models ({'; '.join(sorted(cpus))}); each "
            "group of comparable points ran on one machine, but absolute times across groups differ",
            file=sys.stderr,
        )
    if len(merged) == 1 and merged[0].env is None:
        output = reserve_output(parser, args.output, "merged-")
        write_atomic(output, to_document(merged[0].record))
    else:
        output = reserve_output(parser, args.output, "merged-", directory=True)
        names = file_names([m.env for m in merged])
        for each in merged:
            write_atomic(output / names[each.env], to_document(each.record))
    shards = sum(len(m.sources) for m in merged)
    points = sum(len(m.record.points) for m in merged)
    print(f"Merged {shards} shard files ({points} points) -> {output}")
    return 0
