"""``python -m harness`` is the ``sigbench`` command."""

import sys

from harness.cli import main

sys.exit(main())
