"""A consultancy's branding on its PDF reports: a logo and an accent colour.

Uploaded logos are decoded in full and re-encoded by us as PNG without metadata; the uploaded
bytes are never kept or served. Services flush; the caller commits once.
"""

from __future__ import annotations

import base64
import io
import re
import warnings
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from ..models import Organisation, User
from ..scoring.answers import N_
from . import audit

MAX_LOGO_BYTES = 1024 * 1024  # what the page promises: "at most 1 MB"
MAX_LOGO_SIDE = 2000  # pixels: a logo needs no more, and a bigger one costs memory to decode
MIN_LOGO_SIDE = 16
# The cover shows the logo at most 60 mm × 16 mm: 600 × 300 px is over 250 dpi there.
STORED_BOX = (600, 300)
# The renderer refuses a logo data URI over 700,000 characters; base64 adds a third.
MAX_STORED_BYTES = 500_000
ACCENT_PATTERN = re.compile(r"#[0-9a-f]{6}")
# WCAG 2.1 asks 3:1 for graphics (1.4.11) and large text (1.4.3); the accent colours only rules,
# borders and large figures in the PDF, always on white.
MIN_ACCENT_CONTRAST = 3.0

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


class BrandingError(ValueError):
    """A logo or colour that cannot be used; ``field`` names the input at fault.

    ``template`` (marked for translation) and ``params`` are the message for a person, translated
    by the web layer; ``message`` is the same in English.
    """

    def __init__(self, field: str, template: str, **params: Any):
        self.field = field
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)


def set_logo(organisation: Organisation, data: bytes, actor: User | None) -> None:
    """Store ``data`` (PNG or JPEG, at most 1 MB) as the organisation's logo, re-encoded.

    :raise BrandingError: naming what is wrong with the file.
    """
    organisation.logo_png = clean_logo(data)
    audit.record("branding.logo_set", f"organisation:{organisation.id}", actor,
                 size=len(organisation.logo_png))  # fmt: skip


def remove_logo(organisation: Organisation, actor: User | None) -> None:
    if organisation.logo_png is None:
        return
    organisation.logo_png = None
    audit.record("branding.logo_removed", f"organisation:{organisation.id}", actor)


def set_accent_colour(organisation: Organisation, value: str | None, actor: User | None) -> None:
    """Set the accent colour ("#rrggbb"), or clear it with an empty value.

    :raise BrandingError: for another notation, or a colour too pale to read on white.
    """
    colour = normal_accent(value)
    if colour == organisation.accent_colour:
        return
    organisation.accent_colour = colour
    audit.record("branding.accent_set", f"organisation:{organisation.id}", actor,
                 accent=colour or "")  # fmt: skip


def issuer_of(organisation: Organisation) -> dict[str, Any]:
    """The PDF renderer's issuer: the consultancy's name, logo as a data URI, accent colour."""
    logo = organisation.logo_png
    return {
        "name": organisation.name,
        "logo_data_uri": "data:image/png;base64," + base64.b64encode(logo).decode("ascii")
        if logo else None,
        "accent": organisation.accent_colour,
    }  # fmt: skip


# Colours.


def normal_accent(value: str | None) -> str | None:
    """"#rrggbb" in lower case, or None for an empty value."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if not ACCENT_PATTERN.fullmatch(text):
        raise BrandingError("accent_colour", N_("Write the colour as # and six hexadecimal "
                                                "digits, for example #1f6f8b"))  # fmt: skip
    ratio = contrast_with_white(text)
    if ratio < MIN_ACCENT_CONTRAST:
        raise BrandingError(
            "accent_colour",
            N_("%(colour)s is too light to read on white paper (contrast %(ratio)s:1; at least "
               "3:1 is needed). Choose a darker colour."),
            colour=text, ratio=f"{ratio:.1f}",
        )  # fmt: skip
    return text


def contrast_with_white(colour: str) -> float:
    """WCAG 2.1 contrast ratio of "#rrggbb" against white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 1.05 / (luminance + 0.05)


# Logos.


def clean_logo(data: bytes) -> bytes:
    """The logo decoded in full and re-encoded as PNG, metadata dropped, fitted to STORED_BOX.

    :raise BrandingError: for anything but a whole PNG or JPEG of sensible size.
    """
    if not data:
        raise BrandingError("logo", N_("Choose a logo file"))
    if len(data) > MAX_LOGO_BYTES:
        raise BrandingError("logo", N_("The file is %(size)s; the logo may be at most 1 MB"),
                            size=size_text(len(data)))  # fmt: skip
    if not data.startswith((PNG_MAGIC, JPEG_MAGIC)):
        kind = kind_of(data)
        if kind is None:
            raise BrandingError("logo", N_("This file is not a PNG or JPEG image. Upload the logo "
                                           "as PNG or JPEG."))  # fmt: skip
        raise BrandingError("logo", N_("This file is in %(kind)s format. Upload the logo as PNG "
                                       "or JPEG."),
                            kind=kind)  # fmt: skip
    image = decoded(data)
    return encoded(fitted(image))


def decoded(data: bytes) -> Image.Image:
    # Decompression bombs: Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that.
    # The warning is made an error here (whatever the process's warning filters), and the size
    # declared in the header is checked against our far smaller bound before any pixel is decoded.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels() from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise unreadable() from None
        width, height = image.size
        if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
            raise too_many_pixels(width, height)
        if width < MIN_LOGO_SIDE or height < MIN_LOGO_SIDE:
            raise BrandingError(
                "logo", N_("The image is %(width)s × %(height)s pixels; a logo needs at least "
                           "%(min)s × %(min)s"), width=width, height=height, min=MIN_LOGO_SIDE,
            )  # fmt: skip
        try:
            check_complete(data)
            image.load()  # every pixel: a corrupt file fails here, not later
            return ImageOps.exif_transpose(image)  # photos of a logo: upright as they were taken
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombWarning):
            raise unreadable() from None


def check_complete(data: bytes) -> None:
    """:raise OSError: for a file cut short.

    Decoding alone is not enough: importing WeasyPrint sets Pillow's process-wide
    ``LOAD_TRUNCATED_IMAGES``, and then a cut file decodes with its missing part filled in.
    """
    if data.startswith(PNG_MAGIC):
        # Reads every chunk to IEND: a missing chunk or a short read raises whatever that flag says.
        Image.open(io.BytesIO(data), formats=["PNG"]).verify()
    elif not data.rstrip(b"\0\r\n ").endswith(b"\xff\xd9"):  # a JPEG ends with its EOI marker
        raise OSError("JPEG file without its end marker")


def fitted(image: Image.Image) -> Image.Image:
    transparent = image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    clean = image.convert(mode) if image.mode != mode else image.copy()
    clean.thumbnail(STORED_BOX, Image.Resampling.LANCZOS)
    clean.info = {}  # no ICC profile, text, EXIF or dpi carried into the new file
    return clean


def encoded(image: Image.Image) -> bytes:
    """PNG bytes under MAX_STORED_BYTES: a logo that will not compress (a photograph, noise)
    is made smaller until it fits, so the PDF always has room for it."""
    while True:
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        if out.tell() <= MAX_STORED_BYTES or min(image.size) <= MIN_LOGO_SIDE:
            return out.getvalue()
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)),
                             Image.Resampling.LANCZOS)  # fmt: skip


def too_many_pixels(width: int | None = None, height: int | None = None) -> BrandingError:
    if width is None:
        return BrandingError("logo", N_("The image declares far too many pixels to be a logo. "
                                        "Upload one of at most %(max)s × %(max)s pixels."),
                             max=MAX_LOGO_SIDE)  # fmt: skip
    return BrandingError("logo", N_("The image is %(width)s × %(height)s pixels; a logo may be at "
                                    "most %(max)s × %(max)s"),
                         width=width, height=height, max=MAX_LOGO_SIDE)  # fmt: skip


def unreadable() -> BrandingError:
    return BrandingError("logo", N_("The image could not be read: the file is damaged or "
                                    "incomplete. Save it again as PNG or JPEG and upload it."))


def kind_of(data: bytes) -> str | None:
    """The name of a refused file's format, when it is one people know by name."""
    head = data[:512].lstrip()
    if head.startswith(b"GIF8"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if b"<svg" in head.lower() or head.lower().startswith(b"<?xml"):
        return "SVG"
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(b"BM"):
        return "BMP"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    return None


def size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
