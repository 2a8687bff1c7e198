"""A memory layout of its own for every worker process.

What a worker imported decides where the objects a point makes land in memory, and at the points
where receivers die that moved a figure by 2 to 4%, the same in every process of one
implementation (blinker's ``collect-100`` ran 3% slower than Flask's, the same code, in workers
that had not imported Flask), so no number of processes averaged it away.  So each worker, once
after its import, lays down a random number of small objects in every size class of CPython's
small-object allocator and keeps them: what a point makes then starts at other offsets in every
process, a point's processes sample many layouts, and its median is theirs, not one layout's.
Objects over 512 bytes come from ``malloc``, mostly out of chunks freed before, at the same offsets
in every process: a block of random size did not move them, and they are left as they are.

Standard library only (``os``, drawing from ``os.urandom``): this runs in the measured interpreter.
"""

from __future__ import annotations

import os
from typing import List

#: Payloads of the ``bytes`` laid down: a ``bytes`` of n takes 33 + n bytes, so these land in the
#: allocator's size classes from 48 to 512 bytes, one each; ``object()`` and ``float`` take the
#: classes of 16 and 32.
PAYLOADS = range(1, 480, 16)

#: What the worker laid down, kept as long as it lives.
KEPT: List[object] = []


def scatter() -> None:
    """Lay down this process's random objects, 0 to 255 in each size class, and keep them in
    ``KEPT``."""
    counts = os.urandom(len(PAYLOADS) + 2)
    KEPT.extend(object() for _ in range(counts[0]))
    KEPT.extend(float(number) for number in range(counts[1]))
    for payload, count in zip(PAYLOADS, counts[2:]):
        KEPT.extend(bytes(payload) for _ in range(count))
