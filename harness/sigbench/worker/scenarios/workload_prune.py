"""``workload_prune``: a few hundred receivers, sends, then a third of them disconnected."""

from sigbench.worker.scenarios.workloads import workload

SCENARIO = workload("workload_prune", "a signal pruned after use", 300, 30, 100, order=23)
