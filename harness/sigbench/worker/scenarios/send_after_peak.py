"""``send_after_peak``: a send on a signal that held many more receivers before, as a long-lived
signal does after extensions came and went."""

from dataclasses import replace

from sigbench.suite.points import Point
from sigbench.worker.scenarios.sends import PEAK, SendScenario


class SendAfterPeak(SendScenario):
    def rechecked(self, point: Point) -> Point:
        """Checked again as a plain send, without its peak: connecting the peak's receivers is
        what such a check costs, and delivery is what it verifies."""
        return replace(super().rechecked(point), scenario="send")


SCENARIO = SendAfterPeak(
    "send_after_peak",
    f"one send with n receivers connected for any sender, on a signal that held {PEAK} more "
    "before (connected, then disconnected again), as a long-lived signal does after extensions "
    "came and went",
    (0, 1, 10, 100),
    "send",
    order=14,
    peak=True,
)
