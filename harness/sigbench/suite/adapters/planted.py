"""The gate self-test's planted library (``sigbench.gate.planted`` writes it as a source tree):
a list of receivers whose send does a known amount of work per receiver.  Not one of the
implementations: registered through ``SIGBENCH_EXTRA_ADAPTERS`` by the self-test and its tests."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, ClassVar, Dict

from sigbench.suite.adapter import Adapter


class Planted(Adapter):
    name = "planted"
    module = "sigbench_planted"
    distribution = "sigbench-planted"
    install_hint = "a source tree written by sigbench.gate.planted.write_tree"
    description = "the gate self-test's planted regression"
    style = "positional"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    reasons: ClassVar[Dict[str, str]] = {"weak": "holds receivers strongly", "sender": "has no sender filter"}

    def new_signal(self) -> Any:
        import sigbench_planted

        return sigbench_planted.Signal()

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.connect

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.disconnect

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.send, sender, payload)

    def reset(self, signal: Any) -> None:
        signal.receivers.clear()


ADAPTER = Planted
