"""pluggy.PluginManager: one hook, ``on_signal(sender, payload)``; each receiver is a plugin.

"Connect" registers a plugin, "disconnect" unregisters it and "send" calls the hook.
:meth:`Pluggy.wrap` turns a receiver into a plugin whose ``on_signal`` is the receiver itself.
Bound methods cannot carry pluggy's hookimpl marker, so the manager overrides
``parse_hookimpl_opts`` (pluggy's documented extension point) to accept that attribute of a
sigbench plugin as a hook implementation with default options.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Mapping, Optional, Type

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported, and the classes made from it
    # defined, only when the adapter is used.
    import pluggy

    _Manager: Type[pluggy.PluginManager]
    _Spec: type

PROJECT = "sigbench"
HOOK = "on_signal"


class _Plugin:
    """A plugin object holding one receiver; distinct receivers give distinct plugins."""

    __slots__ = (HOOK,)

    def __init__(self, receiver: Callable[..., Any]) -> None:
        self.on_signal = receiver


def _impl_opts() -> Dict[str, Any]:
    # Fresh each time: pluggy normalises (mutates) and keeps the options it is given.
    return {
        "wrapper": False,
        "hookwrapper": False,
        "optionalhook": False,
        "tryfirst": False,
        "trylast": False,
        "specname": None,
    }


class Pluggy(Adapter):
    name = "pluggy"
    module = "pluggy"
    distribution = "pluggy"
    install_hint = "pip install 'sigbench[pluggy]'"
    description = "pluggy.PluginManager: register / unregister a plugin, call pm.hook.on_signal"
    style = "positional"
    combos = frozenset({("strong", "function"), ("strong", "method")})
    sender_filter = False
    reasons: ClassVar[Mapping[str, str]] = {
        "weak": "a pluggy PluginManager holds its registered plugins strongly",
        "sender": "a pluggy hook has no notion of a sender to bind implementations to",
    }

    def load(self) -> None:
        global pluggy, _Manager, _Spec
        import pluggy

        hookspec = pluggy.HookspecMarker(PROJECT)

        class _Spec:
            @hookspec
            def on_signal(self, sender: Any, payload: Any) -> None:
                """A signal was sent by ``sender`` with ``payload``."""

        class _Manager(pluggy.PluginManager):
            def parse_hookimpl_opts(self, plugin: Any, name: str) -> Optional[Any]:
                if name == HOOK and type(plugin) is _Plugin:
                    return _impl_opts()
                return super().parse_hookimpl_opts(plugin, name)

    def new_signal(self) -> Any:
        manager = _Manager(PROJECT)
        manager.add_hookspecs(_Spec)
        return manager

    def wrap(self, receiver: Callable[..., Any]) -> Any:
        return _Plugin(receiver)

    def connector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.register

    def disconnector(self, signal: Any, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return signal.unregister

    def emitter(self, signal: Any, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(signal.hook.on_signal, sender=sender, payload=payload)


ADAPTER = Pluggy
