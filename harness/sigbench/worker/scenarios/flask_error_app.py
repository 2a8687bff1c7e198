"""``flask_error_app``: a failing request, the receivers connected for this app only."""

from sigbench.worker.scenarios.requests import CYCLE, FLASK_RECEIVERS, RequestScenario, caption

SCENARIO = RequestScenario(
    "flask_error_app",
    caption(
        " whose view raises, the receivers connected for this app only, as in "
        "got_request_exception.connect(log_exception, app)"
    ),
    FLASK_RECEIVERS,
    "request",
    order=19,
    path="/error",
    status=500,
    fired=(*CYCLE, "got_request_exception"),
    bound=True,
)
