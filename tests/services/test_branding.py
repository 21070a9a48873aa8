"""The branding service: which files become a logo and how, which colours are accepted, and the
issuer the PDF renderer gets."""

from __future__ import annotations

import base64
import io
import random
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from assess.extensions import db
from assess.models import AuditEvent
from assess.services import accounts, branding
from assess.services.branding import BrandingError


def png_bytes(size=(320, 120), mode="RGB", colour=(31, 111, 139), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG", **save)
    return out.getvalue()


def jpeg_bytes(size=(320, 120), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 30, 60)).save(out, "JPEG", **save)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def declared_png(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares ``width`` × ``height`` pixels (a decompression
    bomb's shape: a few hundred bytes that would take gigabytes to decode)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + png_chunk(b"IEND", b""))  # fmt: skip


def chunk_types(png: bytes) -> list[bytes]:
    """The chunk types of a PNG file, in order."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    types, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        types.append(png[at + 4 : at + 8])
        at += 12 + length
    return types


def with_metadata_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone@example.org")
    info.add_text("Comment", "secret internal note")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    return png_bytes(size=(1200, 400), pnginfo=info, exif=exif.tobytes(), dpi=(300, 300))


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 0.0)}  # GPS IFD: latitude
    return jpeg_bytes(size=(800, 300), exif=exif.tobytes())


def test_png_is_decoded_and_re_encoded_without_metadata():
    upload = with_metadata_png()
    assert {b"tEXt", b"eXIf", b"pHYs"} <= set(chunk_types(upload))
    stored = branding.clean_logo(upload)
    assert stored != upload
    assert set(chunk_types(stored)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG"
    assert image.size == (600, 200)  # fitted into 600 × 300, proportions kept
    assert "exif" not in image.info and not image.text


def test_jpeg_becomes_a_png_without_its_exif():
    upload = jpeg_with_gps()
    assert b"CameraMaker" in upload
    stored = branding.clean_logo(upload)
    assert stored.startswith(b"\x89PNG")
    assert b"CameraMaker" not in stored
    assert set(chunk_types(stored)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def test_transparency_is_kept():
    stored = branding.clean_logo(png_bytes(mode="RGBA", colour=(10, 20, 30, 0)))
    assert Image.open(io.BytesIO(stored)).mode == "RGBA"


def test_a_logo_that_will_not_compress_is_made_small_enough_for_the_pdf():
    noise = Image.frombytes("RGB", (600, 300), random.Random(7).randbytes(600 * 300 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert branding.MAX_STORED_BYTES < out.tell() <= branding.MAX_LOGO_BYTES
    stored = branding.clean_logo(out.getvalue())
    assert len(stored) <= branding.MAX_STORED_BYTES


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "Choose a logo file"),
        (b"just some text, not a picture\n", "not a PNG or JPEG image"),
        (SVG, "SVG format"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG format"),
        (b"GIF89a" + b"\0" * 64, "GIF format"),
        (b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 64, "WebP format"),
        (b"%PDF-1.7\n", "PDF format"),
        (png_bytes()[:200], "damaged or incomplete"),
        (jpeg_bytes()[:300], "damaged or incomplete"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "damaged or incomplete"),
        (declared_png(100_000, 100_000), "far too many pixels"),  # Pillow's own bomb limit
        (declared_png(12_000, 12_000), "far too many pixels"),  # Pillow's bomb warning
        (declared_png(3000, 1000), "3000 × 1000 pixels; a logo may be at most 2000 × 2000"),
        (png_bytes(size=(8, 8)), "at least 16 × 16"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (branding.MAX_LOGO_BYTES), "at most 1 MB"),
    ],
    ids=["empty", "text", "svg", "svg-bare", "gif", "webp", "pdf", "truncated-png",
         "truncated-jpeg", "garbage-png", "bomb", "bomb-warning", "too-wide", "too-small",
         "too-large"],
)  # fmt: skip
def test_refused_files_say_what_is_wrong(data, words):
    with pytest.raises(BrandingError) as refused:
        branding.clean_logo(data)
    assert refused.value.field == "logo"
    assert words in refused.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("#1F6F8B", "#1f6f8b"), (" #7a1f5c ", "#7a1f5c"), ("#767676", "#767676"), ("", None),
     (None, None)],
)  # fmt: skip
def test_accent_colours_accepted(value, expected):
    assert branding.normal_accent(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [("red", "six hexadecimal"), ("#fff", "six hexadecimal"), ("#12345g", "six hexadecimal"),
     ("#1f6f8b; background:url(x)", "six hexadecimal"), ("rgb(0,0,0)", "six hexadecimal"),
     ("#ffff00", "too light"), ("#cccccc", "contrast 1.6:1")],
)  # fmt: skip
def test_accent_colours_refused(value, words):
    with pytest.raises(BrandingError) as refused:
        branding.normal_accent(value)
    assert refused.value.field == "accent_colour"
    assert words in refused.value.message


def test_contrast_follows_wcag():
    assert branding.contrast_with_white("#000000") == pytest.approx(21.0)
    assert branding.contrast_with_white("#ffffff") == pytest.approx(1.0)
    assert branding.contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)


def test_changes_are_audited_and_issuer_carries_them(app):
    with app.app_context():
        firm = accounts.create_organisation("Hangyeol Consulting", "consultancy")
        assert branding.issuer_of(firm) == {"name": "Hangyeol Consulting", "logo_data_uri": None,
                                            "accent": None}  # fmt: skip
        branding.set_logo(firm, png_bytes(), None)
        branding.set_accent_colour(firm, "#7A1F5C", None)
        issuer = branding.issuer_of(firm)
        assert issuer["accent"] == "#7a1f5c"
        prefix = "data:image/png;base64,"
        assert issuer["logo_data_uri"].startswith(prefix)
        assert base64.b64decode(issuer["logo_data_uri"][len(prefix) :]) == firm.logo_png
        branding.remove_logo(firm, None)
        assert branding.issuer_of(firm)["logo_data_uri"] is None
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
        assert actions[-3:] == ["branding.logo_set", "branding.accent_set", "branding.logo_removed"]
        db.session.rollback()


def test_a_refused_logo_keeps_the_one_before(app):
    with app.app_context():
        firm = accounts.create_organisation("Hangyeol Consulting", "consultancy")
        branding.set_logo(firm, png_bytes(), None)
        before = firm.logo_png
        with pytest.raises(BrandingError):
            branding.set_logo(firm, SVG, None)
        assert firm.logo_png == before
        db.session.rollback()


@pytest.mark.parametrize("save", [png_bytes, jpeg_bytes])
def test_a_cut_file_is_refused_even_where_weasyprint_lets_pillow_load_cut_files(monkeypatch, save):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as importing WeasyPrint does
    whole = save()
    assert branding.clean_logo(whole).startswith(b"\x89PNG")
    for cut in (len(whole) // 2, len(whole) - 20):
        with pytest.raises(BrandingError, match="damaged or incomplete"):
            branding.clean_logo(whole[:cut])
