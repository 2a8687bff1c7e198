"""The sections of the HTML report, one module each; each module's ``sections`` makes its part of the
page (a list of ``common.Section``) from the report's ``common.Inputs``, and ``sigbench.report.page``
puts them in order."""
