"""Parts of the results page drawn once per submitted result and language.

A submitted assessment's findings and roadmap never change (a change to it would be a new
revision), so the page draws them once and keeps the HTML, keyed by the assessment's link hash,
its revision and the language; the chart and the scores table are keyed by the figures they
draw. What does change between views (consents, programmes, flash messages) is drawn each time.
The kept HTML holds no link, and is reached only through its own assessment's link.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from ..remembered import Remembered

_DRAWN: Remembered[Markup] = Remembered(128)  # tens of KB each


def drawn_once(key: tuple, draw: Callable[[], str]) -> Markup:
    """The HTML ``draw`` gives for ``key``, drawn the first time it is asked for."""
    return _DRAWN.get(key, lambda: Markup(draw()))  # noqa: S704 - a template rendered by Jinja
