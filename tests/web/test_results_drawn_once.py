"""The results page draws a submitted result's findings and chart once per language and keeps
them: every view still shows that assessment's own findings, in the language asked for."""

from __future__ import annotations

import re

from tests.scoring.documents import all_answers, best_answer, worst_answer
from tests.web.journey import Q, Respondent


def finding_ids(html: str) -> list[str]:
    return re.findall(r'<article class="finding" id="finding-([^"]+)"', html)


def submitted(client, pick) -> Respondent:
    firm = Respondent(client)
    firm.start("ko")
    firm.answer_everything(all_answers(Q, pick, firm.firm))
    assert firm.submit().status_code == 303
    return firm


def test_each_assessment_keeps_its_own_findings_and_each_view_its_language(app):
    weak = submitted(app.test_client(), worst_answer)
    strong = submitted(app.test_client(), best_answer)
    weak_ko = weak.client.get(weak.url("results") + "?lang=ko").text
    strong_ko = strong.client.get(strong.url("results") + "?lang=ko").text
    assert finding_ids(weak_ko) and finding_ids(weak_ko) != finding_ids(strong_ko)

    weak_en = weak.client.get(weak.url("results") + "?lang=en").text
    assert finding_ids(weak_en) == finding_ids(weak_ko)
    assert "What to do first" in weak_en and "What to do first" not in weak_ko
    assert "가장 먼저 할 일" in weak_ko and "가장 먼저 할 일" not in weak_en

    again = weak.client.get(weak.url("results") + "?lang=ko").text
    assert finding_ids(again) == finding_ids(weak_ko)
    assert strong.client.get(strong.url("results") + "?lang=ko").text.count('class="finding"') == (
        strong_ko.count('class="finding"'))
