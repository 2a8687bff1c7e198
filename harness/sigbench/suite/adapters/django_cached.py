"""django.dispatch.Signal(use_caching=True): receivers per sender cached between sends."""

from __future__ import annotations

from sigbench.suite.adapters.django import Django


class DjangoCached(Django):
    name = "django_cached"
    description = "django.dispatch.Signal(use_caching=True).connect / send / disconnect"
    use_caching = True


ADAPTER = DjangoCached
