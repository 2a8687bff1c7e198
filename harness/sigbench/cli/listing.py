"""``sigbench list``: the implementations (availability, versions, capabilities), the scenarios,
reference modes, receiver kinds and profiles."""

from __future__ import annotations

import argparse
import sys

from sigbench.cli.options import fail
from sigbench.run.process import InventoryError, inventory_of
from sigbench.run.runner import PROFILES
from sigbench.suite.adapters import get_adapter, implementation_names
from sigbench.suite.metrics import METRICS
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.scenarios import SCENARIOS


def setup_arguments(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    return commands.add_parser(
        "list", help="implementations (availability, versions, capabilities) and scenarios"
    )


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:  # as a worker started in this interpreter sees it
        found = inventory_of(sys.executable)["availability"]
    except InventoryError as exc:
        fail(parser, exc)
    print("Implementations:")
    for name in implementation_names():
        adapter = get_adapter(name)
        available, detail = found[name]
        refs = ", ".join(f"{ref}/{kind}" for ref, kind in sorted(adapter.combos))
        state = f"{detail}" if available else f"not installed ({detail})"
        print(f"  {name:<13} {state}")
        sender = "yes" if adapter.sender_filter else "no"
        create = "yes" if adapter.can_create else "no"
        print(
            f"  {'':<13} {adapter.description}; receivers: {refs}; sender filter: {sender}; create: {create}"
        )
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
