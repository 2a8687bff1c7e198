"""``flask_request``: a request to a real Flask app whose view answers plainly."""

from sigbench.worker.scenarios.requests import FLASK_RECEIVERS, RequestScenario, caption

SCENARIO = RequestScenario("flask_request", caption(": a plain view"), FLASK_RECEIVERS, "request", order=15)
