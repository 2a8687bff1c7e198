"""What a sigbench results file must contain: every field's type and range, and consistency
between the pyperf part and the ``sigbench`` section.

Results files come from elsewhere (CI artefacts, shards, pull requests), so nothing in one is
trusted: ``check_document`` raises ``SchemaError`` naming the first offending field.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, List, NamedTuple, NoReturn, Optional, Tuple

from sigbench.suite.points import KINDS, REFS, Point
from sigbench.suite.records import MACHINE_SLOW, OK, STATUSES
from sigbench.worker.scenarios import SCENARIOS

SCHEMA = 1
#: Implementation names: what an adapter name can be.
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


class SchemaError(ValueError):
    """The document is not a valid sigbench results file; the message says where and why."""


def _fail(where: str, what: str) -> NoReturn:
    raise SchemaError(f"{where}: {what}")


def _type(value: Any, kind: Any, where: str) -> Any:
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        _fail(where, f"expected {names}, got {type(value).__name__}")
    return value


def _number(value: Any, where: str, minimum: float = 0.0, integer: bool = False) -> float:
    _type(value, int if integer else (int, float), where)
    if not math.isfinite(value) or value < minimum:
        _fail(where, f"expected a finite number >= {minimum:g}, got {value!r}")
    return value


def _text(value: Any, where: str) -> str:
    """A string fit to be pyperf metadata: not blank, on one line."""
    _type(value, str, where)
    if not value.strip() or "\n" in value or "\r" in value:
        _fail(where, f"expected a non-blank single line, got {value!r}")
    return value


def _strings(mapping: Any, where: str, nullable: bool = False) -> None:
    for key, value in _type(mapping, dict, where).items():
        if value is None and nullable:
            continue
        if isinstance(value, str):
            _text(value, f"{where}.{key}")
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            _fail(f"{where}.{key}", f"expected a string or finite number, got {value!r}")


#: The kinds of function counts a profile holds (``sigbench.results.store.RunRecord.profiles``).
PROFILE_KINDS = ("python", "native")


def _check_profiles(profiles: Any) -> None:
    """Per point, per kind, per function: ``[calls, own work or null]`` per operation."""
    for point, profile in _type(profiles, dict, "sigbench.profiles").items():
        where = f"sigbench.profiles.{point}"
        for kind, functions in _type(profile, dict, where).items():
            if kind == "loops":
                _number(functions, f"{where}.loops", 1, integer=True)
                continue
            if kind not in PROFILE_KINDS:
                _fail(
                    f"{where}.{kind}", f"unknown kind of profile (expected one of {', '.join(PROFILE_KINDS)})"
                )
            for function, counts in _type(functions, dict, f"{where}.{kind}").items():
                at = f"{where}.{kind}.{function}"
                if not isinstance(counts, list) or len(counts) != 2:
                    _fail(at, f"expected [calls, work], got {counts!r}")
                _number(counts[0], at, -math.inf)
                if counts[1] is not None:
                    _number(counts[1], at, -math.inf)


def check_document(document: Any) -> None:
    """Raise SchemaError unless ``document`` is a well-formed sigbench results file."""
    section = document.get("sigbench") if isinstance(document, dict) else None
    if not isinstance(section, dict):
        raise SchemaError("not a sigbench results file (no 'sigbench' section)")
    if section.get("schema") != SCHEMA:
        raise SchemaError(f"results schema {section.get('schema')!r} is not supported (expected {SCHEMA})")
    for key in ("profile", "commit", "started"):
        _text(section.get(key), f"sigbench.{key}")
    _type(section.get("finished"), (str, type(None)), "sigbench.finished")
    for index, stamp in enumerate(_type(section.get("resumed", []), list, "sigbench.resumed")):
        _type(stamp, str, f"sigbench.resumed[{index}]")
    for phase, seconds in _type(section.get("budget", {}), dict, "sigbench.budget").items():
        _number(seconds, f"sigbench.budget.{phase}")
    _check_profiles(section.get("profiles", {}))
    settings = _type(section.get("settings"), dict, "sigbench.settings")
    _number(settings.get("processes"), "sigbench.settings.processes", 1, integer=True)
    _number(settings.get("warmups"), "sigbench.settings.warmups", 0, integer=True)
    _number(settings.get("values"), "sigbench.settings.values", 1, integer=True)
    _number(settings.get("min_time"), "sigbench.settings.min_time")
    _number(settings.get("point_timeout"), "sigbench.settings.point_timeout")
    _number(settings.get("seed"), "sigbench.settings.seed", integer=True)
    if "max_processes" in settings:
        fewest = settings["processes"]
        _number(settings["max_processes"], "sigbench.settings.max_processes", fewest, integer=True)
    if settings.get("target") is not None:
        _number(settings["target"], "sigbench.settings.target")
    if "point_seconds" in settings:
        _number(settings["point_seconds"], "sigbench.settings.point_seconds")
    if "outlying_mads" in settings:  # sigbench.analysis.stats.typical_runs
        _number(settings["outlying_mads"], "sigbench.settings.outlying_mads")
    if "slow_threshold" in settings:  # sigbench.analysis.speed
        _number(settings["slow_threshold"], "sigbench.settings.slow_threshold", -math.inf)
    if settings.get("reading_spread") is not None:
        _number(settings["reading_spread"], "sigbench.settings.reading_spread")
    if "machine_quiet" in settings:  # sigbench.run.quiet_memory
        machine = _type(settings["machine_quiet"], dict, "sigbench.settings.machine_quiet")
        _number(machine.get("reading"), "sigbench.settings.machine_quiet.reading")
        _text(machine.get("date"), "sigbench.settings.machine_quiet.date")
    if "machine_level" in settings:  # sigbench.run.quiet_memory.settle
        level = _type(settings["machine_level"], dict, "sigbench.settings.machine_level")
        _number(level.get("factor"), "sigbench.settings.machine_level.factor", 1.0)
        _number(level.get("points"), "sigbench.settings.machine_level.points", 1, integer=True)
        _text(level.get("since"), "sigbench.settings.machine_level.since")
    if settings.get("metric", "time") not in ("time", "instructions"):
        _fail("sigbench.settings.metric", "must be 'time' or 'instructions'")
    _check_run_layout(settings)
    _strings(section.get("environment"), "sigbench.environment")
    _strings(section.get("libraries"), "sigbench.libraries", nullable=True)
    _check_newest(section.get("newest", {}), section["libraries"])
    implementations = _type(section.get("implementations"), dict, "sigbench.implementations")
    for name, info in implementations.items():
        if not NAME.match(name):
            _fail("sigbench.implementations", f"invalid implementation name {name!r}")
        where = f"sigbench.implementations.{name}"
        if _type(_type(info, dict, where).get("available"), bool, f"{where}.available"):
            _text(info.get("version"), f"{where}.version")
        for library, found in _type(info.get("libraries", {}), dict, f"{where}.libraries").items():
            at = f"{where}.libraries.{library}"
            _type(found, dict, at)
            _text(found.get("file"), f"{at}.file")
            if found.get("version") is not None:
                _text(found["version"], f"{at}.version")
    points = _check_points(section.get("points"), implementations)
    shared = document.get("metadata")  # pyperf keeps metadata common to all benchmarks here
    _check_benchmarks(
        document.get("benchmarks"), points, shared.get("name") if isinstance(shared, dict) else None
    )


def _check_newest(newest: Any, libraries: Dict[str, Any]) -> None:
    """Each installed library's newest release for the interpreter (``sigbench.run.newest``):
    a version, or null where unknown; files written before it was recorded have none."""
    for name, version in _type(newest, dict, "sigbench.newest").items():
        if version is not None:
            _text(version, f"sigbench.newest.{name}")
        if libraries.get(name) is None:
            _fail(f"sigbench.newest.{name}", "not among the run's installed libraries")


def _check_run_layout(settings: Dict[str, Any]) -> None:
    """A run's environment (``--env``) and shard (``--shard``) settings, when it has them."""
    if "env" in settings:
        _text(settings["env"], "sigbench.settings.env")
        for number, label in enumerate(
            _type(settings.get("environments"), list, "sigbench.settings.environments")
        ):
            _text(label, f"sigbench.settings.environments[{number}]")
        _strings(settings.get("skipped_environments", {}), "sigbench.settings.skipped_environments")
    if "shard" in settings:
        where = "sigbench.settings.shard"
        shard = _type(settings["shard"], dict, where)
        count = _number(shard.get("count"), f"{where}.count", 1, integer=True)
        index = _number(shard.get("index"), f"{where}.index", 1, integer=True)
        if index > count:
            _fail(f"{where}.index", f"{index} is past the shard count {count}")
        for number, item in enumerate(_type(shard.get("points"), list, f"{where}.points")):
            _check_parameters(item, f"{where}.points[{number}]")


def _check_parameters(item: Any, where: str) -> None:
    """A point's parameters: a known scenario, a receiver count, known modes or none."""
    _type(item, dict, where)
    _type(item.get("impl"), str, f"{where}.impl")
    if not isinstance(item.get("scenario"), str) or item["scenario"] not in SCENARIOS:
        _fail(f"{where}.scenario", f"unknown scenario {item.get('scenario')!r}")
    _number(item.get("receivers"), f"{where}.receivers", 0, integer=True)
    for key, valid in (("ref", REFS), ("kind", KINDS)):
        if item.get(key) is not None and item.get(key) not in valid:
            _fail(f"{where}.{key}", f"expected one of {', '.join(valid)} or null, got {item.get(key)!r}")


def _check_points(items: Any, implementations: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    points: Dict[str, Dict[str, Any]] = {}
    for index, item in enumerate(_type(items, list, "sigbench.points")):
        where = f"sigbench.points[{index}]"
        _check_parameters(item, where)
        impl = item["impl"]
        if impl not in implementations:
            _fail(f"{where}.impl", f"{impl!r} is not among the run's implementations")
        name = Point.from_dict(item).name
        if item.get("name") != name or name in points:
            _fail(f"{where}.name", f"{item.get('name')!r} does not name this point once (expected {name!r})")
        if item.get("status") not in STATUSES:
            _fail(f"{where}.status", f"unknown status {item.get('status')!r}")
        if item["status"] == OK and not implementations[impl]["available"]:
            _fail(f"{where}.status", f"measured, but {impl!r} is recorded as not installed")
        _type(item.get("reason"), str, f"{where}.reason")
        _number(item.get("processes"), f"{where}.processes", 0, integer=True)
        _check_memory_runs(item, where)
        _check_sensing(item, where)
        points[name] = item
    return points


def _check_memory_runs(item: Dict[str, Any], where: str) -> None:
    """A point read in the worker's runs (bytes or objects, in its entry, not the pyperf part): one
    per process, each with its values (finite, 0 and below allowed), warm-ups, loops, date and
    duration."""
    memory = not SCENARIOS[item["scenario"]].timed
    if "runs" not in item:
        if memory and item["status"] == OK and item["processes"]:
            _fail(f"{where}.runs", "a measured memory point has no runs")
        return
    runs = _type(item["runs"], list, f"{where}.runs")
    if not memory or item["status"] != "ok":
        _fail(f"{where}.runs", "only measured memory points keep runs here (time values are pyperf's)")
    if len(runs) != item["processes"]:
        _fail(f"{where}.runs", f"{len(runs)} runs, but the point says {item['processes']}")
    for index, run in enumerate(runs):
        at = f"{where}.runs[{index}]"
        _type(run, dict, at)
        for key in ("values", "warmups"):
            _type(run.get(key), list, f"{at}.{key}")
        if not run["values"]:
            _fail(f"{at}.values", "no values")
        for number, value in enumerate(run["values"]):
            _number(value, f"{at}.values[{number}]", -math.inf)
        _check_run_fields(run, at)


def _check_run_fields(run: Dict[str, Any], at: str) -> None:
    """A run's warm-ups, loops, date, duration and (a merged shard's) machine."""
    for number, warmup in enumerate(_type(run.get("warmups"), list, f"{at}.warmups")):
        if not isinstance(warmup, list) or len(warmup) != 2:
            _fail(f"{at}.warmups[{number}]", f"expected [loops, value], got {warmup!r}")
        _number(warmup[0], f"{at}.warmups[{number}][0]", 1, integer=True)
        _number(warmup[1], f"{at}.warmups[{number}][1]", -math.inf)
    _number(run.get("loops"), f"{at}.loops", 1, integer=True)
    _number(run.get("inner_loops"), f"{at}.inner_loops", 1, integer=True)
    _text(run.get("date"), f"{at}.date")
    _number(run.get("duration"), f"{at}.duration")
    if "machine" in run:
        _strings(run["machine"], f"{at}.machine")


def _check_sensing(item: Dict[str, Any], where: str) -> None:
    """A timed point's readings of the machine's speed (``sigbench.results.store``): one item per
    process, ``speed`` the readings (two or more, positive) of each value, ``slow`` [value,
    reading, reading, ...] per value left out."""
    if "sensing" not in item:
        return
    runs = _type(item["sensing"], list, f"{where}.sensing")
    if SCENARIOS[item["scenario"]].metric != "time" or item["status"] not in (OK, MACHINE_SLOW):
        _fail(f"{where}.sensing", "only measured timed points keep readings of the machine's speed")
    if item["status"] == MACHINE_SLOW and not all(isinstance(run, dict) and "run" in run for run in runs):
        _fail(f"{where}.sensing", "a point left out as measured while slow has a process with values")
    if len(runs) != item["processes"]:
        _fail(f"{where}.sensing", f"{len(runs)} runs, but the point says {item['processes']}")
    for index, run in enumerate(runs):
        at = f"{where}.sensing[{index}]"
        _type(run, dict, at)
        if "run" in run:
            _check_unpaired(run, at)
        for key, size in (("speed", 2), ("slow", 3)):
            for number, entry in enumerate(_type(run.get(key), list, f"{at}.{key}")):
                if not isinstance(entry, list) or len(entry) < size:
                    _fail(f"{at}.{key}[{number}]", f"expected {size} numbers or more, got {entry!r}")
                for value in entry:
                    _number(value, f"{at}.{key}[{number}]", 1e-300)


def _paired_processes(item: Dict[str, Any]) -> int:
    """How many of a point's processes have a pyperf run: all but those whose every value was
    left out as slow (their sensing item keeps the ``run``)."""
    return int(item["processes"]) - sum("run" in run for run in item.get("sensing", []))


def _check_unpaired(run: Dict[str, Any], at: str) -> None:
    """A process whose every value was left out as slow: no quiet values, and its run's fields."""
    if run.get("speed") or not run.get("slow"):
        _fail(f"{at}.run", "only a process whose every value was left out as slow keeps its run here")
    kept = _type(run["run"], dict, f"{at}.run")
    _check_run_fields(kept, f"{at}.run")


def _check_benchmarks(benchmarks: Any, points: Dict[str, Dict[str, Any]], shared_name: Any) -> None:
    seen: List[str] = []
    for index, bench in enumerate(_type(benchmarks, list, "benchmarks")):
        where = f"benchmarks[{index}]"
        name = _type(_type(bench, dict, where).get("metadata", {}), dict, f"{where}.metadata").get("name")
        runs = _type(bench.get("runs"), list, f"{where}.runs")
        if name is None:
            name = shared_name
        point: Optional[Dict[str, Any]] = points.get(name) if isinstance(name, str) else None
        if point is None or point["status"] != OK or name in seen:
            _fail(f"{where}.metadata.name", f"{name!r} is not a measured point of this run, or repeats")
        if not SCENARIOS[point["scenario"]].timed:
            _fail(f"{where}.metadata.name", f"{name!r} is a memory point: its runs belong in its entry")
        sensed: Optional[List[Dict[str, Any]]] = point.get("sensing")
        if sensed is not None:
            sensed = [item for item in sensed if "run" not in item]  # those pyperf has no run for
        if _paired_processes(point) != len(runs):
            _fail(f"{where}.runs", f"{len(runs)} runs, but the point says {_paired_processes(point)}")
        seen.append(name)
        for run_index, run in enumerate(runs):
            # pyperf leaves out the values of a run that has none: a process whose every value
            # was taken in a slow phase (``sigbench.worker.speed``) keeps only its warm-ups.
            values = _type(
                _type(run, dict, f"{where}.runs[{run_index}]").get("values", []),
                list,
                f"{where}.runs[{run_index}].values",
            )
            if not values and not run.get("warmups"):
                _fail(f"{where}.runs[{run_index}]", "neither values nor warm-ups")
            for value_index, value in enumerate(values):
                _number(value, f"{where}.runs[{run_index}].values[{value_index}]", 1e-300)
            if sensed is not None and len(sensed[run_index]["speed"]) != len(values):
                _fail(
                    f"{where}.runs[{run_index}].values",
                    f"{len(values)} values, but readings of the machine's speed for "
                    f"{len(sensed[run_index]['speed'])}",
                )
    missing = [
        name
        for name, item in points.items()
        if item["status"] == OK and _paired_processes(item) and "runs" not in item and name not in seen
    ]
    if missing:
        _fail("benchmarks", f"no values for measured point {missing[0]!r}")


# -- what each field means: the results-file reference (``sigbench.docs_pages``) -------------------


class Field(NamedTuple):
    """One field of a results file: its path (``.`` between keys, ``[]`` for a list's items,
    ``<name>`` for a key of a mapping), what it holds, and what it means."""

    path: str
    kind: str
    meaning: str


def _under(parent: str, *fields: Tuple[str, str, str]) -> Tuple[Field, ...]:
    """Fields below ``parent``, each (its path below it, "" for the parent itself; kind; meaning)."""
    return tuple(Field(_joined(parent, path), kind, meaning) for path, kind, meaning in fields)


def _joined(parent: str, path: str) -> str:
    if not (parent and path):
        return parent or path
    return f"{parent}{path}" if path.startswith("[") else f"{parent}.{path}"


_ANY = "string or number"
_RUN = "list of [loops, value]"

#: Every field a results file may hold, in document order; a test walks real files and the typed
#: records (``sigbench.suite.records``) to keep this complete.
FIELDS: Tuple[Field, ...] = (
    *_under(
        "",
        ("version", "string", "pyperf's format version of the suite"),
        ("metadata", "object", "pyperf: metadata every benchmark shares (keys: Run metadata, below)"),
        ("metadata.<key>", _ANY, "a run metadata key that every run of the file has alike"),
        ("benchmarks", "list", "pyperf: one benchmark per measured timed point"),
    ),
    *_under(
        "benchmarks[]",
        ("", "object", "one timed point (``ok``, not a memory point): named as the point"),
        ("metadata", "object", "metadata every run of the benchmark shares"),
        ("metadata.<key>", _ANY, "a run metadata key, shared by its runs"),
        ("runs", "list", "one run per worker process that kept a value"),
        ("runs[]", "object", "one worker process's values of the point"),
        ("runs[].values", "list of numbers > 0", "seconds per operation, one per value"),
        ("runs[].warmups", _RUN, "warm-up values, not in any figure"),
        ("runs[].metadata", "object", "the run's own metadata"),
        ("runs[].metadata.<key>", _ANY, "see Run metadata, below"),
    ),
    *_under(
        "sigbench",
        ("", "object", "sigbench's section, which pyperf ignores"),
        ("schema", f"integer, {SCHEMA}", "the version of this layout; another is refused"),
        ("profile", "string", "the profile measured with (``quick``, ``standard``, ...)"),
        ("commit", "string", "sigbench's commit (``v<version>`` when installed from a package)"),
        ("started", "string", "when the run started (UTC, ISO 8601)"),
        ("finished", "string or null", "when it finished; null while running or interrupted"),
        ("resumed", "list of strings", "when an interrupted run was continued (``--resume``)"),
        ("budget", "object", "seconds of the run's wall time by phase"),
        ("budget.<phase>", "number >= 0", "``wall``, or a phase of ``sigbench.results.budget.PHASES``"),
        ("environment", "object", "the interpreter and machine (keys: Run metadata, below)"),
        ("environment.<key>", _ANY, "``python_version``, ``cpu_model_name``, ..."),
        ("libraries", "object", "every library under test by distribution"),
        ("libraries.<distribution>", "string or null", "its version in the environment; null: absent"),
        ("newest", "object", "optional: each installed library's newest release for this interpreter"),
        (
            "newest.<distribution>",
            "string or null",
            "the newest release pip can install here (PyPI's JSON API); null: unknown (offline)",
        ),
    ),
    *_under(
        "sigbench.settings",
        ("", "object", "how the run measured"),
        ("warmups", "integer >= 0", "warm-up values per process"),
        ("values", "integer >= 1", "values per process"),
        ("min_time", "number >= 0", "seconds a value lasts at least (loops calibrated to it)"),
        ("processes", "integer >= 1", "worker processes per point (the fewest, with a target)"),
        ("max_processes", "integer >= processes", "the most processes a point may get"),
        ("target", "number >= 0 or null", "precision target: the 95% CI's half-width, a fraction"),
        (
            "point_seconds",
            "number >= 0",
            "seconds of a point's processes after which it gets no more",
        ),
        ("point_timeout", "number >= 0", "seconds a point may take before its worker is killed"),
        ("seed", "integer", "seed of the order of points and implementations"),
        ("outlying_mads", "number >= 0", "robust deviations beyond which a process is left out"),
        ("metric", "``time`` or ``instructions``", "what a value counts (absent: time)"),
        ("valgrind", "string", "instructions mode: valgrind's version"),
        ("slow_threshold", "number", "the log slowdown beyond which a reading was slow"),
        ("reading_spread", "number >= 0 or null", "a reading's standard deviation (log) at quiet speed"),
        ("machine_quiet", "object", "the fastest reading this interpreter made on this machine before"),
        ("machine_quiet.reading", "number >= 0", "its seconds per unit of the reference"),
        ("machine_quiet.date", "string", "when it was made"),
        ("machine_level", "object", "the run's level against the machine's remembered one"),
        ("machine_level.factor", "number >= 1", "how much longer its readings took: values divide by it"),
        ("machine_level.points", "integer >= 1", "the points it was read over"),
        ("machine_level.since", "string", "when the run that set the remembered level ran"),
        ("pairing", "string", "the gate: ``alternating`` (both sides take values in turns)"),
        ("pinned", "boolean", "the gate: whether each pair of workers was pinned to one CPU"),
        ("rounds", "string", "the gate: ``auto`` when rounds were judged at looks"),
        ("looks", "list of integers", "the gate with ``--rounds auto``: rounds judged at"),
        ("alpha_per_look", "number", "the gate with ``--rounds auto``: alpha at each look"),
        ("env", "string", "a run over several environments: this file's environment"),
        ("environments", "list of strings", "every environment of the run"),
        ("skipped_environments", "object", "environments not measured"),
        ("skipped_environments.<spec>", "string", "why the environment was skipped"),
    ),
    *_under(
        "sigbench.settings.shard",
        ("", "object", "a shard of a run (``--shard K/N``)"),
        ("index", "integer >= 1", "K: this shard"),
        ("count", "integer >= 1", "N: the shard count"),
        ("selected", "integer", "points selected over all shards"),
        ("points", "list", "the whole selection, shared by every shard"),
        ("points[]", "object", "a point's parameters (as in ``sigbench.points[]``)"),
        ("points[].impl", "string", "implementation"),
        ("points[].scenario", "string", "scenario"),
        ("points[].receivers", "integer >= 0", "receiver count"),
        ("points[].ref", "string or null", "reference mode"),
        ("points[].kind", "string or null", "receiver kind"),
    ),
    *_under(
        "sigbench.settings.merged",
        ("", "object", "a merge of shards (``sigbench merge``)"),
        ("count", "integer", "the shard count"),
        ("shards", "list", "the shard files merged"),
        ("shards[]", "object", "one shard file"),
        ("shards[].index", "integer", "its shard"),
        ("shards[].file", "string", "its file name"),
        ("shards[].started", "string", "when it started (UTC, ISO 8601)"),
        ("shards[].finished", "string or null", "when it finished"),
        ("shards[].hostname", "string", "the machine it ran on"),
        ("shards[].cpu_model_name", "string", "that machine's CPU"),
        ("shards[].slow_threshold", "number or null", "its slow-reading threshold"),
        ("missing_shards", "list of integers", "shards not merged (``--allow-missing``)"),
        ("missing_points", "list of strings", "their points' names"),
    ),
    *_under(
        "sigbench.implementations",
        ("", "object", "every implementation of the run by name"),
        ("<impl>", "object", "one implementation"),
        ("<impl>.available", "boolean", "whether its library was installed"),
        ("<impl>.version", "string or null", "the version its workers imported"),
        ("<impl>.reason", "string", "why it is not available"),
        ("<impl>.install_hint", "string", "how to install it"),
        ("<impl>.libraries", "object", "the libraries its workers imported"),
        ("<impl>.libraries.<distribution>", "object", "one imported library"),
        ("<impl>.libraries.<distribution>.version", "string or null", "its version"),
        ("<impl>.libraries.<distribution>.file", "string", "the file imported"),
    ),
    *_under(
        "sigbench.points",
        ("", "list", "every planned point, measured or not"),
        ("[]", "object", "one point"),
    ),
    *_under(
        "sigbench.points[]",
        ("impl", "string", "implementation"),
        ("scenario", "string", "scenario (a known one)"),
        ("receivers", "integer >= 0", "receiver count"),
        ("ref", "``strong``, ``weak`` or null", "reference mode (null: no receivers)"),
        ("kind", "``function``, ``method`` or null", "receiver kind (null: no receivers)"),
        ("name", "string", "``impl-scenario-receivers-ref-kind`` (``impl-create``)"),
        ("status", ", ".join(f"``{status}``" for status in STATUSES), "what became of it"),
        ("reason", "string", "why it was not measured (empty when ``ok``)"),
        ("processes", "integer >= 0", "worker processes that measured it"),
        ("runs", "list", "a point read, not timed (bytes, objects): one run per process"),
        ("runs[]", "object", "one process's run, shaped as pyperf's"),
        ("runs[].values", "list of numbers", "bytes or objects per operation (0 and below too)"),
        ("runs[].warmups", _RUN, "warm-ups"),
        ("runs[].loops", "integer >= 1", "loops per value"),
        ("runs[].inner_loops", "integer >= 1", "operations per loop"),
        ("runs[].date", "string", "when the process ran"),
        ("runs[].duration", "number >= 0", "seconds the process took"),
        ("runs[].machine", "object", "a merged shard's own machine, where it differs"),
        ("runs[].machine.<key>", _ANY, "as ``sigbench.environment``"),
        ("sensing", "list", "a timed point: readings of the machine's speed, one per process"),
        ("sensing[]", "object", "one process's readings"),
        ("sensing[].speed", "list of lists of numbers > 0", "per value kept: its readings"),
        ("sensing[].slow", "list of lists of numbers > 0", "per value left out: [value, readings...]"),
        ("sensing[].run", "object", "a process whose every value was slow: its run (pyperf has none)"),
        ("sensing[].run.warmups", _RUN, "warm-ups"),
        ("sensing[].run.loops", "integer >= 1", "loops per value"),
        ("sensing[].run.inner_loops", "integer >= 1", "operations per loop"),
        ("sensing[].run.date", "string", "when the process ran"),
        ("sensing[].run.duration", "number >= 0", "seconds the process took"),
        ("sensing[].run.machine", "object", "a merged shard's own machine"),
        ("sensing[].run.machine.<key>", _ANY, "as ``sigbench.environment``"),
    ),
    *_under(
        "sigbench.profiles",
        ("", "object", "differential profiles: function counts per operation, by point"),
        ("<point>", "object", "one profiled point"),
        ("<point>.loops", "integer >= 1", "operations counted"),
        ("<point>.python", "object", "Python functions (``sys.setprofile``, opcode events)"),
        ("<point>.python.<function>", "[calls, bytecodes or null]", "per operation"),
        ("<point>.native", "object", "C functions (instructions mode's callgrind dumps)"),
        ("<point>.native.<function>", "[calls, instructions or null]", "per operation"),
    ),
)

#: What each key of a run's pyperf metadata holds (``sigbench.results.store``), and the
#: environment's keys (``sigbench.worker.inventory.machine_metadata``), which runs carry too.
RUN_METADATA: Dict[str, str] = {
    "name": "the point's name",
    "unit": "``second`` (or pyperf's unit of what a value counts)",
    "description": "the scenario's caption",
    "loops": "loops per value",
    "inner_loops": "operations per loop (values are per operation)",
    "date": "when the process ran",
    "duration": "seconds the process took",
    "impl": "implementation",
    "impl_version": "its version, as its workers imported it",
    "scenario": "scenario",
    "op_unit": "what one operation is (``send``, ``receiver``, ``signal``, ...)",
    "receivers": "receiver count",
    "ref": "reference mode (absent without receivers)",
    "kind": "receiver kind (absent without receivers)",
    "libraries": "every library under test, ``name=version, ...``",
    "sigbench_profile": "the profile",
    "sigbench_commit": "sigbench's commit",
    "sigbench_env": "a run over several environments: the environment",
    "python_version": "the interpreter's version and word size",
    "python_implementation": "``cpython``, ``pypy``, ...",
    "python_gil": "``enabled`` or ``disabled`` (a free-threaded build)",
    "python_executable": "the interpreter's path",
    "platform": "the operating system",
    "hostname": "the machine's name",
    "cpu_count": "CPUs",
    "cpu_model_name": "the CPU's model",
}
