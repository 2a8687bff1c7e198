"""blinker again, under a second name: the A/A twin (``scenarios.TWINS``).

It runs exactly blinker's code in workers of its own, so its figures must agree with blinker's;
where they do not, the harness treats two names differently (the order they run in, the state a
worker carries), and no figure of the run can be trusted at that resolution.
"""

from __future__ import annotations

from sigbench.suite.adapters.blinker import Blinker


class BlinkerTwin(Blinker):
    name = "blinker_twin"
    description = "blinker.Signal again, under a second name: an A/A twin that must measure as blinker does"


ADAPTER = BlinkerTwin
