"""Drive the respondent's journey through the test client, as a browser without JavaScript would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from werkzeug.datastructures import MultiDict

from tests.conftest import csrf_token
from tests.scoring.documents import BASE_FIRM, all_answers, shipped, worst_answer

Q = shipped()
PAGES = [d.id for d in Q.dimensions]


def revision_of(html: str) -> str:
    match = re.search(r'name="revision"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="revision"', html
    )
    assert match, "page has no revision field"
    return match.group(1)


def form_fields(question_id: str, value: Any) -> list[tuple[str, str]]:
    question = Q.questions_by_id[question_id]
    if question.type == "number":
        if value == "dont_know":
            return [(question_id + "__unknown", "y")]
        return [(question_id, str(value))]
    if isinstance(value, list):
        return [(question_id, v) for v in value]
    return [(question_id, value)]


@dataclass
class Respondent:
    client: Any
    token: str = ""
    firm: dict = field(default_factory=lambda: dict(BASE_FIRM))

    def start(self, lang: str = "ko") -> str:
        page = self.client.get(f"/start?lang={lang}")
        assert page.status_code == 200
        response = self.client.post("/start", data={"csrf_token": csrf_token(page.text)})
        assert response.status_code == 302
        self.token = response.headers["Location"].split("/r/")[1].split("/")[0]
        return self.token

    def url(self, page: str) -> str:
        return f"/r/{self.token}/{page}"

    def get(self, page: str):
        return self.client.get(self.url(page))

    def post_page(self, page: str, fields: list[tuple[str, str]], action: str = "next", html=None):
        html = html if html is not None else self.get(page).text
        data = [("csrf_token", csrf_token(html)), ("revision", revision_of(html)),
                ("action", action), *fields]  # fmt: skip
        return self.client.post(self.url(page), data=MultiDict(data))

    def fill_profile(self, **changes):
        firm = {**self.firm, **changes}
        return self.post_page("profile", [(k, str(v)) for k, v in firm.items()])

    def fill_section(self, page: str, answers: dict, action: str = "next"):
        fields = [
            pair
            for q in Q.questions_of(page)
            if q.id in answers
            for pair in form_fields(q.id, answers[q.id])
        ]
        return self.post_page(page, fields, action)

    def answer_everything(self, answers: dict | None = None):
        answers = answers or all_answers(Q, worst_answer, self.firm)
        assert self.fill_profile().status_code == 302
        for page in PAGES:
            response = self.fill_section(page, answers)
            assert response.status_code == 302, (page, _errors(response.text))
        return answers

    def submit(self):
        html = self.get("check").text
        return self.client.post(self.url("submit"), data={"csrf_token": csrf_token(html)})


def _errors(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'class="error-message"[^>]*>([^<]+)<', html)]
