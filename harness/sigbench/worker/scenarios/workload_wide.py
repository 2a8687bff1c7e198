"""``workload_wide``: a thousand receivers on one signal, and a few sends."""

from sigbench.worker.scenarios.workloads import workload

SCENARIO = workload("workload_wide", "a wide signal", 1000, 10, 0, order=22)
