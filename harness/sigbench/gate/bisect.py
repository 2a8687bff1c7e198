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
names the functions that changed.  The step also checks the search: a wrong verdict leads to a
step that is not slower, and then the revisions bordering it are probed again (``search``).

A revision that cannot be measured (its tree does not install or import, a worker crashes or
times out, the probed point fails conformance) is skipped, as ``git bisect skip`` does: neither
good nor bad, the search goes on with its nearest neighbours.  When skipped revisions lie between
the newest good and the oldest bad one, the answer is a range: any of them may be the first
slower revision.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from sigbench.analysis.verdicts import INCONCLUSIVE, SLOWER
from sigbench.gate.judge import GateResult, Judgement
from sigbench.gate.run import run_gate
from sigbench.run.envs import Spec, SpecError, parse_spec, prepare
from sigbench.run.guard import VersionMismatch
from sigbench.run.process import InventoryError
from sigbench.suite.points import Point

#: ``sigbench bisect``'s exit code when skipped revisions border the answer (it is a range).
EXIT_AMBIGUOUS = 3
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
    final step, the newest good one before the first bad).  ``result`` is None when the
    candidate's tree could not even be installed; ``skipped`` says why the revision could not be
    judged (it is then neither good nor bad)."""

    baseline: Revision
    candidate: Revision
    result: Optional[GateResult]
    skipped: Optional[str] = None

    @property
    def regressions(self) -> List[Judgement]:
        return self.result.regressions if self.result is not None else []

    @property
    def outcome(self) -> str:
        """``BAD`` (a probed point judged slower), ``SKIP`` (one could not be measured) or ``GOOD``."""
        if self.regressions:
            return BAD
        return SKIP if self.skipped is not None else GOOD

    @property
    def outcome_text(self) -> str:
        if self.outcome == SKIP:
            return f"skipped: {self.skipped}"
        verdict = SLOWER if self.outcome == BAD else "not slower"
        return f"{verdict} ({_tally(self.result)})" if self.result is not None else verdict


@dataclass
class BisectResult:
    good: Revision
    revisions: List[Revision]
    tested: List[Tested] = field(default_factory=list)
    #: The oldest revision judged slower than the good one, or None when ``--bad`` was not.
    first_bad: Optional[Revision] = None
    #: The revisions that may be the first slower one, oldest first: ``first_bad`` alone, or with
    #: the skipped revisions between it and the newest good one.
    candidates: List[Revision] = field(default_factory=list)
    #: The gate of the first bad revision against the newest good one before it: the step itself.
    step: Optional[Tested] = None
    #: Whether the step was judged slower (``search``): when not, the answer is unconfirmed.
    confirmed: bool = True

    @property
    def unique(self) -> bool:
        """Whether the first slower revision is known exactly: no skipped revision borders it,
        and the step itself was judged slower."""
        return len(self.candidates) == 1 and self.confirmed


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


#: What a probe of one revision found: slower than good, not slower, or not measurable.
BAD, GOOD, SKIP = "bad", "good", "skip"


@dataclass
class Search:
    """The state of a binary search over ``n`` revisions with skips, as ``git bisect skip``
    keeps it, from the latest verdict on each probed revision: ``high`` is the oldest known bad
    (``n - 1`` at first), ``low`` the newest known good before it (-1: the good revision
    itself), ``skipped`` the revisions that could not be measured, with why."""

    n: int
    outcomes: Dict[int, str] = field(default_factory=dict)
    skipped: Dict[int, str] = field(default_factory=dict)

    @property
    def high(self) -> int:
        return min((i for i, outcome in self.outcomes.items() if outcome == BAD), default=self.n - 1)

    @property
    def low(self) -> int:
        high = self.high
        return max((i for i, outcome in self.outcomes.items() if outcome == GOOD and i < high), default=-1)

    def next(self) -> Optional[int]:
        """The untested revision nearest the middle of the open range (the older of two equally
        near), or None when none is left."""
        open_ = [i for i in range(self.low + 1, self.high) if i not in self.outcomes]
        if not open_:
            return None
        middle = (self.low + self.high) // 2
        return min(open_, key=lambda i: (abs(i - middle), i))

    def record(self, index: int, outcome: str, reason: str = "") -> None:
        """Revision ``index``'s verdict (a later one replaces an earlier)."""
        self.outcomes[index] = outcome
        self.skipped.pop(index, None)
        if outcome == SKIP:
            self.skipped[index] = reason

    @property
    def candidates(self) -> List[int]:
        """The revisions that may be the first slower one: the skipped ones between the newest
        good and the oldest bad, and the oldest bad itself."""
        return [i for i in range(self.low + 1, self.high) if i in self.skipped] + [self.high]


def search(
    n: int, probe: Callable[[int], Tuple[str, str]], step: Optional[Callable[[int, int], bool]] = None
) -> Tuple[Search, bool]:
    """Binary search for the first bad of ``n`` revisions, the last known bad, with ``probe(i)``
    giving (``BAD``, ``GOOD`` or ``SKIP``, why it was skipped) for revision ``i``; and whether
    the answer is confirmed: ``step(low, high)`` (the oldest bad judged against the newest good
    before it, -1 the good revision) is slower.  A verdict may be wrong on a noisy machine, and
    then the step is not: the two revisions that border the answer are probed once more, and the
    search goes on from their new verdicts.  Without ``step``, every answer is confirmed."""
    state = Search(n)
    probed_again: Set[int] = set()
    while True:
        index = state.next()
        while index is not None:
            state.record(index, *probe(index))
            index = state.next()
        if step is None or step(state.low, state.high):
            return state, True
        again = [i for i in (state.low, state.high) if 0 <= i < n - 1 and i not in probed_again]
        if not again:  # confirmed neither way: a slowdown built up over several revisions?
            return state, False
        for index in again:
            probed_again.add(index)
            state.record(index, *probe(index))


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
    ``output/<revision>``.  A revision whose probed points cannot be measured (its tree does not
    install or import, a worker crashes, conformance fails) is skipped, as ``git bisect skip``
    does; when skipped revisions border the answer, ``candidates`` names them all."""
    listed = revisions(repo, good, bad)
    found = BisectResult(revision(repo, good), listed)
    trees: Dict[str, Spec] = {}

    def tree(commit: Revision) -> Spec:
        if commit.sha not in trees:
            trees[commit.sha] = export(repo, commit)
        return trees[commit.sha]

    def unmeasurable(commit: Revision) -> Optional[str]:
        """Why ``commit``'s tree cannot even be installed, or None."""
        try:
            prepare(tree(commit), log=log)
        except (BisectError, SpecError, InventoryError, VersionMismatch) as exc:
            return _one_line(str(exc))
        return None

    def judge(baseline: Revision, candidate: Revision, selected: Sequence[Point], name: str) -> Tested:
        log(
            f"gate {candidate.short} ({candidate.subject}) against {baseline.short}: {len(selected)} point(s)"
        )
        broken = unmeasurable(candidate)
        if broken is not None:
            tested = Tested(baseline, candidate, None, skipped=broken)
        else:
            specs = {"baseline": tree(baseline), "candidate": tree(candidate)}
            result = run_gate(selected, specs, output / name, **gate)  # type: ignore[arg-type]
            tested = Tested(baseline, candidate, result, skipped=unjudged(result, selected))
        log(f"{candidate.short}: {tested.outcome_text}")
        return tested

    broken = unmeasurable(found.good)
    if broken is not None:
        raise BisectError(f"--good {good} ({found.good.short}) cannot be measured: {broken}")
    last = judge(found.good, listed[-1], points, listed[-1].short)
    found.tested.append(last)
    if last.outcome == SKIP:
        raise BisectError(f"--bad {bad} ({listed[-1].short}) cannot be measured: {last.skipped}")
    if last.outcome == GOOD:
        return found
    regressed = {j.point.name for j in last.regressions}
    points = [p for p in points if p.name in regressed]
    results: Dict[int, Tested] = {len(listed) - 1: last}

    def probe(index: int) -> Tuple[str, str]:
        name = listed[index].short + ("-again" if index in results else "")
        results[index] = judge(found.good, listed[index], points, name)
        found.tested.append(results[index])
        return results[index].outcome, results[index].skipped or ""

    steps: Dict[Tuple[int, int], Tested] = {}

    def step(low: int, high: int) -> bool:
        """Is revision ``high`` slower than ``low`` (-1: the good one), the newest good before it?"""
        if (low, high) not in steps:
            if low == -1 and not any(results[i].outcome == SKIP for i in range(high) if i in results):
                steps[low, high] = results[high]  # gated against its parent already
            else:
                before = listed[low] if low >= 0 else found.good
                name = f"step-{listed[high].short}-after-{before.short}"
                steps[low, high] = judge(before, listed[high], points, name)
        return steps[low, high].outcome == BAD

    state, found.confirmed = search(len(listed), probe, step)
    found.first_bad = listed[state.high]
    found.candidates = [listed[i] for i in state.candidates]
    found.step = steps[state.low, state.high]
    return found


def unjudged(result: GateResult, selected: Sequence[Point]) -> Optional[str]:
    """Why a gate that judged nothing slower cannot count as good: a probed point that was not
    measured on a side (unavailable, failed conformance, crashed, timed out), or None.  A point
    whose rounds tell neither slower nor the same (``inconclusive``) counts as not slower: were
    it slower, the step would not be (``search``)."""
    if result.regressions:
        return None
    names = {p.name for p in selected}
    reasons = [f"{name}: {why}" for name, why in result.skipped.items() if name in names]
    return _one_line("; ".join(reasons)) if reasons else None


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _tally(result: GateResult) -> str:
    """How many benchmarks were judged slower, and which could not be told (ratio and CI)."""
    slower = len(result.regressions)
    undecided = [
        f"{j.point.name} undecided: ratio {j.ratio.value:.3f}, CI {j.ratio.low:.3f}–{j.ratio.high:.3f}"
        for j in result.judgements
        if j.verdict == INCONCLUSIVE
    ]
    return "; ".join([f"{slower} of {len(result.judgements)} benchmark(s) slower", *undecided])


def bisect_text(found: BisectResult, describe: Callable[[GateResult], str]) -> str:
    """The search's verdicts in order, the first bad revision (or the range it lies in, when
    skipped revisions border it), and the step's gate (``describe`` turns a gate result into its
    table and profile)."""
    lines = [f"{len(found.revisions)} revision(s) after {found.good.short} ({found.good.subject}); tested:"]
    seen = set()
    for tested in found.tested:
        again = " again" if (tested.candidate, tested.baseline) in seen else ""
        seen.add((tested.candidate, tested.baseline))
        lines.append(
            f"  {tested.candidate.short} vs {tested.baseline.short}{again}: {tested.outcome_text}"
            f"  {tested.candidate.subject}"
        )
    if found.first_bad is None:
        lines.append(f"--bad {found.revisions[-1].short} is not slower than --good: nothing to bisect.")
        return "\n".join(lines)
    if found.unique:
        lines += ["", f"first slower revision: {found.first_bad.sha} {found.first_bad.subject}"]
    elif len(found.candidates) == 1:
        lines += ["", f"first slower revision, unconfirmed: {found.first_bad.sha} {found.first_bad.subject}"]
    else:
        lines += [
            "",
            "the first slower revision is one of "
            + ", ".join(c.short for c in found.candidates)
            + " (the revisions before the last could not be measured):",
        ]
        lines += [f"  {c.sha} {c.subject}" for c in found.candidates]
    if not found.confirmed and found.step is not None:
        step = found.step
        verdict = (
            f"could not be measured ({step.skipped})" if step.outcome == SKIP else f"is {step.outcome_text}"
        )
        lines.append(
            f"  unconfirmed: the step from {step.baseline.short} to {step.candidate.short} itself {verdict}, "
            "even with the revisions bordering it judged again: the slowdown may have built up over "
            "several revisions, each under the threshold, or a verdict was wrong on a noisy machine "
            "(more --rounds may tell)"
        )
    if found.step is not None and found.step.result is not None:
        lines += ["", f"the step ({found.step.baseline.short} → {found.step.candidate.short}):"]
        lines.append(describe(found.step.result))
    return "\n".join(lines)
