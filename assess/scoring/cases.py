"""The peer cases most relevant to a firm, strong or weak: by industry, size and the firm's
weakest scored dimension, each with one line on why it is relevant (ko and en)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..questionnaire import Questionnaire
from ..questionnaire.schema import Text

MAX_CASES = 3


@dataclass(frozen=True)
class RelevantCase:
    id: str
    why: Text


def case_dimensions(questionnaire: Questionnaire) -> dict[str, list[str]]:
    """What each case shows, by the dimensions of the rules that point to it."""
    shown: dict[str, list[str]] = {c.id: [] for c in questionnaire.cases}
    for rule in questionnaire.rules:
        for case_id in rule.cases:
            if rule.dimension not in shown[case_id]:
                shown[case_id].append(rule.dimension)
    return shown


def relevant_cases(
    questionnaire: Questionnaire, firm: dict[str, Any], scores: dict[str, float | None]
) -> list[RelevantCase]:
    """One to three cases, most relevant first; never none while the catalogue has cases."""
    scored = sorted((s, i, d) for i, (d, s) in enumerate(scores.items()) if s is not None)
    weakest = [d for _, _, d in scored[:2]]
    band = questionnaire.size_band_for(firm.get("employees"))
    shows = case_dimensions(questionnaire)
    ranked = []
    for index, case in enumerate(questionnaire.cases):
        same_industry = case.industry is not None and case.industry == firm.get("industry")
        same_size = band is not None and questionnaire.size_band_for(case.employees_max) == band
        dims = [d for d in weakest if d in shows[case.id]]
        relevance = 4 * same_industry + 2 * same_size + (3 if weakest[:1] == dims[:1] and dims
                                                         else 1 if dims else 0)  # fmt: skip
        ranked.append((-relevance, index, case, same_industry, same_size, dims))
    ranked.sort(key=lambda t: t[:2])
    chosen = [t for t in ranked if t[0] < 0][:MAX_CASES] or ranked[:1]
    return [RelevantCase(case.id, _why(questionnaire, case, firm, industry, size, dims, weakest))
            for _, _, case, industry, size, dims in chosen]  # fmt: skip


def _why(q: Questionnaire, case, firm, same_industry, same_size, dims, weakest) -> Text:
    ko: list[str] = []
    en: list[str] = []
    if same_industry:
        name = q.industries[case.industry]
        ko.append(f"귀사와 같은 업종({name.ko})의 기업입니다.")
        en.append(f"A firm in your industry ({name.en}).")
    if same_size:
        ko.append("귀사와 규모가 비슷합니다.")
        en.append("Of a size like yours.")
    if dims:
        dim = q.dimensions_by_id[dims[0]].name
        if dims[0] == weakest[0]:
            ko.append(f"귀사에서 점수가 가장 낮은 '{dim.ko}' 영역에서 무엇을 했는지 보여 줍니다.")
            en.append(f"Shows what a peer did in {dim.en}, your lowest-scoring dimension.")
        else:
            ko.append(f"귀사의 약한 영역인 '{dim.ko}'에서 참고할 만한 사례입니다.")
            en.append(f"A case to learn from in {dim.en}, one of your weaker dimensions.")
    if not ko:
        shown = case_dimensions(q)[case.id]
        dim = q.dimensions_by_id[shown[0]].name if shown else None
        ko.append(f"'{dim.ko}' 영역에서 다른 중소기업이 실제로 한 일을 보여 주는 사례입니다."
                  if dim else "다른 중소기업이 실제로 한 일을 보여 주는 사례입니다.")  # fmt: skip
        en.append(f"What another SME actually did in {dim.en}." if dim
                  else "What another SME actually did.")  # fmt: skip
    return Text(ko=" ".join(ko), en=" ".join(en))
