"""Notices shown on the page a response renders itself, never flashed.

A flash message travels to the next page inside the session cookie, which is signed, not
encrypted: a notice holding a secret (a set-password link, a client's invitation link) would sit
in the browser's cookie store. Such a notice is shown by the response to the POST that made it.
"""

from __future__ import annotations

from flask import g


def show_on_this_page(message: str, category: str, page: str | None = None) -> None:
    """Show ``message`` on the page this request renders (``base.html``, beside the flashes).

    ``page`` is the address of that page when the request's own cannot be opened again (a
    POST-only address): the language switch then leads there instead.
    """
    g.setdefault("notices", []).append((category, message))
    if page is not None:
        g.page_address = page


def notices() -> list[tuple[str, str]]:
    return g.get("notices", [])
