"""What is measured: the scenario matrix, receivers, the adapter protocol and one adapter per
library.  Definitions only, no timing code; standard library only, like ``sigbench.worker``."""
