"""``sigbench gate``: both sides measured in one job (paired rounds or instruction counts), judged,
and the gate's self-test on a planted library."""
