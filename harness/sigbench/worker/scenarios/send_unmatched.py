"""``send_unmatched``: one send from a sender none of the n receivers is bound to."""

from sigbench.worker.scenarios.sends import SendScenario

SCENARIO = SendScenario(
    "send_unmatched",
    "one send from a sender none of the n receivers is bound to (each is bound to another)",
    (1, 10, 100, 1000),
    "send",
    order=5,
    needs=("sender", "sync"),
    binding="unmatched",
    baseline_note="baseline's plain send to as many receivers (a list cannot filter by sender), "
    "so a library that skips unmatched receivers can beat it",
)
