"""The URL fetcher lets a report read data: URLs and the app's own static files, nothing else.

These render raw HTML in this process, as if a template had let markup through: a second line of
defence behind autoescaping (test_safety.py covers user text through the whole pipeline).
"""

from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from reports.fetcher import STATIC_ROOTS, BlockedURL, StaticOnlyFetcher
from reports.render import PdfRenderer

# A 1x1 PNG: an image the default fetcher would embed from anywhere.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="module")
def renderer():
    return PdfRenderer()


@pytest.fixture
def outside(tmp_path):
    """A secret text file and an image outside the allowed roots."""
    (tmp_path / "secret.txt").write_text("TOP-SECRET-1234")
    (tmp_path / "pixel.png").write_bytes(PNG)
    return tmp_path


def attachments(pdf: bytes) -> dict:
    return PdfReader(io.BytesIO(pdf)).attachments


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_data_urls_and_static_files_are_allowed(tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG)
    fetcher = StaticOnlyFetcher(roots=(tmp_path,))
    assert fetcher.fetch("data:text/plain;base64,b2s=").read() == b"ok"
    response = fetcher.fetch((tmp_path / "logo.png").as_uri())
    assert response.read() == PNG and response.content_type == "image/png"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:5000/",
        "https://169.254.169.254/latest/meta-data/",
        "ftp://example.com/x",
        "file://evil.example/etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
    ],
)
def test_everything_else_is_blocked(url):
    with pytest.raises(BlockedURL):
        StaticOnlyFetcher().fetch(url)


def test_no_escape_from_the_roots(tmp_path, outside):
    root = tmp_path / "static"
    root.mkdir()
    (root / "link.txt").symlink_to(outside / "secret.txt")
    fetcher = StaticOnlyFetcher(roots=(root,))
    for url in [
        root.as_uri() + "/../secret.txt",
        (root / "link.txt").as_uri(),
        root.as_uri() + "/",  # a directory, not a file
    ]:
        with pytest.raises(BlockedURL):
            fetcher.fetch(url)


def test_static_roots_are_the_apps_own():
    assert [p.name for p in STATIC_ROOTS] == ["static", "static"]
    assert {p.parent.name for p in STATIC_ROOTS} == {"reports", "assess"}


def hostile_html(outside) -> str:
    secret, pixel = (outside / "secret.txt").as_uri(), (outside / "pixel.png").as_uri()
    return f"""<html><head>
      <link rel="attachment" href="{secret}" title="secret">
      <link rel="stylesheet" href="{secret}">
      <style>@import url("{secret}"); p {{ background: url("{pixel}") }}</style>
    </head><body>
      <p>text</p>
      <img src="{pixel}"><img src="file:///etc/passwd"><object data="{pixel}"></object>
      <a rel="attachment" href="{secret}">attached</a>
      <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
           width="10" height="10"><image href="{pixel}" width="10" height="10"/>
           <image xlink:href="{pixel}" width="10" height="10"/></svg>
    </body></html>"""


def test_hostile_markup_reaches_nothing(renderer, outside):
    html = hostile_html(outside)
    # The control: WeasyPrint's own fetcher does embed these files.
    unsafe = HTML(string=html).write_pdf()
    assert attachments(unsafe) and image_count(unsafe) > 0
    safe = renderer.html_to_pdf(html)
    assert attachments(safe) == {}
    assert image_count(safe) == 0
    assert b"TOP-SECRET" not in safe and b"/EmbeddedFile" not in safe
