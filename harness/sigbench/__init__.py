"""sigbench: the benchmark and comparison suite for Python signal dispatch (blinker and its peers).

Sub-packages follow the data flow: ``suite`` (what is measured), ``worker`` (runs inside the
measured interpreter, standard library only), ``run`` (orchestration), ``results`` (the file
format), ``analysis`` (statistics), ``gate`` (did a change make it slower?) and ``report``.
"""

__version__ = "0.2.0"
