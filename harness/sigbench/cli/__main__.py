"""``python -m sigbench.cli`` is the ``sigbench`` command, as ``python -m sigbench`` is."""

import sys

from sigbench.cli import main

sys.exit(main())
