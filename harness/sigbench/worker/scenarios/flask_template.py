"""``flask_template``: a request whose view renders a template."""

from sigbench.worker.scenarios.requests import CYCLE, FLASK_RECEIVERS, RequestScenario, caption

SCENARIO = RequestScenario(
    "flask_template",
    caption(" whose view renders a template (before_render_template, template_rendered)"),
    FLASK_RECEIVERS,
    "request",
    order=16,
    path="/template",
    fired=(*CYCLE, "before_render_template", "template_rendered"),
)
