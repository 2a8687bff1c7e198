"""The code that runs inside the measured interpreter: the worker loop, conformance, timing,
memory readings, the instruction meter and the inventory.  Standard library and
``sigbench.suite`` only, so it runs on every interpreter in the matrix and measures nothing of ours."""
