"""The consultant's workspace through HTTP: clients, filling on a client's behalf, invitations
through a local SMTP server, the client's own details and withdrawal, notes, exports, comparison,
batches; another consultancy's client is never reachable."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from assess.extensions import db
from assess.models import Assessment, Firm, Job
from tests.conftest import csrf_token
from tests.reports.conftest import pdf_text, squash
from tests.scoring.documents import BASE_FIRM
from tests.web.journey import Respondent
from tests.web.test_auth import (  # noqa: F401  (inbox is a fixture)
    inbox,
    make_user,
    session_cookie_contents,
    sign_in,
)

FIRMS = [{**BASE_FIRM, "name": "한빛정밀"}, {**BASE_FIRM, "name": "대성금속", "employees": 120},
         {**BASE_FIRM, "name": "=HYPERLINK(\"http://evil.example\")", "industry": "C25"}]


@pytest.fixture(autouse=True)
def fast_hashing(app):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)


@pytest.fixture
def consultant(app, client):
    make_user(app, "kim@consult.kr", org=("한빛컨설팅", "consultancy"), role="consultant")
    assert sign_in(client, "kim@consult.kr").headers["Location"] == "/clients"
    return client


def post(client, page_url: str, url: str, data: dict | None = None, **kwargs):
    page = client.get(page_url)
    return client.post(url, data={"csrf_token": csrf_token(page.text), **(data or {})}, **kwargs)


def add_client(client, firm: dict) -> int:
    response = post(client, "/clients/new", "/clients/new",
                    {k: str(v) for k, v in firm.items()})  # fmt: skip
    assert response.status_code == 303, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


def fill_for_client(client, firm_id: int) -> Respondent:
    response = post(client, f"/clients/{firm_id}", f"/clients/{firm_id}/assessments")
    assert response.status_code == 303
    token = response.headers["Location"].split("/r/")[1].split("/")[0]
    me = Respondent(client, token=token)
    with client.application.app_context():
        firm = db.session.get(Firm, firm_id)
        me.firm = {k: getattr(firm, k) for k in BASE_FIRM}
    me.answer_everything()
    assert me.submit().status_code == 303
    return me


def test_clients_are_added_listed_searched_and_sorted(consultant):
    ids = [add_client(consultant, firm) for firm in FIRMS]
    page = unescape(consultant.get("/clients?lang=en").text)
    for firm in FIRMS:
        assert firm["name"] in page
    found = unescape(consultant.get("/clients?q=대성").text)
    assert "대성금속" in found and "한빛정밀" not in found
    fill_for_client(consultant, ids[1])
    by_index = unescape(consultant.get("/clients?sort=index").text)
    assert by_index.index("대성금속") < by_index.index("한빛정밀")  # assessed first
    assert "Not assessed yet" in unescape(consultant.get("/clients?lang=en").text)


def test_a_client_with_a_bad_field_is_refused_naming_it(consultant):
    response = post(consultant, "/clients/new", "/clients/new?lang=en",
                    {**{k: str(v) for k, v in BASE_FIRM.items()}, "employees": "-5"})  # fmt: skip
    assert response.status_code == 422
    assert 'id="employees-error1"' in response.text
    with consultant.application.app_context():
        assert db.session.scalar(select(Firm)) is None


def test_archived_clients_leave_the_list_and_come_back(consultant):
    firm_id = add_client(consultant, FIRMS[0])
    assert post(consultant, f"/clients/{firm_id}", f"/clients/{firm_id}/archive").status_code == 303
    assert "한빛정밀" not in consultant.get("/clients").text
    assert "한빛정밀" in consultant.get("/clients?archived=1").text
    assert post(consultant, f"/clients/{firm_id}", f"/clients/{firm_id}/restore").status_code == 303
    assert "한빛정밀" in consultant.get("/clients").text


def test_filling_for_a_client_is_attributed_and_its_results_and_pdf_carry_the_consultancy(
        app, consultant):
    firm_id = add_client(consultant, FIRMS[0])
    fill_for_client(consultant, firm_id)
    with app.app_context():
        assessment = db.session.scalar(select(Assessment))
        assert assessment.created_by_id is not None and assessment.status == "submitted"
        assessment_id = assessment.id
    page = consultant.get(f"/clients/{firm_id}?lang=en")
    assert "Your consultancy" in page.text and "Results and notes" in page.text
    pdf = consultant.get(f"/clients/{firm_id}/assessments/{assessment_id}/report-en.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_notes_are_saved_checked_and_kept(app, consultant):
    firm_id = add_client(consultant, FIRMS[0])
    fill_for_client(consultant, firm_id)
    with app.app_context():
        assessment_id = db.session.scalar(select(Assessment.id))
    url = f"/clients/{firm_id}/assessments/{assessment_id}"
    response = post(consultant, url, url, {"overall": "{{7*7}} 먼저 MES부터", "dx_ax": "좋음"})
    assert response.status_code == 303
    page = consultant.get(url).text
    assert "{{7*7}} 먼저 MES부터" in unescape(page) and "49 먼저" not in page
    too_long = post(consultant, url, url + "?lang=en", {"overall": "가" * 2001})
    assert too_long.status_code == 422
    assert "{{7*7}} 먼저 MES부터" in unescape(consultant.get(url).text)  # nothing lost
    pdf = consultant.get(url + "/report-ko.pdf")
    text = squash(pdf_text(pdf.data))
    assert squash("{{7*7}} 먼저 MES부터") in text and squash("컨설턴트 의견 — 한빛컨설팅") in text


def test_invited_client_fills_its_own_assessment_and_can_withdraw(app, consultant, inbox):  # noqa: F811
    firm_id = add_client(consultant, FIRMS[0])
    response = post(consultant, f"/clients/{firm_id}", f"/clients/{firm_id}/invite",
                    {"email": "ceo@hanbit.kr"})  # fmt: skip
    assert response.status_code == 303
    mail = inbox.messages[-1]
    assert mail["To"] == "ceo@hanbit.kr" and "한빛컨설팅" in mail["Subject"]
    link = re.search(r"https?://\S+/invitation/\S+", mail.get_content()).group(0)

    ceo = app.test_client()
    landing = ceo.get(urlsplit(link).path + "?lang=en")
    assert landing.status_code == 200
    assert "한빛컨설팅 will receive your results" in unescape(landing.text)
    started = ceo.post(urlsplit(link).path, data={"csrf_token": csrf_token(landing.text)})
    assert started.status_code == 303
    me = Respondent(ceo, token=started.headers["Location"].split("/r/")[1].split("/")[0])
    me.firm = {**FIRMS[0], "name": "한빛정밀공업", "employees": 35}
    me.answer_everything()
    assert me.submit().status_code == 303
    again = ceo.get(urlsplit(link).path + "?lang=en")
    assert "already been used" in again.text  # once only

    with app.app_context():
        firm = db.session.get(Firm, firm_id)
        assert (firm.name, firm.employees) == ("한빛정밀", 28)  # the record is the consultancy's
        assessment_id = db.session.scalar(select(Assessment.id))
    url = f"/clients/{firm_id}/assessments/{assessment_id}"
    page = unescape(consultant.get(url + "?lang=en").text)
    assert "The client gave different details" in page and "한빛정밀공업" in page
    assert post(consultant, url, url + "/accept-profile").status_code == 303
    with app.app_context():
        assert db.session.get(Firm, firm_id).name == "한빛정밀공업"

    results = ceo.get(me.url("results") + "?lang=en")
    assert "Stop sharing with 한빛컨설팅" in unescape(results.text)
    withdrawn = ceo.post(me.url("consultancy"), data={"csrf_token": csrf_token(results.text)})
    assert withdrawn.status_code == 303
    assert consultant.get(url).status_code == 404
    assert "Results and notes" not in consultant.get(f"/clients/{firm_id}?lang=en").text


@pytest.mark.parametrize("email", ["", "ceo@hanbit.kr"])  # no address; no mail server
def test_an_invitation_link_to_copy_is_shown_once_and_never_in_the_session_cookie(app, consultant,
                                                                                  email):
    """Shown by the response to the POST itself: a flash would carry it to the next page inside
    the session cookie, which is signed, not encrypted."""
    assert app.config["MAIL_URL"] is None
    firm_id = add_client(consultant, FIRMS[0])
    response = post(consultant, f"/clients/{firm_id}?lang=en", f"/clients/{firm_id}/invite",
                    {"email": email})  # fmt: skip
    assert response.status_code == 200
    assert "Copy this link and send it to your client" in response.text
    link = unescape(re.search(r'https?://[^\s<"]+/invitation/[^\s<"]+', response.text).group(0))
    token = urlsplit(link).path.rsplit("/", 1)[1]
    # The language switch leads to the client's page (the invitation's address is POST only).
    assert f'href="/clients/{firm_id}?lang=ko"' in response.text
    later = consultant.get(f"/clients/{firm_id}")
    assert later.status_code == 200 and token not in later.text
    for contents in (session_cookie_contents(app, response), session_cookie_contents(app, later)):
        assert token not in contents and "/invitation/" not in contents
    landing = app.test_client().get(urlsplit(link).path + "?lang=en")
    assert landing.status_code == 200 and "한빛컨설팅 will receive your results" in landing.text


def test_forged_or_unknown_invitation_links_are_404(app, client):
    assert client.get("/invitation/not-a-real-token").status_code == 404


def test_another_consultancys_client_is_404_everywhere(app, consultant):
    firm_id = add_client(consultant, FIRMS[0])
    fill_for_client(consultant, firm_id)
    with app.app_context():
        assessment_id = db.session.scalar(select(Assessment.id))
    other = app.test_client()
    make_user(app, "lee@other.kr", org=("남의컨설팅", "consultancy"), role="consultant")
    sign_in(other, "lee@other.kr")
    base = f"/clients/{firm_id}"
    for url in (base, base + "/edit", f"{base}/assessments/{assessment_id}",
                f"{base}/assessments/{assessment_id}/report-ko.pdf",
                f"/compare?client={firm_id}&client={firm_id + 1}"):  # fmt: skip
        assert other.get(url).status_code == 404, url
    assert "한빛정밀" not in other.get("/clients").text
    assert "한빛정밀" not in other.get("/clients.csv").data.decode("utf-8-sig")


def test_exports_neutralise_formulas_in_csv_and_xlsx(consultant):
    for firm in FIRMS:
        add_client(consultant, firm)
    body = consultant.get("/clients.csv?lang=en")
    assert body.status_code == 200 and body.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Firm"
    names = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\")" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    xlsx = consultant.get("/clients.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(c.value == "'=HYPERLINK(\"http://evil.example\")" for c in cells)
    assert all(c.data_type != "f" for c in cells)


def test_compare_shows_the_chosen_clients_side_by_side(consultant):
    ids = [add_client(consultant, firm) for firm in FIRMS[:2]]
    fill_for_client(consultant, ids[0])
    chosen = post(consultant, "/clients", "/compare", {"client": [str(i) for i in ids]})
    assert chosen.status_code == 303
    page = unescape(consultant.get(chosen.headers["Location"] + "&lang=en").text)
    assert "한빛정밀" in page and "대성금속" in page and "Not assessed yet" in page
    too_few = post(consultant, "/clients", "/compare", {"client": [str(ids[0])]})
    assert too_few.status_code == 303 and too_few.headers["Location"] == "/clients"


def test_a_batch_is_started_from_the_client_list_and_followed(app, consultant):
    ids = [add_client(consultant, firm) for firm in FIRMS[:2]]
    fill_for_client(consultant, ids[0])
    response = post(consultant, "/clients", "/batches", {"client": [str(i) for i in ids],
                                                         "language": "en"})  # fmt: skip
    assert response.status_code == 303
    job_url = response.headers["Location"]
    with app.app_context():
        job = db.session.scalar(select(Job))
        assert (job.language, len(job.items)) == ("en", 1)  # the unassessed client has no PDF
    assert consultant.get(job_url + "/progress").json == {"status": "queued", "done": 0,
                                                          "total": 1, "failed": 0}  # fmt: skip
    page = consultant.get(job_url + "?lang=en").text
    assert "0 of 1 reports rendered, 0 failed." in page
    assert '<noscript><meta http-equiv="refresh"' in page
    assert consultant.get(job_url + "/download").status_code == 404  # not rendered yet


def test_the_client_page_shows_the_trend_and_what_changed_between_assessments(app, consultant):
    firm_id = add_client(consultant, FIRMS[0])
    fill_for_client(consultant, firm_id)
    fill_for_client(consultant, firm_id)
    page = unescape(consultant.get(f"/clients/{firm_id}?lang=en").text)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="trend-chart"' in page
    assert "The index over time" in page and "What changed by" in page
    assert "Gaps closed" in page and "New gaps" in page
    assert re.search(r'<td class="num">[+-]\d+\.\d</td>', page)  # a change per row


def test_an_id_beyond_any_row_is_404_not_a_database_error(consultant):
    for url in ("/clients/9223372036854775808", "/clients/0", "/jobs/99999999999999999999"):
        assert consultant.get(url).status_code == 404, url


def test_the_client_pages_title_is_the_firms_name(app, consultant):
    firm_id = add_client(consultant, FIRMS[0])
    fill_for_client(consultant, firm_id)
    fill_for_client(consultant, firm_id)
    page = consultant.get(f"/clients/{firm_id}?lang=en").text
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "한빛정밀" in title and "<section" not in title and "trend" not in title


def test_the_client_page_names_the_industry_and_region(consultant):
    firm_id = add_client(consultant, FIRMS[0])
    page = unescape(consultant.get(f"/clients/{firm_id}?lang=en").text)
    assert "Busan" in page and ">busan<" not in page
