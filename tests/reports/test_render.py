"""dict → HTML: escaping, Korean words kept whole, and the report's structure."""

from __future__ import annotations

from reports.render import WORD_JOINER, build_html, keep_words


def test_keep_words_escapes_and_ties_korean_words():
    out = keep_words('세진정밀 <b>"주"</b> & {{7*7}}')
    assert "<b>" not in out and "&lt;b&gt;" in out and "&amp;" in out
    assert "{{7*7}}" in out
    assert out.replace(WORD_JOINER, "") == "세진정밀 &lt;b&gt;&#34;주&#34;&lt;/b&gt; &amp; {{7*7}}"
    assert out.startswith(WORD_JOINER.join("세진정밀"))


def test_keep_words_ties_hangul_to_attached_punctuation_and_latin():
    out = keep_words("AI에 (‘모름’ 제외)을 3,000개")
    assert out == "".join(
        ["A", "I", WORD_JOINER, "에 (‘", WORD_JOINER, "모", WORD_JOINER, "름", WORD_JOINER, "’ 제",
         WORD_JOINER, "외", WORD_JOINER, ")", WORD_JOINER, "을 3,00", "0", WORD_JOINER, "개"]
    )  # fmt: skip


def test_keep_words_leaves_english_and_long_words_alone():
    assert keep_words("Don't know") == "Don&#39;t know"
    long_word = "가" * 40  # would overflow a table cell if it could not break
    assert keep_words(long_word) == long_word
    assert keep_words(None) == ""


def test_html_has_every_part_of_the_report(make_report):
    report = make_report("en", issuer={"name": "Hangyeol Consulting", "logo_data_uri": None})
    html = build_html(report).replace(WORD_JOINER, "")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    for finding in report["findings"]:
        assert f'id="finding-{finding["rule"]}"' in html
    for case in {c["id"] for f in report["findings"] for c in f["cases"]}:
        assert html.count(f'id="case-{case}"') == 1  # in full once, referred to after
    assert html.count('<section class="dimension"') == 5
    assert "Hangyeol Consulting" in html
    assert 'role="img"' in html  # the chart, inline


def test_a_logo_must_be_an_image_data_url(make_report):
    for uri, shown in [
        ("data:image/png;base64,iVBORw0KGgo=", True),
        ("file:///etc/passwd", False),
        ("https://example.com/logo.png", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
    ]:
        html = build_html(make_report("ko", issuer={"name": "한결", "logo_data_uri": uri}))
        assert ('class="issuer-logo"' in html) is shown, uri


def test_progress_since_the_previous_assessment(make_report):
    previous = {
        "date": "2026년 5월 1일",
        "overall": {"score": 30.0},
        "dimensions": [{"id": "dx_ax", "score": 20.0}, {"id": "roi", "score": 50.0}],
    }
    html = build_html(make_report("ko", previous=previous)).replace(WORD_JOINER, "")
    assert "지난 진단(2026년 5월 1일) 대비" in html and "+9.4" in html  # overall 39.4
    assert ">변화<" in html and "+19.7" in html and "-7.8" in html  # dx_ax 39.7, roi 42.2


def test_a_sparse_assessment_still_renders(small_report):
    html = build_html(small_report).replace(WORD_JOINER, "")
    assert "Not enough similar firms" in html  # no benchmark
    unscored = [d for d in small_report["dimensions"] if d["score"] is None]
    assert unscored and html.count("No applicable questions") >= len(unscored)


def test_a_peer_case_cited_twice_is_shown_once_then_referred_to(make_report):
    report = make_report("ko")
    with_case = next(f for f in report["findings"] if f["cases"])
    later = next(
        f for d in reversed(report["dimensions"]) for f in d["findings"] if f is not with_case
    )
    later["cases"] = list(with_case["cases"])
    html = build_html(report)
    case_id = with_case["cases"][0]["id"]
    assert html.count(f'id="case-{case_id}"') == 1
    assert html.count(f'<a class="pageref" href="#case-{case_id}"></a>') == 1
