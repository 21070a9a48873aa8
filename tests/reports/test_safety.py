"""User text cannot reach outside the report, and a hostile or huge report fails cleanly."""

from __future__ import annotations

import base64
import copy
import io
import struct
import zlib

import pytest
from pypdf import PdfReader

from reports import RenderError, RenderWorker, render_pdf
from reports.render import MAX_LOGO_CHARS
from reports.sandbox import MAX_REPORT_BYTES

from .conftest import pdf_text, squash
from .test_fetcher import PNG

PAYLOADS = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/passwd">',
    "<style>@import url(file:///etc/passwd);</style>",
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
    "{{7*7}} {% raw %}",
]
HOSTILE = " ".join(PAYLOADS)


@pytest.fixture(scope="module")
def hostile_pdf(make_report):
    """Every place a user can type text, filled with markup and template syntax."""
    logo = "data:image/png;base64," + base64.b64encode(PNG).decode()
    report = make_report("ko", issuer={"name": HOSTILE, "logo_data_uri": logo})
    report["firm"]["name"] = HOSTILE
    report["answers"][0]["rows"][0]["answer"] = HOSTILE  # a free-text answer
    report["dimensions"][0]["note"] = HOSTILE  # a consultant's note
    return render_pdf(report)


def test_user_text_is_printed_literally(hostile_pdf):
    text = squash(pdf_text(hostile_pdf))
    assert text.count(squash(HOSTILE)) >= 4  # cover (twice), answer, note
    assert "{{7*7}}" in text and "49" not in text.split(squash("{{7*7}}"))[1][:5]


def test_user_text_reaches_no_file(hostile_pdf):
    reader = PdfReader(io.BytesIO(hostile_pdf))
    assert reader.attachments == {}
    # pages share one resource dictionary, so every page lists the same images
    images = {image.name: image for page in reader.pages for image in page.images}
    assert [image.image.size for image in images.values()] == [(1, 1)]  # the logo only
    assert b"/EmbeddedFile" not in hostile_pdf
    assert "root:" not in pdf_text(hostile_pdf)


def test_a_slow_render_times_out_and_the_next_one_works(make_report, small_report):
    worker = RenderWorker(timeout=0.05)
    try:
        with pytest.raises(RenderError, match="longer than 0.05 s"):
            worker.render(make_report("en"))
        assert worker.render(small_report, timeout=30).startswith(b"%PDF-")
    finally:
        worker.close()


def bomb_png(side: int) -> bytes:
    """A PNG of side x side black pixels: a few hundred KB that decode to side² x 3 bytes."""
    row = bytes(1 + side * 3)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack("!I", len(body)) + kind + body + struct.pack("!I", zlib.crc32(kind + body))
        )

    header = struct.pack("!IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_render_over_the_memory_cap_fails_and_the_next_one_works(small_report):
    logo = "data:image/png;base64," + base64.b64encode(bomb_png(8000)).decode()
    assert len(logo) < MAX_LOGO_CHARS  # small enough to be drawn: 190 MB once decoded
    bomb = {**small_report, "issuer": {"name": "Bomb & Co", "logo_data_uri": logo}}
    worker = RenderWorker(memory_mb=450, timeout=30)
    try:
        with pytest.raises(RenderError, match="memory"):
            worker.render(bomb)
        assert worker.render(small_report).startswith(b"%PDF-")
    finally:
        worker.close()


def test_a_huge_report_is_refused_before_rendering(make_report):
    report = copy.deepcopy(make_report("ko"))
    report["answers"][0]["rows"] = [
        {"question": f"{i} " + "질문" * 100, "answer": "답"} for i in range(MAX_REPORT_BYTES // 300)
    ]
    worker = RenderWorker()
    with pytest.raises(RenderError, match="too large"):
        worker.render(report)
    assert worker._process is None  # no worker was even started


def test_a_broken_report_is_a_render_error(small_report):
    broken = {key: value for key, value in small_report.items() if key != "dimensions"}
    with pytest.raises(RenderError, match="dimensions"):
        render_pdf(broken)
    assert render_pdf(small_report).startswith(b"%PDF-")
