"""Statistics on raw values: bootstrap intervals, paired tests, false discovery control, scaling
fits; per-point analysis, the history view and ``sigbench compare``."""
