"""What a command says on stderr while it measures: a progress line with ETA, log lines, and SIGTERM
taken as an interruption (so what was measured is saved, as on Ctrl-C)."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Callable, Optional


class Progress:
    """A progress line with ETA on a terminal; an occasional plain line otherwise."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last_percent = -1

    def __call__(self, done: int, total: int, name: str) -> None:
        elapsed = time.monotonic() - self.start
        eta = elapsed / done * (total - done) if done else 0.0
        percent = int(100 * done / total) if total else 100
        text = f"[{done:>{len(str(total))}}/{total}] {percent:3d}%  ETA {duration(eta)}  {name}"
        if self.tty:
            sys.stderr.write("\r\x1b[K" + text[:120] + ("\n" if done == total else ""))
            sys.stderr.flush()
        elif percent // 10 != self.last_percent // 10 or done == total:
            print(text, file=sys.stderr, flush=True)
        self.last_percent = percent


def duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def progress(args: argparse.Namespace) -> Optional[Progress]:
    """A progress line, unless ``--quiet``."""
    return None if args.quiet else Progress()


def log(args: argparse.Namespace) -> Optional[Callable[[str], None]]:
    """``sigbench: <text>`` lines on stderr, unless ``--quiet``."""
    return None if args.quiet else (lambda text: print(f"sigbench: {text}", file=sys.stderr))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def interrupt_on_sigterm() -> None:
    """From now on, SIGTERM raises KeyboardInterrupt (a CI job cancelled keeps what was measured)."""
    signal.signal(signal.SIGTERM, _interrupt)
