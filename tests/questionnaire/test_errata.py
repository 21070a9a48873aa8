"""The evidence review's errata: no name, title or claim from its "wrong" column is left in any
text of any shipped version, in Korean or English; errata and law sources are validated."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assess.questionnaire import QuestionnaireError, load_questionnaire, version_directories

ROOT = Path(__file__).resolve().parents[2] / "questionnaires"
VERSIONS = version_directories(ROOT)

# (pattern, language or None for both): each is a form the review found wrong.
WRONG = [
    (r"배니|Banney", None),
    (r"(?<!미국 )한미은행(?!\(Hanmi)", "ko"),
    (r"SK 부사장|SK\(에스케이\)|Executive Vice President for AX|EVP for AX|Cha Ji-won of SK\b", None),
    (r"다테이시|지원부장|Director, Business Succession|Director Tateishi", None),
    (r"Lee O-seon", "ko"),
    (r"조선비즈 중소기업 AX 리더스포럼", "ko"),
    (r"중소기업 단체장 및 업종별 협동조합 이사장|Heads of SME groups", None),
    (r"(?<!당시 )오영주 중소벤처기업부 장관|Minister Oh Young-joo", None),
    (r"출범 이후|since the second Trump administration took office", None),
    (r"늦게 알수록|the later you (find out|learn)", None),
    (r"그 결과 젊은 직원|같은 인력으로|the same people", None),
    (r"많은 중소기업 대표가|many SME heads", None),
    (r"바꾼 것만으로|just by moving", None),
    (r"해외 거점 기관장들이 사무국|heads of overseas bases serving as its secretariat", None),
]


def texts(data, lang=None):
    """Every string under ``data`` (a questionnaire export), with its language when known."""
    if isinstance(data, dict):
        if set(data) == {"ko", "en"}:
            yield from ((data["ko"], "ko"), (data["en"], "en"))
            return
        for value in data.values():
            yield from texts(value, lang)
    elif isinstance(data, list):
        for value in data:
            yield from texts(value, lang)
    elif isinstance(data, str):
        yield data, lang


@pytest.mark.parametrize("key", sorted(VERSIONS), ids=lambda k: f"{k[0]}-v{k[1]}")
def test_no_wrong_name_title_or_claim_is_left(key):
    q = load_questionnaire(VERSIONS[key])
    exported = q.export()
    exported.pop("errata")  # the list of errata quotes the wrong forms on purpose
    found = [
        (pattern, text[:80])
        for text, lang in texts(exported)
        for pattern, only in WRONG
        if (only is None or only == lang) and re.search(pattern, text)
    ]
    assert found == []


def test_v1_lists_every_erratum_applied():
    q = load_questionnaire(VERSIONS[("ax-readiness", 1)])
    assert len(q.errata) == 27
    law = [s for s in q.sources if s.kind == "law"]
    assert [s.law.ko for s in law] == [
        "조세특례제한법 제30조의6 (가업의 승계에 대한 증여세 과세특례)"
    ]
    rule = next(r for r in q.rules if r.id == "succ_asset_separation_missing")
    assert "law_gift_tax_special" in rule.sources
    assert "세무 전문가와 확인" in rule.recommendation.ko


@pytest.fixture
def copy_v1(tmp_path) -> Path:
    target = tmp_path / "ax-readiness" / "v1"
    shutil.copytree(VERSIONS[("ax-readiness", 1)], target)
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    return target


def test_an_erratum_naming_an_unknown_place_fails_with_file_and_line(copy_v1):
    path = copy_v1 / "errata.yaml"
    path.write_text(path.read_text("utf-8").replace(
        "id: lee_banking_details", "id: no_such_source", 1), "utf-8")  # fmt: skip
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(copy_v1)
    assert len(exc.value.errors) == 1
    assert re.search(r"errata\.yaml:\d+: no 'no_such_source' in sources\.yaml", exc.value.errors[0])


def test_a_law_source_must_name_the_article(copy_v1):
    path = copy_v1 / "sources.yaml"
    path.write_text(path.read_text("utf-8").replace(
        'ko: "조세특례제한법 제30조의6 (가업의 승계에 대한 증여세 과세특례)"',
        'ko: "조세특례제한법"'), "utf-8")  # fmt: skip
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(copy_v1)
    assert "names the article number" in exc.value.errors[0]


def test_a_law_source_has_no_speaker(copy_v1):
    path = copy_v1 / "sources.yaml"
    path.write_text(path.read_text("utf-8").replace(
        "  - id: law_gift_tax_special\n    kind: law\n",
        '  - id: law_gift_tax_special\n    kind: law\n    speaker: {ko: "김병국", en: "Kim"}\n'),
        "utf-8")  # fmt: skip
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(copy_v1)
    assert "a 'law' source has no file, speaker or event" in exc.value.errors[0]
