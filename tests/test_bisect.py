"""``sigbench bisect``: the range of revisions, their export as source trees, bad input named,
and, end to end, the planted regression found among 16 commits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigbench.analysis.stats import Estimate
from sigbench.analysis.verdicts import FASTER, INCONCLUSIVE, SAME, SLOWER, Verdict
from sigbench.gate import bisect as bisecting
from sigbench.gate import planted
from sigbench.gate.bisect import (
    BAD,
    EXIT_AMBIGUOUS,
    GOOD,
    SKIP,
    BisectError,
    Revision,
    export,
    revisions,
    search,
    unjudged,
)
from sigbench.gate.judge import GateResult, Judgement
from sigbench.suite.adapters import EXTRA_ADAPTERS_VARIABLE
from sigbench.suite.points import Point

ROOT = Path(__file__).resolve().parents[1]


def _git(repo: Path, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=sigbench", "-c", "user.email=sigbench@example.org"]
    return subprocess.run([*command, *args], check=True, capture_output=True, text=True).stdout


def planted_repository(
    repo: Path, commits: int, regression: int, slowdown: float = 0.3, broken: Tuple[int, ...] = ()
) -> List[str]:
    """A git repository of the planted library with ``commits`` commits (tagged c0, c1, ...),
    each changing the module; from commit ``regression`` on, sends are ``slowdown`` slower.  The
    ``broken`` commits fail to import, as blinker's 33a1497 did (``import src``)."""
    repo.mkdir()
    _git(repo, "init", "-q")
    for index in range(commits):
        planted.write_tree(repo, slowdown if index >= regression else 0.0)
        with open(repo / "sigbench_planted.py", "a", encoding="utf-8") as module:
            module.write(f"\nREVISION = {index}\n")
            if index in broken:
                module.write("import src  # a broken commit: there is no such module\n")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", f"commit {index}")
        _git(repo, "tag", f"c{index}")
    return _git(repo, "rev-list", "--reverse", "HEAD").split()


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("bisect") / "planted"
    planted_repository(repo, 17, 11)
    return repo


def _probe(first_bad: int, skipped: Dict[int, str]) -> Tuple[List[int], Callable[[int], Tuple[str, str]]]:
    """A history whose revisions from ``first_bad`` on are slower, ``skipped`` unmeasurable; the
    list records what the search asked."""
    asked: List[int] = []

    def probe(index: int) -> Tuple[str, str]:
        asked.append(index)
        if index in skipped:
            return SKIP, skipped[index]
        return (BAD if index >= first_bad else GOOD), ""

    return asked, probe


def test_search_without_skips_is_a_binary_search() -> None:
    asked, probe = _probe(11, {})
    found, confirmed = search(16, probe)
    assert confirmed
    assert (found.low, found.high, found.candidates) == (10, 11, [11])
    assert len(asked) == 4


def test_a_skipped_midpoint_after_the_regression_does_not_steer_the_search() -> None:
    """Revisions 0..7, the last bad; the first midpoint (3) is broken, and the regression (2)
    comes before it: the search goes on with its neighbours and names 2 alone."""
    asked, probe = _probe(2, {3: "ModuleNotFoundError: No module named 'src'"})
    found, _ = search(8, probe)
    assert asked[0] == 3 and asked[1] == 2
    assert found.candidates == [2] and found.skipped == {3: "ModuleNotFoundError: No module named 'src'"}


def test_skipped_revisions_that_border_the_answer_make_it_a_range() -> None:
    _, probe = _probe(4, {3: "broken", 4: "broken"})
    found, _ = search(8, probe)
    assert found.candidates == [3, 4, 5]
    assert found.low == 2 and found.high == 5


@given(
    n=st.integers(1, 40),
    data=st.data(),
)
def test_the_first_bad_revision_is_always_among_the_candidates(n: int, data: st.DataObject) -> None:
    """Whatever is skipped, the true first bad revision is among the candidates, every candidate
    but the last is skipped, and no revision is probed twice."""
    first_bad = data.draw(st.integers(0, n - 1))
    skipped = {i: "broken" for i in data.draw(st.sets(st.integers(0, max(n - 2, 0))))} if n > 1 else {}
    asked, probe = _probe(first_bad, skipped)
    found, _ = search(n, probe)
    assert len(asked) == len(set(asked)) and n - 1 not in asked
    candidates: List[int] = found.candidates
    assert candidates[-1] == found.high and all(i in skipped for i in candidates[:-1])
    assert first_bad in candidates


def _flaky(first_bad: int, wrong: int) -> Tuple[List[int], Callable[[int], Tuple[str, str]]]:
    """A history whose revisions from ``first_bad`` on are slower, but whose first verdict on
    revision ``wrong`` is the wrong one (noise); the list records what the search asked."""
    asked: List[int] = []

    def probe(index: int) -> Tuple[str, str]:
        bad = index >= first_bad
        if index == wrong and index not in asked:
            bad = not bad
        asked.append(index)
        return (BAD if bad else GOOD), ""

    return asked, probe


def _step(first_bad: int) -> Callable[[int, int], bool]:
    """The step's gate on that history: ``high`` slower than ``low`` when the regression lies between."""
    return lambda low, high: low < first_bad <= high


def test_a_wrong_verdict_that_the_step_contradicts_is_probed_again() -> None:
    """Revision 7 is first judged slower (it is not): the search ends at 7, whose step from 6 is
    not slower; 6 and 7 are probed again, 7 is now good, and the search goes on to 11."""
    asked, probe = _flaky(11, 7)
    found, confirmed = search(16, probe, _step(11))
    assert confirmed and found.candidates == [11]
    assert asked.count(7) == 2 and asked.count(6) == 2


def test_a_slowdown_no_step_shows_is_left_unconfirmed() -> None:
    """Every revision from 5 on is slower than good, but no single step is (a slowdown built up
    over several): the search names 5, unconfirmed, having probed its neighbours once more."""
    asked, probe = _probe(5, {})
    found, confirmed = search(16, probe, lambda low, high: False)
    assert not confirmed and found.candidates == [5]
    assert asked.count(4) == 2 and asked.count(5) == 2 and len(asked) == len(set(asked)) + 2


@given(n=st.integers(2, 40), data=st.data())
def test_one_wrong_verdict_anywhere_still_finds_the_first_bad_revision(n: int, data: st.DataObject) -> None:
    """Whichever revision's first verdict is wrong, the step contradicts the answer it leads to,
    and probing the border again finds the true first bad revision, confirmed."""
    first_bad = data.draw(st.integers(0, n - 1))
    wrong = data.draw(st.integers(0, n - 2))
    _, probe = _flaky(first_bad, wrong)
    found, confirmed = search(n, probe, _step(first_bad))
    assert confirmed and found.candidates == [first_bad]


@pytest.mark.parametrize(
    ("verdict", "outcome"), [(SLOWER, BAD), (SAME, GOOD), (FASTER, GOOD), (INCONCLUSIVE, GOOD)]
)
def test_a_revision_whose_rounds_decide_nothing_counts_as_not_slower_and_says_so(
    verdict: Verdict, outcome: str
) -> None:
    """A probed point the gate could judge neither slower nor the same (its ratio's interval
    straddles the threshold) counts as not slower, as in CI an identical revision on a loaded
    machine read 1.017 (CI 0.963 to 1.078) over 8 rounds: were it slower, the step would not be,
    and the search would look again.  Its line says it was undecided."""
    point = Point("planted", "send", 10, "strong", "function")
    judged = Judgement(point, 1.0, 1.017, Estimate(1.017, 0.963, 1.078), verdict)
    revision = Revision("0" * 40, "commit 1")
    result = GateResult([judged], {}, 0.05)
    tested = bisecting.Tested(revision, revision, result, skipped=unjudged(result, [point]))
    assert tested.outcome == outcome
    undecided = f"{point.name} undecided: ratio 1.017, CI 0.963–1.078"
    assert (undecided in tested.outcome_text) == (verdict == INCONCLUSIVE)


def test_the_text_marks_a_revision_judged_again_and_an_unconfirmed_answer() -> None:
    good, first, second = (Revision(f"{i}" * 40, f"commit {i}") for i in range(3))
    point = Point("planted", "send", 10, "strong", "function")

    def tested(baseline: Revision, candidate: Revision, verdict: Verdict) -> bisecting.Tested:
        judged = Judgement(point, 1.0, 1.03, Estimate(1.03, 1.01, 1.05), verdict)
        result = GateResult([judged], {}, 0.05)
        return bisecting.Tested(baseline, candidate, result, skipped=unjudged(result, [point]))

    step = tested(first, second, SAME)
    found = bisecting.BisectResult(good, [first, second], first_bad=second, candidates=[second])
    found.tested = [tested(good, second, SLOWER), tested(good, first, SAME), tested(good, first, SAME)]
    found.step, found.confirmed = step, False
    text = bisecting.bisect_text(found, lambda result: "")
    assert f"  {first.short} vs {good.short} again: not slower" in text
    assert f"first slower revision, unconfirmed: {second.sha}" in text
    assert f"unconfirmed: the step from {first.short} to {second.short} itself is not slower" in text
    assert not found.unique


def test_the_range_is_the_first_parent_path_after_good(repository: Path) -> None:
    found = revisions(repository, "c3", "c9")
    assert [r.subject for r in found] == [f"commit {i}" for i in range(4, 10)]
    assert found[-1].sha == _git(repository, "rev-parse", "c9").strip()


@pytest.mark.parametrize(
    ("good", "bad", "message"),
    [
        ("c9", "c3", "is not an ancestor of --bad c3"),
        ("c3", "c3", "is not an ancestor"),
        ("nonsense", "c3", "'nonsense' names no commit"),
    ],
)
def test_a_range_that_cannot_be_bisected_is_named(
    repository: Path, good: str, bad: str, message: str
) -> None:
    with pytest.raises(BisectError, match=message):
        revisions(repository, good, bad)


def test_not_a_repository_is_named(tmp_path: Path) -> None:
    with pytest.raises(BisectError, match="not a git repository"):
        revisions(tmp_path, "HEAD~1", "HEAD")
    with pytest.raises(BisectError, match="no such directory"):
        revisions(tmp_path / "missing", "HEAD~1", "HEAD")


def test_a_revision_is_exported_as_its_own_tree_without_touching_the_repository(
    repository: Path, tmp_path: Path
) -> None:
    status = _git(repository, "status", "--porcelain")
    (commit,) = revisions(repository, "c4", "c5")
    spec = export(repository, commit, tmp_path / "trees")
    assert spec.kind == "tree"
    assert "REVISION = 5" in (Path(spec.value) / "sigbench_planted.py").read_text(encoding="utf-8")
    assert _git(repository, "status", "--porcelain") == status
    assert _git(repository, "rev-parse", "HEAD") == _git(repository, "rev-parse", "c16")


def _sigbench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigbench", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )


def test_bisect_needs_the_implementation_and_a_real_range(repository: Path, tmp_path: Path) -> None:
    missing = _sigbench("bisect", "--repo", str(repository), "--good", "c0", "--bad", "c16", cwd=tmp_path)
    assert missing.returncode == 2 and "--impl" in missing.stderr
    backwards = _sigbench(
        "bisect", "--repo", str(repository), "--good", "c9", "--bad", "c2", "--impl", "blinker", cwd=tmp_path
    )
    assert backwards.returncode == 2 and "is not an ancestor of --bad c2" in backwards.stderr
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


@pytest.mark.slow
def test_bisect_names_the_commit_that_planted_the_regression(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 commits after the good one, the 11th makes sends 30% slower: bisect names it, having
    gated about log2(16) revisions and the step, whose profile names Signal.send."""
    monkeypatch.setenv(EXTRA_ADAPTERS_VARIABLE, planted.REGISTRATION)
    argv = ["bisect", "--repo", str(repository), "--good", "c0", "--bad", "c16", "--impl", "planted"]
    argv += ["--scenario", "send", "--receivers", "10", "--ref", "strong", "--kind", "function"]
    result = _sigbench(*argv, "--rounds", "8", "--quiet", "-o", str(tmp_path / "step.md"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    regression = _git(repository, "rev-parse", "c11").strip()
    assert f"first slower revision: {regression} commit 11" in result.stdout
    tested = [line for line in result.stdout.splitlines() if " vs " in line and line.startswith("  ")]
    # --bad, then a binary search over 16 revisions; after a wrong verdict, its correction: the
    # two revisions bordering the step again, and a second search over at most 16 revisions
    corrected = any(" again: " in line for line in tested)
    assert 4 <= len(tested) <= (6 + 2 + 4 if corrected else 6)
    assert "sigbench_planted.py:Signal.send: bytecodes/op" in result.stdout
    assert "🔴 slower" in (tmp_path / "step.md").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("regression", "expected_exit", "named"),
    [
        # The broken commit 4 is the first midpoint, and the regression comes before it.
        (3, 0, "first slower revision: {c3} commit 3"),
        # The broken commit is the regression itself: the answer is a range.
        (4, EXIT_AMBIGUOUS, "the first slower revision is one of {c4:.12}, {c5:.12}"),
    ],
)
def test_bisect_skips_a_revision_that_does_not_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, regression: int, expected_exit: int, named: str
) -> None:
    """Commit 4 of c0..c8 fails to import: it is skipped with its reason and never counted as
    good, and the search goes on with its neighbours."""
    repo = tmp_path / "planted"
    shas = planted_repository(repo, 9, regression, broken=(4,))
    monkeypatch.setenv(EXTRA_ADAPTERS_VARIABLE, planted.REGISTRATION)
    argv = ["bisect", "--repo", str(repo), "--good", "c0", "--bad", "c8", "--impl", "planted"]
    argv += ["--scenario", "send", "--receivers", "10", "--ref", "strong", "--kind", "function"]
    result = _sigbench(*argv, "--rounds", "8", "--quiet", cwd=tmp_path)
    assert result.returncode == expected_exit, result.stdout + result.stderr
    assert named.format(**{f"c{i}": sha for i, sha in enumerate(shas)}) in result.stdout
    (skipped,) = [line for line in result.stdout.splitlines() if "skipped:" in line]
    assert skipped.startswith(f"  {shas[4][:12]} vs {shas[0][:12]}: skipped: ")
    assert "No module named 'src'" in skipped
