"""The dimension chart: valid, accessible, standalone SVG that scales to its container."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reports import dimension_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
DIMENSIONS = [
    {"id": "dx_ax", "name": "DX·AX 준비도", "score": 39.7, "previous_score": 31.0},
    {"id": "roi", "name": "투자 효과(ROI) 명확성", "score": 36.2},
    {"id": "infra", "name": "인프라", "score": 100.0},
    {"id": "export", "name": "수출 준비도", "score": None},
    {"id": "succession", "name": "<script>alert(1)</script>", "score": 0.0},
]


def chart(**kwargs) -> ET.Element:
    svg = dimension_chart_svg(DIMENSIONS, "ko", "영역별 점수 & 수준", **kwargs)
    return ET.fromstring(svg)  # noqa: S314 - our own output


def test_chart_is_accessible_standalone_svg():
    root = chart()
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("width") is None and root.get("height") is None
    assert "NanumGothic" in root.get("font-family", "")
    title_id, desc_id = root.get("aria-labelledby").split()
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert ids[title_id].tag == f"{SVG}title" and ids[title_id].text == "영역별 점수 & 수준"
    assert "인프라: 100" in ids[desc_id].text


def test_chart_has_no_external_references():
    svg = dimension_chart_svg(DIMENSIONS, "en", "Scores")
    for needle in ("href", "url(", "<image", "<script", "<foreignObject", "@import"):
        assert needle not in svg


def test_names_are_escaped_and_every_dimension_is_drawn():
    root = chart()
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert "<script>alert(1)</script>" in texts  # as text, not as an element
    assert {"DX·AX 준비도", "투자 효과(ROI) 명확성", "인프라", "수출 준비도"} <= set(texts)
    assert "해당 없음" in texts  # no score: said, not drawn as a zero bar
    bar_labels = [el.text for el in root.iter(f"{SVG}text") if el.get("font-weight") == "bold"]
    assert bar_labels == ["40", "36", "100", "0"]


def test_previous_score_is_drawn_with_a_legend():
    assert "지난 진단" in dimension_chart_svg(DIMENSIONS, "ko", "t")
    without = [{**d, "previous_score": None} for d in DIMENSIONS]
    assert "지난 진단" not in dimension_chart_svg(without, "ko", "t")


def test_ids_can_be_made_unique_per_page():
    ids = {el.get("id") for el in chart(id_prefix="client-7").iter() if el.get("id")}
    assert ids == {"client-7-title", "client-7-desc"}
