"""flask.signals: Flask's blinker NamedSignals; sends are timed on Flask's own ``request_started``.

Flask's signals are blinker signals, so connect, disconnect and send are blinker's; what differs
is where the signals come from: a ``flask.signals.Namespace`` (as Flask tells extensions to make
theirs) and, for sends, Flask's built-in ``request_started`` object.

The request scenarios (``flask_request``, ...: ``sigbench.worker.scenarios.requests``) time whole
requests through a real Flask app (``make_app``: a view per path they ask for), called as WSGI,
with receivers on every one of Flask's built-in signals.
"""

from __future__ import annotations

import inspect
import io
import weakref
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, FrozenSet, List, Mapping, Tuple

from sigbench.suite.adapters.blinker import Blinker
from sigbench.suite.points import Point

if TYPE_CHECKING:
    # Bound by load() (``global``): the library is imported only when the adapter is used.
    import blinker
    import flask.signals


#: Flask's built-in signals: the request cycle, the app context, templates and flashing.
SIGNALS = (
    "appcontext_pushed",
    "request_started",
    "before_render_template",
    "template_rendered",
    "message_flashed",
    "got_request_exception",
    "request_finished",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_popped",
)


class Flask(Blinker):
    name = "flask"
    module = "flask"
    distribution = "Flask"
    uses: ClassVar[Mapping[str, str]] = {"blinker": "blinker"}
    # Flask's built-in signals live as long as the process, and their dictionaries never shrink:
    # a point that held 1000 receivers would slow every later send.  ``restore`` empties them.
    lasting_state = "restored"
    install_hint = "pip install 'sigbench[flask]'"
    description = "flask.signals NamedSignal (request_started for sends) .connect / send / disconnect"

    #: Flask's built-in signals, once loaded (``reset`` tells them from new ones by them).
    built_in: FrozenSet[Any] = frozenset()

    def load(self) -> None:
        global blinker, flask
        super().load()
        import blinker
        import flask.signals

        self.built_in = frozenset(getattr(flask.signals, name) for name in SIGNALS)

    def new_signal(self) -> Any:
        # A fresh Namespace each time: Namespace.signal returns the existing signal for a known name.
        return flask.signals.Namespace().signal("sigbench")

    def send_signal(self) -> Any:
        signal = flask.signals.request_started
        if signal.receivers:
            raise RuntimeError("flask.signals.request_started already has receivers connected")
        return signal

    request_signals: ClassVar[Tuple[str, ...]] = SIGNALS

    def request(
        self, path: str, receivers: Callable[[str], Any], weak: bool, bound: bool
    ) -> Tuple[Callable[[], Any], Callable[[], None]]:
        app = make_app()
        sender = app if bound else blinker.ANY
        connected: List[Tuple[Any, Callable[[], Any]]] = []
        for name in SIGNALS:
            signal = getattr(flask.signals, name)
            for receiver in receivers(name):
                signal.connect(receiver, sender=sender, weak=weak)
                # Clean-up must not keep weakly connected receivers alive.
                connected.append((signal, _reference(receiver) if weak else partial(_same, receiver)))

        def cleanup() -> None:
            for signal, reference in connected:
                receiver = reference()
                if receiver is not None:
                    signal.disconnect(receiver)  # from every sender: blinker then forgets it entirely

        return wsgi_request(app, path), cleanup

    def fresh_process(self, point: Point, lasting: bool, dying: bool) -> bool:
        """A point with no receivers on Flask's built-in signals needs a worker of its own.
        blinker's connect reads a signal's ``__dict__``, which on CPython 3.11+ keeps its
        attributes in a dictionary from then on, and nothing undoes that: a signal that ever had
        a receiver sends 14% slower with none than one that never had one (with receivers,
        every signal has had one)."""
        return lasting and point.receivers == 0

    def global_containers(self) -> Dict[str, Any]:
        """Every dictionary and set of every one of Flask's built-in signals (blinker keeps its
        receivers and senders in them).  Their names are read off a new signal: reading a signal's
        own ``__dict__`` would give CPython 3.11+ a dictionary of its attributes to keep, and every
        later attribute lookup on it (``self.receivers`` in each send) would be slower."""
        probe = vars(flask.signals.Namespace().signal("sigbench-probe"))
        attributes = [name for name, value in probe.items() if isinstance(value, (dict, set, list))]
        return {
            f"flask.signals.{name}.{attribute}": getattr(getattr(flask.signals, name), attribute)
            for name in SIGNALS
            for attribute in attributes
        }

    def reset(self, signal: Any) -> None:
        """Disconnect every receiver of one of Flask's built-in signals (module globals) from
        every sender.  A signal of a new Namespace is dropped, as blinker's are, and costs no more
        than blinker's no-op: the harness resets every new signal between the timed regions of a
        point, and that untimed work moved Flask's ``send_dying-2`` (a region of two microseconds)
        by 3% against blinker's when it read the ten built-in signals off the module each time."""
        if signal not in self.built_in:
            return
        for receiver in list(signal.receivers.values()):
            if isinstance(receiver, weakref.ref):
                receiver = receiver()
            if receiver is not None:
                signal.disconnect(receiver)
        if signal.receivers:
            raise RuntimeError(f"{signal!r} still has receivers after reset")


def _reference(receiver: Any) -> Callable[[], Any]:
    return weakref.WeakMethod(receiver) if inspect.ismethod(receiver) else weakref.ref(receiver)


def _same(receiver: Any) -> Any:
    return receiver


def make_app() -> Any:
    """A small Flask app with one view per request scenario."""
    import jinja2

    app = flask.Flask("sigbench")
    app.secret_key = "sigbench"  # flash() keeps messages in the signed session cookie
    app.jinja_loader = jinja2.DictLoader({"page.html": "{{ greeting }}, {{ name }}"})  # compiled once

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/template")
    def template() -> str:
        return flask.render_template("page.html", greeting="hello", name="sigbench")

    @app.route("/flash")
    def flash() -> str:
        flask.flash("flashed")
        return "ok"

    @app.route("/error")
    def error() -> str:
        raise RuntimeError("sigbench: a failing view")

    app.logger.disabled = True  # the 500s are the point, not log lines
    return app


def wsgi_request(app: Any, path: str) -> Callable[[], Tuple[int, bytes]]:
    """One GET of ``path``, calling the app as a WSGI server would (status and body)."""
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses: List[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    def call() -> Tuple[int, bytes]:
        statuses.clear()
        response = app(dict(environ), start_response)
        try:
            body = b"".join(response)
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()
        return int(statuses[-1].split(" ", 1)[0]), body

    return call


ADAPTER = Flask
