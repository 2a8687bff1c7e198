"""``workload_startup``: a few receivers connected at start-up, then many sends."""

from sigbench.worker.scenarios.workloads import workload

SCENARIO = workload("workload_startup", "receivers connected once at start-up", 10, 1000, 0, order=20)
