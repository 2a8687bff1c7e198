"""``send_async``: one awaited send with n ``async def`` receivers connected for any sender, in a
running asyncio event loop."""

from functools import partial
from time import perf_counter
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from sigbench.suite.adapter import Adapter
from sigbench.suite.points import Point
from sigbench.suite.receivers import Sender, make_receivers
from sigbench.worker.scenarios.base import Body, Scenario
from sigbench.worker.scenarios.probe import check_binding

if TYPE_CHECKING:
    from sigbench.worker.measure import Bench


class SendAsync(Scenario):
    def make_signal(self, adapter: Adapter) -> Any:
        return adapter.async_signal()

    def body(self, bench: "Bench") -> Body:
        """An event loop of its own, and the point's async receivers on a signal; ``emit`` runs
        one awaited send in the loop (the timed body awaits many in one coroutine)."""
        adapter = bench.adapter
        callables, bench.owners = make_receivers(
            adapter.style, bench.point.kind or "function", bench.point.receivers, asynchronous=True
        )
        bench.handles = [adapter.wrap(receiver) for receiver in callables]
        signal = self.make_signal(adapter)
        bench.on_close(partial(adapter.reset, signal))
        connect = adapter.connector(signal, weak=bench.weak)
        for handle in bench.handles:
            connect(handle)
        import asyncio  # loaded by the worker when its library can (``worker.loop``)

        loop = asyncio.new_event_loop()
        bench.kept.append(loop)
        bench.on_close(loop.close)
        send = adapter.async_emitter(signal, Sender("sender"), object())
        bench.emit = lambda: loop.run_until_complete(send())
        return lambda loops: bench.meter(lambda: loop.run_until_complete(_awaited(send, loops)))

    def check(self, adapter: Adapter, point: Point) -> None:
        check_binding(adapter, point, self.make_signal(adapter), "any", asynchronous=True)


async def _awaited(send: Callable[[], Awaitable[Any]], loops: int) -> float:
    """Seconds for ``loops`` awaited sends, in one coroutine."""
    iterations = range(loops)
    start = perf_counter()
    for _ in iterations:
        await send()
    return perf_counter() - start


SCENARIO = SendAsync(
    "send_async",
    "one awaited send with n async def receivers connected for any sender (in a running asyncio event loop)",
    (0, 1, 10, 100),
    "send",
    order=6,
    signal="send",
    needs=("async",),
    baseline="send",
)
