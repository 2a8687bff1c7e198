"""``sigbench bisect``: which commit made it slower?  A binary search over a range of commits,
each tested revision judged by the paired gate against the good one.

The revisions are the first-parent path from ``--good`` (excluded, known good) to ``--bad``
(included): the commits a branch's history went through, in order.  Each tested revision is
exported from the repository with ``git archive`` (the repository itself is left untouched: no
checkout, no worktree) into ``.sigbench/trees/`` and measured as a source-tree environment
(``sigbench.run.envs``).  ``--bad`` is gated first; only the benchmarks it judges slower are
gated after that (fewer benchmarks, fewer false alarms).  A revision is bad when the gate judges
any of those slower.  Binary search then needs about log2(n) gates for n revisions; the last
gate is the step itself (the first bad revision against its parent), whose differential profile
names the functions that changed.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from sigbench.analysis.verdicts import SLOWER
from sigbench.gate.judge import GateResult
from sigbench.gate.run import run_gate
from sigbench.run.envs import Spec, parse_spec
from sigbench.suite.scenarios import Point

#: Where tested revisions are exported, relative to the working directory.
TREES = Path(".sigbench") / "trees"


class BisectError(ValueError):
    """A range that cannot be bisected (not a repository, unknown revisions, good not before bad)."""


@dataclass(frozen=True)
class Revision:
    sha: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:12]


@dataclass
class Tested:
    """One gate of the search: ``candidate`` against ``baseline`` (the good revision, or for the
    final step, the first bad one's parent)."""

    baseline: Revision
    candidate: Revision
    result: GateResult

    @property
    def slower(self) -> bool:
        return bool(self.result.regressions)


@dataclass
class BisectResult:
    good: Revision
    revisions: List[Revision]
    tested: List[Tested] = field(default_factory=list)
    #: The first revision judged slower than the good one, or None when ``--bad`` was not.
    first_bad: Optional[Revision] = None
    #: The gate of the first bad revision against its parent: the step itself.
    step: Optional[Tested] = None


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BisectError(f"git cannot run: {exc}") from exc
    if done.returncode != 0:
        raise BisectError(f"{repo}: git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def revision(repo: Path, name: str) -> Revision:
    """The commit ``name`` names in ``repo``; BisectError when it names none."""
    try:
        sha = _git(repo, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}").strip()
    except BisectError:
        raise BisectError(f"{repo}: {name!r} names no commit") from None
    return Revision(sha, _git(repo, "log", "-1", "--format=%s", sha).strip())


def revisions(repo: Path, good: str, bad: str) -> List[Revision]:
    """The first-parent path after ``good`` up to ``bad`` (included), oldest first."""
    if not repo.is_dir():
        raise BisectError(f"--repo {repo}: no such directory")
    _git(repo, "rev-parse", "--git-dir")  # BisectError: not a git repository
    first, last = revision(repo, good), revision(repo, bad)
    ancestor = subprocess.run(
        ["git", "-C", str(repo), "merge-base", "--is-ancestor", first.sha, last.sha], capture_output=True
    )
    if ancestor.returncode != 0 or first.sha == last.sha:
        raise BisectError(f"--good {good} ({first.short}) is not an ancestor of --bad {bad} ({last.short})")
    listed = _git(
        repo, "rev-list", "--first-parent", "--reverse", "--format=%H %s", f"{first.sha}..{last.sha}"
    )
    found = []
    for line in listed.splitlines():
        if line.startswith("commit "):
            continue
        sha, _, subject = line.partition(" ")
        found.append(Revision(sha, subject))
    if not found or found[-1].sha != last.sha:
        raise BisectError(f"--bad {bad} is not on the first-parent path from --good {good}")
    return found


def export(repo: Path, commit: Revision, trees: Path = TREES) -> Spec:
    """The source tree of ``commit`` (``git archive``, made once), as a tree spec."""
    directory = trees / f"{repo.resolve().name}-{commit.short}"
    marker = directory / ".sigbench-exported"
    if not marker.exists():
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", commit.sha], capture_output=True, check=False
        )
        if archive.returncode != 0:
            raise BisectError(
                f"{repo}: git archive {commit.short}: {archive.stderr.decode(errors='replace')}"
            )
        directory.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse links out of the tree
                tar.extractall(directory, filter="data")
            else:
                tar.extractall(directory)
        marker.write_text(commit.sha + "\n", encoding="utf-8")
    return parse_spec(str(directory.resolve()))


def bisect(
    repo: Path,
    good: str,
    bad: str,
    points: Sequence[Point],
    output: Path,
    *,
    log: Callable[[str], None] = lambda text: None,
    **gate: object,
) -> BisectResult:
    """Find the first revision after ``good`` up to ``bad`` that the paired gate (options
    ``gate``, as ``run_gate`` takes them) judges slower than ``good``; each gate's results in
    ``output/<revision>``."""
    listed = revisions(repo, good, bad)
    found = BisectResult(revision(repo, good), listed)
    trees: Dict[str, Spec] = {}

    def tree(commit: Revision) -> Spec:
        if commit.sha not in trees:
            trees[commit.sha] = export(repo, commit)
        return trees[commit.sha]

    def judge(baseline: Revision, candidate: Revision, selected: Sequence[Point], name: str) -> Tested:
        log(
            f"gate {candidate.short} ({candidate.subject}) against {baseline.short}: {len(selected)} point(s)"
        )
        specs = {"baseline": tree(baseline), "candidate": tree(candidate)}
        result = run_gate(selected, specs, output / name, **gate)  # type: ignore[arg-type]
        tested = Tested(baseline, candidate, result)
        log(f"{candidate.short}: {'slower' if tested.slower else 'not slower'} ({_tally(result)})")
        return tested

    last = judge(found.good, listed[-1], points, listed[-1].short)
    found.tested.append(last)
    if not last.slower:
        return found
    regressed = {j.point.name for j in last.result.regressions}
    points = [p for p in points if p.name in regressed]
    low, high = -1, len(listed) - 1  # listed[low] is good (-1: the good revision), listed[high] bad
    results: Dict[int, Tested] = {high: last}
    while high - low > 1:
        middle = (low + high) // 2
        results[middle] = judge(found.good, listed[middle], points, listed[middle].short)
        found.tested.append(results[middle])
        if results[middle].slower:
            high = middle
        else:
            low = middle
    found.first_bad = listed[high]
    if low == -1:  # its parent is the good revision: the step has been gated already
        found.step = results[high]
    else:
        parent = listed[high - 1]
        found.step = judge(parent, listed[high], points, f"step-{listed[high].short}")
    return found


def _tally(result: GateResult) -> str:
    slower = len(result.regressions)
    return f"{slower} of {len(result.judgements)} benchmark(s) slower"


def bisect_text(found: BisectResult, describe: Callable[[GateResult], str]) -> str:
    """The search's verdicts in order, the first bad revision, and the step's gate (``describe``
    turns a gate result into its table and profile)."""
    lines = [f"{len(found.revisions)} revision(s) after {found.good.short} ({found.good.subject}); tested:"]
    for tested in found.tested:
        verdict = SLOWER if tested.slower else "not slower"
        lines.append(
            f"  {tested.candidate.short} vs {tested.baseline.short}: {verdict} ({_tally(tested.result)})"
            f"  {tested.candidate.subject}"
        )
    if found.first_bad is None:
        lines.append(f"--bad {found.revisions[-1].short} is not slower than --good: nothing to bisect.")
        return "\n".join(lines)
    lines += ["", f"first slower revision: {found.first_bad.sha} {found.first_bad.subject}"]
    if found.step is not None:
        lines += ["", f"the step ({found.step.baseline.short} → {found.step.candidate.short}):"]
        lines.append(describe(found.step.result))
    return "\n".join(lines)
