"""``flask_flash``: a request whose view flashes a message."""

from sigbench.worker.scenarios.requests import CYCLE, FLASK_RECEIVERS, RequestScenario, caption

SCENARIO = RequestScenario(
    "flask_flash",
    caption(" whose view calls flash() (message_flashed)"),
    FLASK_RECEIVERS,
    "request",
    order=17,
    path="/flash",
    fired=(*CYCLE, "message_flashed"),
)
