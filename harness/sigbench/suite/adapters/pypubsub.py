"""PyPubSub: ``pub.subscribe`` / ``pub.sendMessage`` / ``pub.unsubscribe`` on the default publisher.

A signal is a topic of pypubsub's one global topic tree, under a new unique name, made with a
message data specification (MDS) of ``sender`` and ``payload`` (from a prototype listener). pypubsub
calls listeners with the message data as keyword arguments, ``listener(sender=..., payload=...)``,
so receivers are of the ``positional`` style, ``r(sender, payload)``: their parameters are the
topic's message data. pypubsub holds every listener by weak reference (``pubsub/core/listener.py``,
``Listener.__init__``: ``getWeakRef``, a ``WeakMethod`` for bound methods), with no option to hold
one strongly.

The topic tree is module-global. ``reset`` deletes a signal's topic (``TopicManager.delTopic``);
``restore`` also puts back what deleting does not: the topic map and the root's subtopics shrunk
to their size at load, and the root's list of child message specs, which in pypubsub 4.0.7 keeps
every topic ever made (``ArgsInfo.childrenAI``, never pruned by ``delTopic``); with assertions on
(Python without ``-O``) making a topic scans that list (``assert childAI not in self.childrenAI``).
"""

from __future__ import annotations

from functools import partial
from itertools import count
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Iterator, List, Mapping, Set

from sigbench.suite.adapter import Adapter

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    from pubsub import pub


def _prototype(sender: Any, payload: Any) -> None:
    """The listener signature a signal's topic is made from: its message data."""


class PyPubSub(Adapter):
    name = "pypubsub"
    module = "pubsub.pub"
    distribution = "Pypubsub"
    install_hint = "pip install 'sigbench[pypubsub]'"
    description = (
        "pubsub.pub.subscribe / sendMessage / unsubscribe on a new topic of the global topic tree "
        "(message data sender and payload)"
    )
    style = "positional"
    combos = frozenset({("weak", "function"), ("weak", "method")})
    sender_filter = False
    # Making a topic is a real operation, but in pypubsub 4.0.7 each one made is remembered by its
    # parent's message spec for good (``ArgsInfo.childrenAI``) and, with assertions on, the next is
    # checked against all of them: a timed loop of creates would get slower with every create.
    can_create = False
    # The default publisher's topic tree and its root's bookkeeping (``global_containers``).
    lasting_state = "restored"
    reasons: ClassVar[Mapping[str, str]] = {
        "strong": "pypubsub holds every listener by weak reference (a weakref, or a WeakMethod for a "
        "bound method); subscribe has no option to hold one strongly",
        "sender": "pypubsub filters by topic, not by sender: a listener subscribes to a topic (and "
        "hears its subtopics); the sender is only message data",
        "create": "in pypubsub 4.0.7 making a topic is O(topics made before): the root's message spec "
        "keeps every topic ever made in a list (ArgsInfo.childrenAI, not pruned by delTopic) that "
        "each new topic is checked against (an assert, so without -O), and a timed loop of creates "
        "slows with every create",
        "async": "sendMessage calls listeners and drops what they return; there is no awaited send",
    }

    #: New topic names, one per signal.
    _names: Iterator[str]
    #: What each global container held when first loaded, and the topics that existed then.
    _at_load: Dict[str, List[Any]]
    _topics_at_load: Set[str]

    def load(self) -> None:
        global pub
        from pubsub import pub

        if hasattr(self, "_at_load"):  # loaded before in this process: keep the first state
            return
        self._names = (f"sigbench{number}" for number in count())
        self._at_load = {
            name: list(container.items()) if isinstance(container, dict) else list(container)
            for name, container in self.global_containers().items()
        }
        self._topics_at_load = set(pub.getDefaultTopicMgr()._topicsMap)

    def global_containers(self) -> Dict[str, Any]:
        """The topic map, and the root topic's subtopics and list of child message specs."""
        manager = pub.getDefaultTopicMgr()
        # Any: these are pypubsub's internals, which its type hints do not declare.
        root: Any = manager.getRootAllTopics()
        return {
            "TopicManager._topicsMap": manager._topicsMap,
            "root Topic.__subTopics": root._Topic__subTopics,
            "root ArgsInfo.childrenAI": root._getListenerSpec().childrenAI,
        }

    def restore(self) -> None:
        """Delete every topic made since load, then refill the containers with what they held at
        load (emptied first, which gives a dict or list the table of a new one)."""
        manager = pub.getDefaultTopicMgr()
        for name in [name for name in manager._topicsMap if name not in self._topics_at_load]:
            manager.delTopic(name)
        for name, container in self.global_containers().items():
            container.clear()
            if isinstance(container, dict):
                for key, value in self._at_load[name]:
                    container[key] = value
            else:
                for item in self._at_load[name]:
                    container.append(item)

    def new_signal(self) -> str:
        name = next(self._names)
        pub.getDefaultTopicMgr().getOrCreateTopic(name, _prototype)
        return name

    def connector(self, signal: str, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(pub.subscribe, topicName=signal)

    def disconnector(self, signal: str, *, weak: bool, sender: Any = None) -> Callable[[Any], Any]:
        return partial(pub.unsubscribe, topicName=signal)

    def emitter(self, signal: str, sender: Any, payload: Any) -> Callable[[], Any]:
        return partial(pub.sendMessage, signal, sender=sender, payload=payload)

    def reset(self, signal: str) -> None:
        # Unsubscribes its listeners and removes the topic from the tree.
        pub.getDefaultTopicMgr().delTopic(signal)


ADAPTER = PyPubSub
