"""The only way a report reaches outside itself: ``data:`` URLs and the app's own static files."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

PACKAGE_DIR = Path(__file__).resolve().parent
# Static files of the report and of the web app; the report reads them from disk, never over HTTP.
STATIC_ROOTS = (PACKAGE_DIR / "static", PACKAGE_DIR.parent / "assess" / "static")


class BlockedURL(ValueError):
    """A URL the report may not fetch; WeasyPrint logs it and leaves the resource out."""


class StaticOnlyFetcher(URLFetcher):
    """Allow ``data:`` URLs and regular files under ``roots``; refuse everything else.

    No network (so no internal addresses), no redirects, no ``file:`` outside the roots, also not
    through ``..`` or a symbolic link: paths are resolved before they are compared.
    """

    def __init__(self, roots: tuple[Path, ...] = STATIC_ROOTS):
        super().__init__(timeout=2, allowed_protocols=("data", "file"), allow_redirects=False)
        self._roots = tuple(Path(root).resolve() for root in roots)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._allowed_path(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, path.read_bytes(), headers={"Content-Type": content_type}
                )
        raise BlockedURL(f"blocked URL: {url[:100]}")

    def _allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve()
        inside = any(path.is_relative_to(root) for root in self._roots)
        return path if inside and path.is_file() else None
