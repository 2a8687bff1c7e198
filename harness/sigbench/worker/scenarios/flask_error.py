"""``flask_error``: a request whose view raises, answered 500."""

from sigbench.worker.scenarios.requests import CYCLE, FLASK_RECEIVERS, RequestScenario, caption

SCENARIO = RequestScenario(
    "flask_error",
    caption(" whose view raises, answered 500 (got_request_exception)"),
    FLASK_RECEIVERS,
    "request",
    order=18,
    path="/error",
    status=500,
    fired=(*CYCLE, "got_request_exception"),
)
