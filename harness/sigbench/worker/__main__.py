"""``python -m sigbench.worker``: one worker process (see ``sigbench.worker.loop``)."""

from sigbench.worker.loop import main

main()
