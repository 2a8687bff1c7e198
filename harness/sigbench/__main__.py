"""``python -m sigbench`` is the ``sigbench`` command."""

import sys

from sigbench.cli import main

sys.exit(main())
