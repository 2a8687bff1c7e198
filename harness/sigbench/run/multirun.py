"""One run over several environments (``sigbench run --env``): a results file per environment,
all in one directory, and each round's workers of every environment in one shuffled order, so
that drift on a shared machine favours no environment.

Each file is an ordinary results file of its environment (``sigbench compare`` and ``pyperf
compare_to`` work between any two); its settings name the environment (``env``), the run's
environments in the order given (``environments``) and the ones skipped with why
(``skipped_environments``).  Every value's pyperf metadata carries ``sigbench_env`` too.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from sigbench.analysis.speed import SpeedKnowledge
from sigbench.results.store import ResultsError, read_results
from sigbench.run.envs import (
    AbsentInterpreter,
    Environment,
    Spec,
    SpecError,
    current_requirements,
    expand,
    parse_spec,
    pinned,
    prepare,
)
from sigbench.run.profiling import profile_judged
from sigbench.run.requirements import newest_requirements
from sigbench.run.runner import POINT_TIMEOUT, Profile, Progress, Runner, run_tasks
from sigbench.slugs import slug
from sigbench.suite.points import Point
from sigbench.suite.records import Settings

Log = Callable[[str], None]


def resolve(texts: Sequence[str], log: Optional[Log] = None) -> Tuple[List[Spec], Dict[str, str]]:
    """Parse (and expand) ``texts`` into specs, in order and without repeats; interpreters absent
    here are skipped with a note (label: why).  SpecError for anything else that is wrong."""
    specs: List[Spec] = []
    skipped: Dict[str, str] = {}
    for text in texts:
        expanded = expand(text)
        if not expanded:
            skipped[text] = "found nothing on this machine"
        optional = text.strip().startswith("releases:")
        for item in expanded:
            try:
                spec = replace(parse_spec(item), optional=optional)
            except AbsentInterpreter as exc:
                skipped[item.strip()] = str(exc)
                if log:
                    log(f"skipping {exc}")
                continue
            if spec.kind == "results":
                raise SpecError(f"{spec.text}: a results file is not an environment to measure in")
            if spec.text not in (known.text for known in specs):
                specs.append(spec)
    if not specs:
        raise SpecError("no environment to measure in: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    return specs, skipped


def environments_for(
    specs: Sequence[Spec],
    log: Optional[Log] = None,
    skipped: Optional[Dict[str, str]] = None,
    measured: Optional[Mapping[str, Mapping[str, Optional[str]]]] = None,
) -> Dict[str, Environment]:
    """Each spec's environment by label, made now when it is not cached.  An interpreter's has
    each library's newest release for it (``newest_requirements``; where sigbench is not
    installed, the versions of this environment); continuing a run, the versions its file
    recorded (``measured``: each label's ``libraries``).  An optional spec (one release of
    ``releases:``) that cannot be made is left out, noted in ``skipped`` (label: why); SpecError
    for any other, or when none is left."""
    made: Dict[str, Environment] = {}
    for spec in specs:
        try:
            made[spec.text] = prepare(
                spec, _requirements(spec, (measured or {}).get(spec.text), log), log=log
            )
        except SpecError as exc:
            if not spec.optional or skipped is None:
                raise
            skipped[spec.text] = f"cannot be installed: {_last_line(str(exc))}"
            if log:
                log(f"skipping {spec.text}: {skipped[spec.text]}")
    if not made:
        raise SpecError(
            "no environment to measure in: " + "; ".join(f"{k}: {v}" for k, v in (skipped or {}).items())
        )
    return made


def _last_line(text: str) -> str:
    """The last line of pip's complaint that says something (its error, not its warnings)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or [text])[-1][:300]


def _requirements(
    spec: Spec, recorded: Optional[Mapping[str, Optional[str]]], log: Optional[Log]
) -> List[str]:
    """What ``spec``'s environment installs: for an interpreter, the ``recorded`` versions, or
    each library's newest release for it; nothing for any other spec."""
    if spec.kind != "python":
        return []
    if recorded is not None:
        return pinned(recorded)
    if log:
        log(f"{spec.text}: resolving each library's newest release for it")
    newest = newest_requirements(spec.value, log)
    if newest is not None:
        return newest
    if log:
        log(f"{spec.text}: sigbench's extras are unknown (it is not installed): this environment's versions")
    return current_requirements()


def file_names(labels: Sequence[str]) -> Dict[str, str]:
    """A distinct, safe file name for each environment's results."""
    names: Dict[str, str] = {}
    for label in labels:
        base = slug(label)
        name, number = f"{base}.json", 1
        while name.lower() in (taken.lower() for taken in names.values()):  # case-blind file systems
            number += 1
            name = f"{base}-{number}.json"
        names[label] = name
    return names


def share_speed(runners: Iterable[Runner]) -> None:
    """Give the runners whose environments run one interpreter (the same binary, the same
    version) one ``SpeedKnowledge``: their workers run interleaved and read one reference on one
    machine, so one quiet speed per point and one threshold judge them all.  Each on its own, an
    environment that once read the machine quiet judged its others' values slow while one that
    never did kept its slow values: in a CI hour the two environments' cells stood 0.44 apart
    where the history's step, divided by the readings, said 0.80."""
    shared: Dict[Tuple[str, str], SpeedKnowledge] = {}
    for runner in runners:
        key = (os.path.realpath(runner.python), json.dumps(runner.inventory["interpreter"], sort_keys=True))
        if key not in shared:
            shared[key] = runner.speed
            continue
        for name, entry in runner.record.points.items():
            shared[key].add(name, entry.runs)
        runner.speed = shared[key]


class MultiRun:
    """The runners of one run's environments, driven round by round together."""

    def __init__(self, runners: Dict[str, Runner], seed: int, progress: Optional[Progress] = None) -> None:
        self.runners = runners
        share_speed(runners.values())
        self.seed = seed
        self.progress = progress
        #: After the rounds, what to profile: the benchmarks (by results file) of the changes the
        #: run's histories judge slower or faster (``sigbench.analysis.history.judged_benchmarks``,
        #: which this layer cannot import), and where to say so.
        self.judged: Optional[Callable[[Sequence[Path]], Dict[str, Set[str]]]] = None
        self.log: Optional[Log] = None

    @classmethod
    def plan(
        cls,
        points: Sequence[Point],
        profile: Profile,
        directory: Path,
        environments: Dict[str, Environment],
        skipped: Dict[str, str],
        *,
        point_timeout: float = POINT_TIMEOUT,
        seed: Optional[int] = None,
        progress: Optional[Progress] = None,
        settings: Optional[Settings] = None,
    ) -> MultiRun:
        """A new run of ``points`` in every one of ``environments`` (by label)."""
        seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        names = file_names(list(environments))
        runners = {}
        for label, environment in environments.items():
            runner = Runner(
                points,
                profile,
                directory / names[label],
                point_timeout=point_timeout,
                seed=seed,
                environment=environment,
            )
            runner.record.settings.update(
                {"env": label, "environments": list(environments), "skipped_environments": dict(skipped)}
            )
            runner.record.settings.update(settings or {})
            runners[label] = runner
        return cls(runners, seed, progress)

    @classmethod
    def resume(
        cls, directory: Path, progress: Optional[Progress] = None, log: Optional[Log] = None
    ) -> MultiRun:
        """Continue an interrupted run in ``directory``: every environment's missing process runs.

        ResultsError when the directory holds no such run; SpecError when an environment cannot be
        made again.
        """
        files = sorted(path for path in directory.glob("*.json") if path.is_file())
        sections = {path: read_results(path)["sigbench"] for path in files}
        settings = {path: section["settings"] for path, section in sections.items()}
        files = [path for path in files if "env" in settings[path]]
        if not files:
            raise ResultsError(f"{directory}: holds no results of a run with --env")
        order = settings[files[0]]["environments"]
        files.sort(
            key=lambda path: order.index(settings[path]["env"]) if settings[path]["env"] in order else 0
        )
        specs = [parse_spec(settings[path]["env"]) for path in files]
        measured = {spec.text: sections[path]["libraries"] for spec, path in zip(specs, files)}
        environments = environments_for(specs, log, measured=measured)
        runners = {
            spec.text: Runner.resume(path, environment=environments[spec.text])
            for spec, path in zip(specs, files)
        }
        return cls(runners, int(settings[files[0]]["seed"]), progress)

    def remaining(self) -> int:
        """Process runs still to be made, over every environment."""
        return sum(runner.remaining() for runner in self.runners.values())

    def run(self) -> None:
        """Every round: all environments' workers in one shuffled order; then the differential
        profiles of the history's judged changes (``judged``); then mark all finished.
        Each file's budget holds its own phases and the wall time of the whole run."""
        started = time.perf_counter()
        try:
            with contextlib.ExitStack() as ahead:
                for runner in self.runners.values():
                    ahead.enter_context(runner.second_cpu())
                self._rounds()
            if self.judged is not None:
                paths = [runner.output for runner in self.runners.values()]
                profile_judged(self.runners, self.judged(paths), self.log)
        finally:
            for runner in self.runners.values():
                runner.budget.add("wall", time.perf_counter() - started)
        for runner in self.runners.values():
            runner.finish()

    def _rounds(self) -> None:
        for runner in self.runners.values():
            runner.save()
        done = sum(
            len(runner.record.points[p.name].runs)
            for runner in self.runners.values()
            for p in runner.runnable()
        )
        counting = threading.Lock()  # the lane beside steps too

        def step(point: Point, label: str) -> None:
            nonlocal done
            with counting:
                done += 1
                if self.progress:
                    self.progress(done, done + self.remaining(), f"{label}: {point.name}")

        def run_round(round_index: int) -> int:
            tasks = [
                (label, runner, impl, points)
                for label, runner in self.runners.items()
                for impl, points in runner.round_tasks(round_index)
            ]
            random.Random(self.seed + round_index).shuffle(tasks)
            run_tasks(
                [(runner, impl, points, partial(step, label=label)) for label, runner, impl, points in tasks]
            )
            for runner in self.runners.values():
                runner.save()
            return len(tasks)

        rounds = 2 * max(runner.profile.most_processes for runner in self.runners.values())  # wants_more
        for round_index in range(rounds):
            run_round(round_index)
        # Make-up rounds, as in Runner.run: values judged again may leave points short.
        for round_index in itertools.count(rounds):
            for runner in self.runners.values():
                runner.judge_again()
            if not run_round(round_index):
                break

    def save(self) -> None:
        for runner in self.runners.values():
            runner.save()
