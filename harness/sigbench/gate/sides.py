"""The two sides of a gate and the balanced order they take turns in."""

from __future__ import annotations

import random
from typing import List, Literal, Tuple

Side = Literal["baseline", "candidate"]
SIDES: Tuple[Side, Side] = ("baseline", "candidate")


def balanced_order(turns: int, rng: random.Random) -> List[bool]:
    """For each turn, whether the baseline goes first: half the turns each way, in a random
    order, so whatever going first or second does cannot favour one side."""
    order = [True] * (turns // 2) + [False] * (turns - turns // 2)
    rng.shuffle(order)
    return order
