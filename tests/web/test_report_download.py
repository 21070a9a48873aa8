"""The PDF download on the results page: real WeasyPrint render, then served from the cache."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.web.journey import Q, Respondent


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_download_renders_once_then_serves_the_cache(client, app, monkeypatch):
    me = Respondent(client)
    me.start("en")
    me.firm["name"] = "Haneul Precision"
    me.answer_everything()
    assert client.get(me.url("report-en.pdf")).status_code == 302  # not submitted yet
    me.submit()
    first = client.get(me.url("report-en.pdf"))
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "application/pdf"
    assert "attachment" in first.headers["Content-Disposition"]
    text = pdf_text(first.data)
    assert "Haneul Precision" in text
    for dimension in Q.dimensions:
        assert dimension.name.en.split()[0] in text
    import reports

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again instead of using the cache")

    monkeypatch.setattr(reports, "render_pdf", no_render)
    second = client.get(me.url("report-en.pdf"))
    assert second.status_code == 200 and second.data == first.data


def test_korean_pdf_is_a_separate_rendering(client):
    me = Respondent(client)
    me.start("ko")
    me.answer_everything()
    me.submit()
    korean = client.get(me.url("report-ko.pdf"))
    assert korean.status_code == 200
    assert me.firm["name"] in pdf_text(korean.data)
    assert client.get(me.url("report-fr.pdf")).status_code == 404
