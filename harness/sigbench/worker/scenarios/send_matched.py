"""``send_matched``: one send from the sender all n receivers are bound to."""

from sigbench.worker.scenarios.sends import SendScenario

SCENARIO = SendScenario(
    "send_matched",
    "one send from the sender all n receivers are bound to",
    (1, 10, 100, 1000),
    "send",
    order=4,
    needs=("sender", "sync"),
    binding="matched",
    baseline_note="baseline's plain send to as many receivers (a list cannot filter by sender)",
)
