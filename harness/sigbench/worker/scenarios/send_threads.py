"""``send_threads``: threads sending at once on one signal (free-threaded Python only)."""

from sigbench.worker.scenarios.threads import THREADS, ThreadScenario

SCENARIO = ThreadScenario(
    "send_threads",
    f"{THREADS} threads sending at once on one signal with n receivers connected for any sender: "
    "time per send over all of them (the inverse of their throughput)",
    (10,),
    "send",
    order=7,
    baseline="send",
)
