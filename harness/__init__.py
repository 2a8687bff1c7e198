"""How sigbench measures, stores, judges and shows: one concern per module.

Worker-side modules (adapter, conformance, measure, worker) use the standard library only.
"""
