"""Orchestration on the host: worker processes, the runner, environments (``--env`` and gate
sides), runs over several environments, shards, the version guard and callgrind set-up."""
