"""``sigbench list``: the implementations (availability, versions, each below its newest release
for this interpreter named so, capabilities), the scenarios, reference modes, receiver kinds and
profiles."""

from __future__ import annotations

import argparse
import sys

from sigbench.cli.options import fail
from sigbench.report.text import python_minor, version_text
from sigbench.run.newest import Interpreter, newest_releases
from sigbench.run.process import InventoryError, inventory_of
from sigbench.run.runner import PROFILES
from sigbench.suite.adapters import get_adapter, implementation_names
from sigbench.suite.metrics import METRICS
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.inventory import TOOLS
from sigbench.worker.scenarios import SCENARIOS


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    return commands.add_parser(
        "list", help="implementations (availability, versions, capabilities) and scenarios"
    )


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:  # as a worker started in this interpreter sees it
        inventory = inventory_of(sys.executable)
    except InventoryError as exc:
        fail(parser, exc)
    found = inventory["availability"]
    installed = {n: v for n, v in inventory["libraries"].items() if v and n not in TOOLS}
    newest = newest_releases(installed, Interpreter.from_inventory(inventory["interpreter"]), sys.executable)
    python = python_minor(inventory["interpreter"]["python_version"])
    print("Implementations:")
    for name in implementation_names():
        adapter = get_adapter(name)
        available, detail = found[name]
        refs = ", ".join(f"{ref}/{kind}" for ref, kind in sorted(adapter.combos))
        own = newest.get(adapter.distribution or "")
        state = version_text(detail, own, python) if available else f"not installed ({detail})"
        print(f"  {name:<13} {state}")
        sender = "yes" if adapter.sender_filter else "no"
        create = "yes" if adapter.can_create else "no"
        print(
            f"  {'':<13} {adapter.description}; receivers: {refs}; sender filter: {sender}; create: {create}"
        )
    unknown = sorted(name for name, version in newest.items() if version is None)
    if unknown:
        print(f"  (newest release for Python {python} unknown: {', '.join(unknown)})")
    print("\nScenarios:")
    for scenario in SCENARIOS.values():
        counts = ", ".join(map(str, scenario.receivers)) if scenario.has_receivers else "-"
        per = (
            f"per {scenario.unit}"
            if scenario.timed
            else f"{METRICS[scenario.metric].word} per {scenario.unit}"
        )
        only = "; free-threaded Python only" if scenario.free_threaded else ""
        only += "; measured only when named (--scenario)" if scenario.only_when_named else ""
        print(f"  {scenario.name:<15} {scenario.description} ({per}; receivers: {counts}{only})")
    print(f"\nReference modes: {', '.join(REFS)}; receiver kinds: {', '.join(KINDS)}")
    print("Profiles: " + "; ".join(f"{p.name} ({p.description})" for p in PROFILES.values()))
    return 0
