"""The files a command reads and writes: results named on the command line (or the newest), outputs
reserved so two runs never share one, and text written to stdout or atomically to ``-o``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

from sigbench.cli.options import fail
from sigbench.results.store import reserve, write_text_atomic


def reserve_output(
    parser: argparse.ArgumentParser, given: Optional[Path], prefix: str = "", directory: bool = False
) -> Path:
    """Create the output file (or directory) exclusively, so two runs never share one: ``given``,
    else ``results/<prefix><UTC timestamp>[-n][.json]``; never one that exists."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = "" if directory else ".json"
    candidates = (
        [given]
        if given
        else [Path("results") / f"{prefix}{stamp}{f'-{n}' if n else ''}{suffix}" for n in range(100)]
    )
    for path in candidates:
        try:
            if directory:
                path.mkdir(parents=True)
                return path
            if reserve(path):
                return path
        except FileExistsError:
            continue
        except OSError as exc:
            parser.error(f"-o {path}: cannot create: {exc.strerror or exc}")
    parser.error(f"-o {candidates[-1]}: file exists; choose another name (results are never overwritten)")


def release(output: Path) -> None:
    """Give back an output reserved for a run that never started (nothing was written to it)."""
    try:
        if output.is_dir():
            output.rmdir()
        elif output.stat().st_size == 0:
            output.unlink()
    except OSError:
        pass


@contextmanager
def released_on_error(output: Path) -> Iterator[None]:
    """Give ``output`` back (``release``) when what would write to it cannot even start."""
    try:
        yield
    except BaseException:
        release(output)
        raise


def emit(parser: argparse.ArgumentParser, text: str, output: Optional[Path]) -> int:
    """``text`` to stdout, or atomically to ``output``."""
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        write_text_atomic(output, text)
    except OSError as exc:
        fail(parser, f"-o {output}: cannot write: {exc.strerror or exc}")
    print(f"Wrote {output}.", file=sys.stderr)
    return 0


def _run_directory(path: Path) -> bool:
    """Whether ``path`` holds the results of a run with ``--env`` (or their merge)."""
    return path.is_dir() and any(path.glob("*.json")) and not path.name.startswith("gate-")


def newest_results(parser: argparse.ArgumentParser) -> Path:
    """The newest results file, or directory of a run with --env, in results/."""
    candidates = [
        path
        for path in Path("results").glob("*")
        if (path.suffix == ".json" and path.is_file() and path.stat().st_size > 0) or _run_directory(path)
    ]
    if not candidates:
        fail(parser, "no results files in results/; run 'tox -e bench' or name files")
    return max(candidates, key=lambda path: (path.stat().st_mtime, path.name))


def results_files(parser: argparse.ArgumentParser, given: Sequence[Path]) -> List[Path]:
    """``given`` with each directory replaced by the results files in it."""
    files: List[Path] = []
    for path in given:
        if path.is_dir():
            found = sorted(child for child in path.glob("*.json") if child.is_file())
            if not found:
                fail(parser, f"{path}: a directory with no results files")
            files.extend(found)
        else:
            files.append(path)
    return files
