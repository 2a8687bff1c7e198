"""python-dispatch: a ``Dispatcher`` subclass with one event; ``bind`` / ``emit`` / ``unbind``.

A signal is a new instance of a ``Dispatcher`` subclass declaring ``_events_ = ["fired"]``;
``emit("fired", sender, payload)`` calls the listeners with those positional arguments.  Every
callback is held weakly (``pydispatch/utils.py``, ``WeakMethodContainer``, a
``WeakValueDictionary``): a plain function by a weak reference to it, a bound method by a weak
reference to its instance (the method is looked up by name at each emit); ``bind`` has no strong
option.  ``bind`` takes the event name as a keyword (``bind(fired=callback)``), so connecting goes
through one small function of ours; ``unbind`` and ``emit`` are the library's own methods.

python-dispatch's import package is ``pydispatch``, as PyDispatcher's is, and each installs its
own ``pydispatch/__init__.py``: the one installed last wins.  PyDispatcher's has no ``Dispatcher``,
so this adapter imports ``pydispatch.dispatch``, python-dispatch's own module, which imports
whichever ``__init__`` is there.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, List, Mapping, Type

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the class is defined, and the library imported, only when the
    # adapter is used.
    from pydispatch.dispatch import Dispatcher

    _Emitter: Type[Dispatcher]

#: The one event every signal has.
EVENT = "fired"


class PythonDispatch(Adapter):
    name = "python_dispatch"
    module = "pydispatch.dispatch"
    distribution = "python-dispatch"
    install_hint = "pip install 'sigbench[python-dispatch]'"
    description = "a pydispatch.dispatch.Dispatcher subclass with _events_ = ['fired']: bind / emit / unbind"
    style = "positional"
    combos = frozenset({("weak", "function"), ("weak", "method")})
    sender_filter = False
    reasons: ClassVar[Mapping[str, str]] = {
        "strong": "python-dispatch holds every callback weakly (a WeakValueDictionary of functions, "
        "and of bound methods' instances); bind has no strong option",
        "sender": "a python-dispatch listener binds to one Dispatcher instance's event, which is the "
        "signal itself; emit passes its arguments to every listener, with no sender to filter by",
        "async": "coroutine callbacks are bound with an event loop (bind_async) and emit hands each to "
        "asyncio.run_coroutine_threadsafe and returns at once: no send awaits them",
    }

    def load(self) -> None:
        global _Emitter
        from pydispatch.dispatch import Dispatcher

        class _Emitter(Dispatcher):
            _events_: ClassVar[List[str]] = [EVENT]

    def new_signal(self) -> Any:
        return _Emitter()

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        bind = signal.bind

        def connect(callback: Any) -> None:
            bind(fired=callback)  # fired: EVENT

        return connect

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.unbind

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.emit, EVENT, sender, payload)


ADAPTER = PythonDispatch
