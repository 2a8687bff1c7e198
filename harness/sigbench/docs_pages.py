"""The documentation's reference pages, generated from the code they describe so that they cannot
drift from it: the command line from its argparse parsers, the scenario matrix and the profiles
from the scenario registry and the runner, the implementations from their adapters, the results
file from its schema, and the tox environments from ``tox.ini``.

``python -m sigbench.docs_pages --write`` writes them into ``docs/reference/`` of a checkout;
``--check`` exits 1 naming every page that differs from what the code gives (``tox -e docs``
and ``tests/test_docs.py`` run it).
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import html
import os
import re
import sys
import textwrap
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence

from sigbench.cli import build_parser
from sigbench.results.schema import FIELDS, RUN_METADATA, SCHEMA
from sigbench.results.store import write_text_atomic
from sigbench.run.runner import PROFILES
from sigbench.suite.adapter import CAPABILITIES, Adapter
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE, IMPLEMENTATIONS, get_adapter
from sigbench.suite.metrics import METRICS
from sigbench.suite.points import KINDS, REFS
from sigbench.worker.matrix import core_mode
from sigbench.worker.scenarios import SCENARIOS
from sigbench.worker.scenarios.base import Scenario
from sigbench.worker.twins import TWINS

#: Where the pages go, below a checkout.
REFERENCE = Path("docs", "reference")
#: The command that writes them, named in every page's first line.
COMMAND = "python -m sigbench.docs_pages --write"
#: How a capability is shown in the implementations table.
CAPABILITY_HEADINGS = {
    "sender": "sender filter",
    "create": "create",
    "async": "awaited send",
    "sync": "plain send",
    "threads": "threads",
    "disconnect": "disconnect",
}


def _header(source: str) -> str:
    return f"<!-- Generated from {source} by `{COMMAND}`: do not edit by hand. -->\n"


def _note(source: str) -> str:
    return f"> Generated from {source} by `{COMMAND}`; `tox -e docs` fails when it is stale.\n"


def _text(value: object) -> str:
    """Plain text as Markdown that shows it as it is (in a table cell, too)."""
    escaped = html.escape(re.sub(r"\s+", " ", str(value)), quote=False)
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", escaped)


def _prose(value: str) -> str:
    """Text with ````code```` spans (as the docstrings write them), as Markdown."""
    parts = re.split(r"``(.+?)``", value)
    return "".join(_code(part) if index % 2 else _text(part) for index, part in enumerate(parts))


def _code(value: object) -> str:
    """A code span (in a table cell, ``|`` escaped)."""
    return "`" + str(value).replace("|", "\\|") + "`"


def _table(headings: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# -- the command line ---------------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> Dict[str, argparse.ArgumentParser]:
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _short_help(parser: argparse.ArgumentParser) -> Dict[str, str]:
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: str(choice.help) for choice in action._choices_actions}


def _argument(action: argparse.Action, spelling: int = -1) -> str:
    """An argument as it is typed: ``--impl NAMES``, ``{text,md}``, ``RESULTS ...`` (an option by
    its ``spelling``: the last, long one, or the first, as a usage line shows it)."""
    if action.metavar is not None:
        value = str(action.metavar)
    elif action.choices is not None and spelling == 0:  # a usage line lists them, as argparse's
        value = "{" + ",".join(map(str, action.choices)) + "}"
    else:
        value = action.dest.upper()
    if not action.option_strings:
        return {"*": f"[{value} ...]", "+": f"{value} [{value} ...]", "?": f"[{value}]"}.get(
            str(action.nargs), value
        )
    option = action.option_strings[spelling]
    return option if action.nargs == 0 else f"{option} {value}"


def _help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """An action's help with argparse's ``%(...)s`` expanded, as ``--help`` shows it."""
    values = {**vars(action), "prog": parser.prog}
    values = {key: getattr(value, "__name__", value) for key, value in values.items()}
    if values.get("choices") is not None:
        values["choices"] = ", ".join(map(str, action.choices or ()))
    return str(action.help or "") % values


def _synopsis(parser: argparse.ArgumentParser) -> str:
    """``sigbench COMMAND [options] POSITIONAL``, wrapped to fit the page (argparse's own usage
    wraps at the terminal's width, which differs by machine)."""
    words = [f"[{_argument(a, 0)}]" for a in parser._actions if a.option_strings]
    words += [_argument(a) for a in parser._actions if not a.option_strings]
    # No break inside an argument: textwrap splits at ASCII white space only.
    line = " ".join([parser.prog, *(word.replace(" ", "\N{NO-BREAK SPACE}") for word in words)])
    wrapped = textwrap.fill(line, 76, subsequent_indent="    ", break_on_hyphens=False)
    return wrapped.replace("\N{NO-BREAK SPACE}", " ")


def cli_page() -> str:
    """The command line: every sub-command, its synopsis, description and arguments."""
    parser = build_parser()
    commands = _subcommands(parser)
    summaries = _short_help(parser)
    parts = [
        _header("the argparse parsers of sigbench.cli"),
        "# Command line\n",
        _note("the argparse parsers of `sigbench.cli`"),
        f"{_text(parser.description)} `python -m sigbench` is the same command.\n",
        _table(
            ["command", "what it does"],
            ([f"[`sigbench {name}`](#sigbench-{name})", _text(summaries[name])] for name in commands),
        ),
    ]
    for name, command in commands.items():
        parts.append(f"## sigbench {name}\n")
        parts.append(f"```text\n{_synopsis(command)}\n```\n")
        parts.append(f"{_text(command.description or summaries[name])}\n")
        actions = [action for action in command._actions if not isinstance(action, argparse._HelpAction)]
        if actions:
            table = _table(
                ["argument", "meaning"],
                (
                    [", ".join(map(_code, _spellings(action))), _meaning(command, action)]
                    for action in actions
                ),
            )
            # A class for docs/stylesheets/extra.css: an option and its value on one line.
            parts.append(f'<div class="sigbench-arguments" markdown>\n\n{table}\n</div>\n')
    return "\n".join(parts)


def _meaning(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """An argument's help, and the values it takes when it names them by a placeholder."""
    text = _text(_help(parser, action))
    if action.choices is not None and action.metavar is None:
        text += " (one of: " + ", ".join(_code(choice) for choice in action.choices) + ")"
    return text


def _spellings(action: argparse.Action) -> List[str]:
    """Each way to give an argument: ``-o FILE``, ``--output FILE``; a positional's one."""
    if not action.option_strings:
        return [_argument(action)]
    value = _argument(action).partition(" ")[2]
    return [f"{option} {value}".strip() for option in action.option_strings]


# -- the scenario matrix and the profiles ----------------------------------------------------------


def _modes(scenario: Scenario) -> str:
    if not scenario.has_receivers:
        return "–"
    if scenario.modes is None:
        return "all four"
    return ", ".join(f"{ref} {kind}" for ref, kind in scenario.modes)


def _unit(scenario: Scenario) -> str:
    if scenario.timed:
        return f"time per {scenario.unit}"
    return f"{METRICS[scenario.metric].word} per {scenario.unit}"


def _scenario_notes(scenario: Scenario) -> str:
    notes = []
    if scenario.needs:
        notes.append("needs " + ", ".join(scenario.needs))
    if scenario.impls is not None:
        notes.append("only " + ", ".join(_code(impl) for impl in scenario.impls))
    if scenario.free_threaded:
        notes.append("free-threaded Python only")
    if scenario.baseline:
        notes.append(f"compared with baseline's {_code(scenario.baseline)}")
    return "; ".join(notes)


def scenarios_page() -> str:
    """The scenarios (from the registry), the core matrix's mode of each, and the profiles."""
    rows = []
    for scenario in SCENARIOS.values():
        counts = ", ".join(map(str, scenario.receivers)) if scenario.has_receivers else "–"
        core = " ".join(core_mode(scenario.name)) if scenario.has_receivers else "–"
        rows.append(
            [
                _code(scenario.name),
                _text(scenario.description),
                _text(_unit(scenario)),
                counts,
                _text(_modes(scenario)),
                _text(core),
                _scenario_notes(scenario),
            ]
        )
    profiles = [
        [
            _code(profile.name),
            f"{profile.processes} to {profile.most_processes}" if profile.target else str(profile.processes),
            f"±{profile.target:.0%}" if profile.target else "–",
            str(profile.timing.warmups),
            str(profile.timing.values),
            f"{profile.timing.min_time * 1000:g} ms",
            f"{profile.point_seconds:g} s" if profile.target and profile.point_seconds else "–",
        ]
        for profile in PROFILES.values()
    ]
    return "\n".join(
        [
            _header("the scenario registry (sigbench.worker.scenarios) and the runner's profiles"),
            "# Scenarios and profiles\n",
            _note("the scenario registry (`sigbench.worker.scenarios`) and `sigbench.run.runner.PROFILES`"),
            "## Scenarios\n",
            "One module of `harness/sigbench/worker/scenarios/` each, in the order the report shows "
            f"them. Reference modes: {', '.join(map(_code, REFS))}; receiver kinds: "
            f"{', '.join(map(_code, KINDS))}. *Modes* are those a scenario is measured in "
            "(`--full`); *core* is the mode of its core points (`sigbench run` without `--full`), "
            "or the next the implementation supports. `sigbench list` prints the same.\n",
            _table(
                ["scenario", "what one operation is", "value", "receivers", "modes", "core", "notes"], rows
            ),
            "## Profiles\n",
            "`--profile NAME` of `sigbench run`; with a precision target, a point gets more processes, "
            "one a round, until the 95% CI of its median is within the target or it has the most "
            "(from half the most on, only while the rest would reach the target), and none once its "
            "processes took the seconds the profile gives a point (the fewest processes are always run).\n",
            _table(
                [
                    "profile",
                    "processes per point",
                    "precision target",
                    "warm-ups",
                    "values per process",
                    "minimum time per value",
                    "no more processes after",
                ],
                profiles,
            ),
        ]
    )


# -- the implementations ------------------------------------------------------------------------


def _reason(adapter: Adapter, capability: str) -> str:
    """Why ``adapter`` declares it lacks ``capability`` (its own reason, else the default)."""
    return adapter.reasons.get(capability, CAPABILITIES[capability])


def implementations_page() -> str:
    """Every built-in implementation: its library, API, declared modes and capabilities, and why
    it lacks what it lacks (the adapters' declarations, whatever is installed)."""
    rows = []
    sections = []
    for name in IMPLEMENTATIONS:
        adapter = get_adapter(name)
        own = type(adapter).fresh_process
        alone = "" if own is Adapter.fresh_process else " ".join((own.__doc__ or "").split())
        alone = alone.replace("``", "`")
        held = [f"{ref} {kind}" for ref in REFS for kind in KINDS if (ref, kind) in adapter.combos]
        lacks = [CAPABILITY_HEADINGS[c] for c in CAPABILITIES if not adapter.has(c)]
        rows.append(
            [
                f"[{_code(name)}](#{name})",  # the heading's anchor: the name, lower case
                _text(adapter.distribution or "Python"),
                _text("all four" if len(held) == len(REFS) * len(KINDS) else ", ".join(held)),
                _text(", ".join(lacks) or "–"),
                _text(adapter.lasting_state + (", a worker of its own for some points" if alone else "")),
            ]
        )
        missing = [
            f"- {_text(f'{ref} {kind}')}: {_text(adapter.unsupported_mode(ref, kind))}"
            for ref in REFS
            for kind in KINDS
            if (ref, kind) not in adapter.combos
        ]
        missing += [
            f"- {_text(CAPABILITY_HEADINGS[capability])}: {_text(_reason(adapter, capability))}"
            for capability in CAPABILITIES
            if not adapter.has(capability)
        ]
        twins = [twin for twin in TWINS if twin.impl == name]
        section = [f"## {_text(name)}\n", f"{_text(adapter.description)}.\n"]
        if adapter.install_hint:
            section.append(f"Install: {_code(adapter.install_hint)}.\n")
        for twin in twins:
            shared = (
                ", ".join(map(_code, twin.scenarios)) if twin.scenarios else "every timed scenario of both"
            )
            section.append(f"Twin of {_code(twin.of)} in {shared}: {_text(twin.why)}.\n")
            reasons: Dict[str, List[str]] = {}
            for scenario, why in twin.unlike.items():
                reasons.setdefault(why, []).append(_code(scenario))
            unlike = [f"- Not compared in {', '.join(n)}: {_text(why)}.\n" for why, n in reasons.items()]
            if unlike:
                section.append("".join(unlike))
        if alone:
            section.append(f"Some points get a worker of their own (`fresh_process`): {alone}\n")
        section.append("\n".join(missing) + "\n" if missing else "Supports every mode and capability.\n")
        sections.append("\n".join(section))
    return "\n".join(
        [
            _header("the adapters (sigbench.suite.adapters)"),
            "# Implementations\n",
            _note("the adapters' declarations (`sigbench.suite.adapters`)"),
            "What each adapter declares, whatever is installed: the reference modes and receiver "
            "kinds it can hold (*all four*: strong and weak, functions and bound methods), the "
            f"capabilities scenarios need that it lacks (of: {', '.join(CAPABILITY_HEADINGS.values())}; "
            "`Scenario.needs`), and what of its library outlives a point (*lasting state*: "
            "`restored` is put back after every point). "
            "A point that needs what an implementation lacks is recorded as not applicable, with "
            "the reason listed under its name; `sigbench list` shows what is installed.\n",
            _table(
                ["implementation", "distribution", "modes", "lacks", "lasting state"],
                rows,
            ),
            *sections,
        ]
    )


# -- the results file ---------------------------------------------------------------------------


def results_page() -> str:
    """Every field of a results file and of a run's pyperf metadata (``sigbench.results.schema``)."""
    return "\n".join(
        [
            _header("sigbench.results.schema"),
            "# Results file\n",
            _note("`sigbench.results.schema` (`FIELDS`, `RUN_METADATA`)"),
            "A results file is a pyperf JSON suite (`python -m pyperf stats FILE` works on it) with one "
            f"more top-level key, `sigbench`, which pyperf ignores; this is schema {SCHEMA}. Time values "
            "live in pyperf's part, in seconds per operation; values that are read, not timed (bytes, "
            "objects still alive), in their point's entry of the `sigbench` section, in runs of the "
            "same shape. Every reader checks every field below (`sigbench.results.schema`): a file "
            "that does not match is refused with the file and the field named, exit 2.\n",
            "In a path, `.` separates keys, `[]` stands for a list's items and `<name>` for any key "
            "of a mapping.\n",
            "## Fields\n",
            _table(
                ["field", "holds", "meaning"],
                ([_code(f.path), _prose(f.kind), _prose(f.meaning)] for f in FIELDS),
            ),
            "## Run metadata\n",
            "The keys of a pyperf run's metadata (pyperf moves those every run shares up to the "
            "benchmark or the suite). A point's parameters are among them, so "
            "`python -m pyperf show --metadata FILE` shows what each benchmark is.\n",
            _table(["key", "meaning"], ([_code(key), _prose(text)] for key, text in RUN_METADATA.items())),
        ]
    )


# -- the tox environments -----------------------------------------------------------------------


def tox_page(tox_ini: Path) -> str:
    """The environments of ``tox.ini``: description and commands."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(tox_ini, encoding="utf-8")
    parts = [
        _header("tox.ini"),
        "# tox environments\n",
        _note("`tox.ini`"),
        "`tox -e NAME` makes the environment (the package and the extras it names) and runs its "
        "commands; arguments after `--` go where a command says `{posargs}`. "
        f"`tox` alone runs {', '.join(_code(e.strip()) for e in config['tox']['env_list'].split(','))}.\n",
    ]
    for section in config.sections():
        if not section.startswith("testenv:"):
            continue
        name = section.partition(":")[2]
        commands = [line for line in config[section].get("commands", "").strip().splitlines() if line.strip()]
        extras = " ".join(config[section].get("extras", config["testenv"].get("extras", "")).split())
        parts.append(f"## {name}\n")
        parts.append(f"{_text(config[section].get('description', ''))}\n")
        parts.append(f"Extras: {_code(extras) if extras else 'none'}.\n")
        parts.append("Runs:\n\n```sh\n" + "\n".join(commands) + "\n```\n")
    return "\n".join(parts)


# -- writing and checking -----------------------------------------------------------------------


def pages(root: Path) -> Dict[Path, str]:
    """Every generated page by its path below ``root``, as the code gives it now."""
    makers: Dict[str, Callable[[], str]] = {
        "cli.md": cli_page,
        "scenarios.md": scenarios_page,
        "implementations.md": implementations_page,
        "results-file.md": results_page,
        "tox.md": lambda: tox_page(root / "tox.ini"),
    }
    with _built_in_adapters_only():
        return {REFERENCE / name: make() for name, make in makers.items()}


@contextlib.contextmanager
def _built_in_adapters_only() -> Iterator[None]:
    """Extra adapters (``SIGBENCH_EXTRA_ADAPTERS``, for tests) are not sigbench's: leave them out."""
    extra = os.environ.pop(EXTRA_ADAPTERS_VARIABLE, None)
    try:
        yield
    finally:
        if extra is not None:
            os.environ[EXTRA_ADAPTERS_VARIABLE] = extra


def stale(root: Path) -> List[Path]:
    """The generated pages below ``root`` that are missing or differ from what the code gives."""
    found = []
    for path, text in pages(root).items():
        try:
            current: Optional[str] = (root / path).read_text(encoding="utf-8")
        except FileNotFoundError:
            current = None
        if current != text:
            found.append(path)
    return found


def write(root: Path) -> List[Path]:
    """Write every generated page that changed; the pages written."""
    written = stale(root)
    for path, text in pages(root).items():
        if path in written:
            write_text_atomic(root / path, text)
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sigbench.docs_pages", description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="exit 1 when a generated page is stale")
    action.add_argument("--write", action="store_true", help="write the generated pages")
    parser.add_argument("--root", type=Path, default=Path("."), help="the checkout (default: .)")
    args = parser.parse_args(argv)
    if not (args.root / "mkdocs.yml").is_file() or not (args.root / "tox.ini").is_file():
        parser.exit(
            2, f"{parser.prog}: error: {args.root}: not a sigbench checkout (no mkdocs.yml, tox.ini)\n"
        )
    if args.write:
        for path in write(args.root):
            print(f"wrote {path}")
        return 0
    outdated = stale(args.root)
    for path in outdated:
        print(f"{path} is stale: run `{COMMAND}`", file=sys.stderr)
    return 1 if outdated else 0


if __name__ == "__main__":
    sys.exit(main())
