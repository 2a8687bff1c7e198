"""The results file format: writing and reading sigbench files (pyperf suites with a ``sigbench``
section), their schema, readers of pyperf and pytest-benchmark files, and the tidy table."""
