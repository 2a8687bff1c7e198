"""A plain list of callables called in a loop: the floor every ratio is taken against."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, ClassVar, List, Mapping

from sigbench.suite.adapter import Adapter


class Baseline(Adapter):
    name = "baseline"
    description = "plain list of callables, called in a for loop"
    style = "positional"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    async_send = True
    reasons: ClassVar[Mapping[str, str]] = {
        "weak": "a plain list holds its callables strongly",
        "sender": "a plain list has no notion of a sender",
    }

    def new_signal(self) -> List[Callable[..., Any]]:
        return []

    def connector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.append

    def disconnector(self, signal: List[Any], *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.remove

    def emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Any]:
        def send() -> None:
            for receiver in signal:
                receiver(sender, payload)

        return send

    def async_emitter(self, signal: List[Any], sender: Any, payload: Any) -> Callable[[], Awaitable[Any]]:
        async def send() -> None:
            for receiver in signal:
                await receiver(sender, payload)

        return send


ADAPTER = Baseline
