"""``send``: one send with n receivers connected for any sender."""

from sigbench.worker.scenarios.sends import SendScenario

SCENARIO = SendScenario(
    "send",
    "one send with n receivers connected for any sender",
    (0, 1, 10, 100, 1000),
    "send",
    order=3,
)
