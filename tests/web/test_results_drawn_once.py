"""The results page draws a submitted result's findings and chart once per language and keeps
them: every view still shows that assessment's own findings, in the language asked for."""

from __future__ import annotations

import re

from sqlalchemy import select

from assess.extensions import db
from assess.models import AssessmentResult
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


def percentiles(html: str) -> list[str]:
    """The scores table's last column, row by row (the percentile when there are peers)."""
    rows = re.findall(r'<tr>\s*<th scope="row">[^<]+</th>(.*?)</tr>', html, re.S)
    return [re.findall(r'<td class="num">([^<]*)</td>', row)[-1] for row in rows]


def test_the_kept_scores_table_follows_the_peers_it_is_compared_with(app):
    app.config["BENCHMARK_MIN_COHORT"] = 1
    strong = submitted(app.test_client(), best_answer)
    alone = strong.client.get(strong.url("results")).text
    assert 'scope="col" class="num">백분위' not in alone  # no peers yet: no percentile column

    submitted(app.test_client(), worst_answer)
    one_peer = strong.client.get(strong.url("results")).text
    assert 'scope="col" class="num">백분위' in one_peer
    above_one = percentiles(one_peer)

    submitted(app.test_client(), best_answer)  # a peer level with it: its percentiles fall
    two_peers = percentiles(strong.client.get(strong.url("results")).text)
    assert len(two_peers) == len(above_one) == len(Q.dimensions)
    assert two_peers != above_one

    # The weakest peer's result removed (as the retention purge removes one): counted again.
    with app.app_context():
        weakest = db.session.scalars(
            select(AssessmentResult).order_by(AssessmentResult.overall)).first()  # fmt: skip
        db.session.delete(weakest)
        db.session.commit()
    assert percentiles(strong.client.get(strong.url("results")).text) != two_peers
