"""``churn_threads``: threads at once on one signal, each sending, connecting and disconnecting
(free-threaded Python only)."""

from sigbench.worker.scenarios.threads import THREADS, ThreadScenario

SCENARIO = ThreadScenario(
    "churn_threads",
    f"{THREADS} threads at once on one signal with n receivers, each sending, then connecting and "
    "disconnecting a receiver of its own, over and over: time per round of the three over all "
    "threads",
    (10,),
    "send, connect and disconnect",
    order=8,
    churn=True,
)
