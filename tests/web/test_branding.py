"""The branding page through HTTP: real PNG and JPEG uploads, refused files with their messages,
the body limit, the logo served as our PNG to its own organisation only, and the accent colour."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from assess.extensions import db
from assess.models import Organisation
from assess.services import accounts
from tests.conftest import csrf_token
from tests.services.test_branding import (
    SVG,
    chunk_types,
    declared_png,
    jpeg_with_gps,
    png_bytes,
    with_metadata_png,
)
from tests.web.test_auth import FAST_HASHING, make_user, sign_in

PAGE = "/organisation/branding"
CLEAN_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


@pytest.fixture(autouse=True)
def fast_hashing(app):
    app.config.update(FAST_HASHING)


@pytest.fixture
def admin(app, client):
    """The signed-in administrator of the consultancy "Hangyeol Consulting"."""
    make_user(app, "admin@hangyeol.kr", org=("Hangyeol Consulting", "consultancy"), role="org_admin")
    assert sign_in(client, "admin@hangyeol.kr").status_code == 303
    return client


def stored_logo(app, name: str = "Hangyeol Consulting") -> bytes | None:
    with app.app_context():
        return accounts.find_organisation(name).logo_png


def upload(client, data: bytes, filename: str = "logo.png", lang: str = "en"):
    token = csrf_token(client.get(f"{PAGE}?lang={lang}").text)
    return post_multipart(client, f"{PAGE}/logo", {"csrf_token": token,
                                                   "logo": file_part(data, filename)})


def file_part(data: bytes, filename: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename, content_type="application/octet-stream")


def post_multipart(client, url: str, fields: dict):
    """A multipart post built in memory: the test client's own builder spools bodies over
    500 KB to a temporary file it never closes (a ResourceWarning, so an error here)."""
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize(("data", "name"), [(with_metadata_png(), "logo.png"),
                                            (jpeg_with_gps(), "logo.jpg")])  # fmt: skip
def test_png_and_jpeg_are_stored_re_encoded_and_served_as_our_png(app, admin, data, name):
    response = upload(admin, data, name)
    assert response.status_code == 303
    assert "The logo was saved" in admin.get(PAGE).text
    stored = stored_logo(app)
    assert stored != data and stored.startswith(b"\x89PNG")
    assert set(chunk_types(stored)) <= CLEAN_CHUNKS  # no text, EXIF, ICC or dpi
    served = admin.get(f"{PAGE}/logo.png")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served.headers["Cache-Control"]
    assert served.data == stored
    assert f'src="{PAGE}/logo.png"' in admin.get(PAGE).text


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"name,score\nA,1\n", "logo.png", "This file is not a PNG or JPEG image"),
        (SVG, "logo.svg", "This file is in SVG format"),
        (SVG, "logo.png", "This file is in SVG format"),  # the name does not decide
        (png_bytes()[:150], "logo.png", "The image could not be read"),
        (declared_png(60_000, 60_000), "bomb.png", "far too many pixels"),
        (declared_png(4000, 300), "wide.png", "4000 × 300 pixels"),
    ],
    ids=["text", "svg", "svg-named-png", "truncated", "bomb", "too-wide"],
)
def test_refused_files_are_named_on_the_form_and_nothing_changes(app, admin, data, name,
                                                                 message):  # fmt: skip
    assert upload(admin, png_bytes()).status_code == 303
    before = stored_logo(app)
    response = upload(admin, data, name)
    assert response.status_code == 422
    assert message in response.text
    assert 'class="error-summary"' in response.text
    assert stored_logo(app) == before


def test_refusals_are_in_korean_for_a_korean_page(admin):
    response = upload(admin, SVG, "logo.svg", lang="ko")
    assert response.status_code == 422
    assert "이 파일은 SVG 형식입니다" in response.text


def test_a_file_just_over_1_mb_is_refused_by_the_service(app, admin):
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024)
    response = upload(admin, data)
    assert response.status_code == 422
    assert "the logo may be at most 1 MB" in response.text
    assert stored_logo(app) is None


def test_a_file_of_almost_1_mb_fits_in_the_body_limit(app, admin):
    # A photograph-like logo close to 1 MB: the multipart body around it is over 1 MB.
    image = Image.frombytes("RGB", (900, 380), random.Random(3).randbytes(900 * 380 * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    data = out.getvalue()
    assert 1000 * 1024 < len(data) <= 1024 * 1024
    assert upload(admin, data).status_code == 303
    assert stored_logo(app).startswith(b"\x89PNG")


def test_a_body_over_the_limit_is_413_with_a_clear_message(app, admin):
    response = upload(admin, b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "too large (the limit is 1 MB)" in response.text
    assert stored_logo(app) is None


def test_other_routes_keep_the_1_mb_limit(admin):
    token = csrf_token(admin.get(PAGE).text)
    response = admin.post(f"{PAGE}/accent", data={"csrf_token": token,
                                                  "accent_colour": "#" + "0" * (1024 * 1024)})
    assert response.status_code == 413


def test_an_upload_without_a_file_or_without_the_token(app, admin):
    token = csrf_token(admin.get(PAGE).text)
    response = post_multipart(admin, f"{PAGE}/logo", {"csrf_token": token})
    assert response.status_code == 422
    assert "Choose a logo file" in response.text
    response = post_multipart(admin, f"{PAGE}/logo", {"logo": file_part(png_bytes(), "l.png")})
    assert response.status_code == 400
    assert stored_logo(app) is None


def test_removing_the_logo(app, admin):
    assert upload(admin, png_bytes()).status_code == 303
    token = csrf_token(admin.get(PAGE).text)
    assert admin.post(f"{PAGE}/logo/remove", data={"csrf_token": token}).status_code == 303
    assert stored_logo(app) is None
    assert admin.get(f"{PAGE}/logo.png").status_code == 404
    assert "No logo yet" in admin.get(PAGE).text


@pytest.mark.parametrize(("value", "status", "stored"), [
    ("#7A1F5C", 303, "#7a1f5c"), ("", 303, None), ("#ffff00", 422, None),
    ("red", 422, None), ("#1f6f8b;}h1{color:red", 422, None),
])  # fmt: skip
def test_accent_colour(app, admin, value, status, stored):
    token = csrf_token(admin.get(PAGE).text)
    response = admin.post(f"{PAGE}/accent", data={"csrf_token": token, "accent_colour": value})
    assert response.status_code == status
    with app.app_context():
        assert accounts.find_organisation("Hangyeol Consulting").accent_colour == stored
    if status == 422:
        assert "six hexadecimal" in response.text or "too light" in response.text


def test_another_organisations_administrator_sees_only_their_own_logo(app, admin, client):
    assert upload(admin, png_bytes(colour=(200, 0, 0))).status_code == 303
    other = app.test_client()
    make_user(app, "admin@other.kr", org=("Other Consulting", "consultancy"), role="org_admin")
    assert sign_in(other, "admin@other.kr").status_code == 303
    assert other.get(f"{PAGE}/logo.png").status_code == 404  # theirs has none; ours is not reachable
    assert "No logo yet" in other.get(PAGE).text
    assert upload(other, png_bytes(colour=(0, 0, 200))).status_code == 303
    assert other.get(f"{PAGE}/logo.png").data == stored_logo(app, "Other Consulting")
    assert admin.get(f"{PAGE}/logo.png").data == stored_logo(app, "Hangyeol Consulting")
    assert stored_logo(app, "Other Consulting") != stored_logo(app, "Hangyeol Consulting")


def test_an_agencys_administrator_has_no_branding_page(app):
    client = app.test_client()
    make_user(app, "admin@agency.kr", org=("Support Agency", "agency"), role="org_admin")
    assert sign_in(client, "admin@agency.kr").status_code == 303
    assert client.get(PAGE).status_code == 404
    assert client.get(f"{PAGE}/logo.png").status_code == 404
    response = post_multipart(client, f"{PAGE}/logo", {"logo": file_part(png_bytes(), "l.png")})
    assert response.status_code in (400, 404)  # no token from a page they cannot open
    with app.app_context():
        agency = db.session.scalar(db.select(Organisation).where(Organisation.kind == "agency"))
        assert agency.logo_png is None


def test_a_consultant_cannot_change_the_branding(app, client):
    make_user(app, "kim@hangyeol.kr", org=("Hangyeol Consulting", "consultancy"), role="consultant")
    assert sign_in(client, "kim@hangyeol.kr").status_code == 303
    assert client.get(PAGE).status_code == 403


def test_the_page_in_korean_and_the_account_page_links_to_it(admin):
    page = admin.get(f"{PAGE}?lang=ko").text
    assert "보고서 로고와 색상" in page and "강조 색상" in page
    assert PAGE in admin.get("/account").text
