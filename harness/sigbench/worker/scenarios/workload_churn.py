"""``workload_churn``: receivers that come and go: each connected, sent to, and disconnected."""

from sigbench.worker.scenarios.workloads import workload

SCENARIO = workload("workload_churn", "receivers that come and go", 50, 100, 50, order=21)
