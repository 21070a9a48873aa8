"""Fixed headings and sentences of the PDF report, in Korean and English (same keys in both)."""

from __future__ import annotations

import datetime as dt

LABELS: dict[str, dict[str, str]] = {
    "ko": {
        "report_title": "AX 준비도 진단 보고서",
        "prepared_for": "진단 대상",
        "prepared_by": "작성",
        "self_assessment": "기업 자가진단",
        "date": "진단일",
        "questionnaire": "설문 버전",
        "profile": "기업 개요",
        "industry": "업종",
        "region": "지역",
        "employees": "종업원 수",
        "employees_unit": "명",
        "size_band": "규모",
        "ceo_age": "대표 연령",
        "ceo_age_unit": "세",
        "founded_year": "설립 연도",
        "sales": "연 매출",
        "sales_unit": "백만 원",
        "confidential": "대외비 — 진단 대상 기업과 작성자만 열람",
        "summary": "요약",
        "overall_index": "종합 AX 준비도 지수",
        "level": "수준",
        "level_n": "{n}단계",
        "confidence": "응답 신뢰도",
        "confidence_note": "해당 문항 중 실제 답(‘모름’ 제외)을 한 비율입니다.",
        "previous": "지난 진단({date}) 대비",
        "chart_title": "영역별 점수 (0-100)",
        "chart_table_caption": "영역별 점수 표",
        "dimension": "영역",
        "score": "점수",
        "answered": "응답",
        "unknown": "모름",
        "percentile": "백분위",
        "change": "변화",
        "benchmark": "동종 기업 비교",
        "benchmark_text": (
            "{cohort} {n}개 기업과 비교하면 종합 지수는 백분위 {pct}로, 비교 기업의 약 {pct}%보다 "
            "높습니다."
        ),
        "benchmark_none": (
            "비교할 만큼 비슷한 기업의 진단 결과가 아직 모이지 않아 동종 기업 비교는 "
            "제공하지 않습니다."
        ),
        "top_actions": "가장 먼저 할 일",
        "top_actions_none": "지금 답변으로는 시급한 개선 과제가 없습니다.",
        "priority_of": "우선순위 {priority}",
        "horizon": "시기",
        "not_scored": "해당 문항 없음",
        "not_pursued": "추진하지 않음",
        "not_pursued_note": (
            "‘추진하지 않음’은 수출 계획이 없다는 뜻입니다. 이 영역은 점수를 매기지 않고 종합 "
            "지수에서 빠지며, 감점 요인이 아닙니다."
        ),
        "gain": "+{gain}점",
        "peer_cases": "참고할 동종 기업 사례",
        "peer_cases_intro": "업종, 규모, 그리고 귀사에서 가장 점수가 낮은 영역을 기준으로 고른 사례입니다.",
        "version_note": (
            "지난 진단은 설문 v{before}, 이번 진단은 v{now}로 했습니다. 문항과 배점이 바뀌었으므로 "
            "영역별 변화는 참고로만 보세요."
        ),
        "dimension_results": "영역별 진단 결과",
        "what_level_means": "이 수준의 의미",
        "about_dimension": "이 영역에서 보는 것",
        "findings": "진단 결과와 권고",
        "finding": "진단",
        "recommendation": "권고",
        "source": "근거",
        "sources_short": "근거",
        "practice": "일반적인 실무 원칙 (포럼 발언 아님)",
        "law": "법령 일반 안내 (구체적인 적용은 전문가와 확인)",
        "article": "기사 파일",
        "peer_case": "동종 기업 사례",
        "lesson": "시사점",
        "see_page_before": "자세한 내용 ",
        "see_page_after": "쪽",
        "no_findings": "이 영역에서는 지금 답변으로 드러난 큰 빈틈이 없습니다.",
        "consultant_note": "컨설턴트 의견",
        "consultant_note_by": "컨설턴트 의견 — {issuer}",
        "overall_note": "컨설턴트 종합 의견",
        "overall_note_by": "컨설턴트 종합 의견 — {issuer}",
        "roadmap": "실행 로드맵",
        "roadmap_intro": "진단 결과를 시기별로 묶었습니다. 같은 시기 안에서는 우선순위 순입니다.",
        "roadmap_empty": "이 시기에 배정된 과제가 없습니다.",
        "appendix": "부록",
        "methodology": "진단 방법",
        "method_scores": (
            "영역 점수는 그 영역에서 이 기업에 해당하고 답한 문항의 점수(0-100)를 문항 가중치로 "
            "평균한 값입니다. 조건에 따라 해당하지 않는 문항(예: 수출 계획이 없는 기업의 세부 수출 "
            "문항)은 계산에서 빠집니다."
        ),
        "method_unknown": (
            "‘모름’은 0점으로 계산하고, 응답 신뢰도를 낮춥니다. 응답 신뢰도는 해당 문항 가운데 "
            "‘모름’이 아닌 실제 답을 한 문항의 비율입니다."
        ),
        "method_overall": (
            "종합 지수는 점수가 있는 영역의 점수를 영역 가중치로 평균한 값이며(‘추진하지 않음’ 영역은 "
            "빠집니다), 수준은 아래 구간으로 정합니다. 각 권고 옆의 점수는 그 규칙이 더 이상 해당하지 "
            "않게 되는 가장 작은 답변 개선을 했을 때 종합 지수가 오르는 폭입니다."
        ),
        "method_benchmark": (
            "동종 기업 비교는 최소 {k}개 기업이 모인 가장 좁은 집단 안에서의 백분위입니다. "
            "같은 업종·같은 규모, 같은 업종, 전체 응답 기업 순으로 찾습니다."
        ),
        "method_rules": (
            "진단 결과와 권고는 설문 파일에 정해진 규칙으로 만들어지며, "
            "각 규칙은 중소기업 포럼에서 나온 발언(출처 목록)이나 일반적인 실무 원칙에 근거합니다."
        ),
        "levels": "수준 구간",
        "level_range": "점수 범위",
        "range_between": "{lo} 이상 {hi} 미만",
        "range_from": "{lo} 이상",
        "sources_list": "인용 출처",
        "answers": "응답 내용",
        "question": "문항",
        "answer": "답변",
        "no_answers": "응답한 문항이 없습니다.",
        "page_of": " / ",
    },
    "en": {
        "report_title": "AX Readiness Assessment Report",
        "prepared_for": "Prepared for",
        "prepared_by": "Prepared by",
        "self_assessment": "Self-assessment by the firm",
        "date": "Date of assessment",
        "questionnaire": "Questionnaire",
        "profile": "Firm profile",
        "industry": "Industry",
        "region": "Region",
        "employees": "Employees",
        "employees_unit": "",
        "size_band": "Size",
        "ceo_age": "CEO age",
        "ceo_age_unit": "",
        "founded_year": "Founded",
        "sales": "Annual sales",
        "sales_unit": "million KRW",
        "confidential": "Confidential — for the assessed firm and its adviser only",
        "summary": "Executive summary",
        "overall_index": "Overall AX readiness index",
        "level": "Level",
        "level_n": "Level {n}",
        "confidence": "Confidence",
        "confidence_note": "The share of applicable questions answered with a real answer "
        "(not \u201cdon't know\u201d).",
        "previous": "Change since the last assessment ({date})",
        "chart_title": "Score by dimension (0-100)",
        "chart_table_caption": "Scores by dimension",
        "dimension": "Dimension",
        "score": "Score",
        "answered": "Answered",
        "unknown": "Don't know",
        "percentile": "Percentile",
        "change": "Change",
        "benchmark": "Peer benchmark",
        "benchmark_text": "Compared with {n} firms ({cohort}), the overall index is at percentile "
        "{pct}: higher than about {pct}% of them.",
        "benchmark_none": "Not enough similar firms have been assessed yet for a peer benchmark.",
        "top_actions": "What to do first",
        "top_actions_none": "The answers show no urgent improvement to make.",
        "priority_of": "{priority} priority",
        "horizon": "When",
        "not_scored": "No applicable questions",
        "not_pursued": "Not pursued",
        "not_pursued_note": (
            "“Not pursued” means the firm has no export plans: the dimension is not "
            "scored and is left out of the overall index. It is not counted against the firm."
        ),
        "gain": "+{gain} points",
        "peer_cases": "Peer cases for this firm",
        "peer_cases_intro": "Chosen by industry, size and the firm's lowest-scoring dimension.",
        "version_note": (
            "The last assessment used questionnaire v{before}, this one v{now}. Questions and "
            "scoring changed, so read the change per dimension as indicative only."
        ),
        "dimension_results": "Results by dimension",
        "what_level_means": "What this level means",
        "about_dimension": "What this dimension covers",
        "findings": "Findings and recommendations",
        "finding": "Finding",
        "recommendation": "Recommendation",
        "source": "Source",
        "sources_short": "Sources",
        "practice": "General good practice (not a forum statement)",
        "law": "Statute, general information (confirm how it applies with an adviser)",
        "article": "article file",
        "peer_case": "Peer case",
        "lesson": "Lesson",
        "see_page_before": "details on p. ",
        "see_page_after": "",
        "no_findings": "The answers show no major gap in this dimension.",
        "consultant_note": "Consultant's note",
        "consultant_note_by": "Consultant's note — {issuer}",
        "overall_note": "Consultant's overall comment",
        "overall_note_by": "Consultant's overall comment — {issuer}",
        "roadmap": "Roadmap",
        "roadmap_intro": "The findings grouped by when to act; within each period, by priority.",
        "roadmap_empty": "Nothing is scheduled for this period.",
        "appendix": "Appendix",
        "methodology": "Methodology",
        "method_scores": (
            "A dimension score is the weighted mean, on a 0-100 scale, of the applicable questions "
            "answered in that dimension. Questions that do not apply to the firm (for example the "
            "detailed export questions for a firm with no export plans) are left out."
        ),
        "method_unknown": (
            "\u201cDon't know\u201d scores 0 and lowers the confidence figure. Confidence is "
            "the share of applicable questions answered with a real answer rather than "
            "\u201cdon't know\u201d."
        ),
        "method_overall": (
            "The overall index is the weighted mean of the scored dimensions (a dimension that is "
            "not pursued is left out); the level follows from the bands below. The points beside "
            "each recommendation are what the index would gain from the smallest improvement of "
            "answers after which the rule no longer applies."
        ),
        "method_benchmark": (
            "The peer benchmark is a percentile within the narrowest cohort of at least {k} firms: "
            "same industry and size, then same industry, then all firms assessed."
        ),
        "method_rules": (
            "Findings and recommendations come from rules in the questionnaire file; each rule "
            "rests on statements made at SME forums (see the list of sources) or on general "
            "good practice."
        ),
        "levels": "Level bands",
        "level_range": "Score range",
        "range_between": "{lo} to under {hi}",
        "range_from": "{lo} and above",
        "sources_list": "Sources cited",
        "answers": "Answers given",
        "question": "Question",
        "answer": "Answer",
        "no_answers": "No questions answered.",
        "page_of": " / ",
    },
}

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def format_date(day: dt.date, lang: str) -> str:
    """A date as a reader of ``lang`` writes it: 2026년 11월 22일, 22 November 2026."""
    if lang == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
