"""What sigbench measures: the scenario matrix, receivers and one adapter per library."""
