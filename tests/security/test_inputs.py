"""Oversized and hostile input: a body over the limit on every POST route is 413 (declared or
streamed), a text field over its own limit is refused naming it, and control characters (NUL,
escape, a right-to-left override, a line break carrying a header) in every text field are
refused with a field error or, where a line break belongs (notes, descriptions) or nothing is
shown (passwords), kept harmlessly: never a 500, never a split header, never a NUL or an escape
in the database. The same for the API's JSON: nested too deep, a lone surrogate, a document
too large. And a programme's rule of who fits cannot be made large enough to stall the pages.
"""

from __future__ import annotations

import io

from sqlalchemy import String, Text, select

from assess.extensions import db
from assess.members.branding import UPLOAD_BODY_LIMIT
from tests.security.routes import ELIGIBLE, ROUTES, token_for

LIMIT = 1024 * 1024
NUL, ESC, RLO, CRLF = "\x00", "\x1b", "\u202e", "\r\nX-Injected: 1\r\n"
# Fields where a line break (and any character) belongs, or that nobody sees.
MULTILINE = {"description", "eligibility", "overall", *(d for d in
             ("dx_ax", "roi", "infra", "export", "succession"))}  # fmt: skip
SECRET = {"password", "confirm", "current"}
# A refused field answers 422 and shows the form again; the invitation form, on the client's
# page, says why in a message on that page (303 back to it).
REFUSED = {"consult.invite": 303}
# The database must never hold these, and one-line columns never a line break.
ONE_LINE = {"organisation": ("name", "accent_colour"), "user_account": ("email",),
            "firm": ("name",), "programme": ("name", "link"), "webhook": ("url",),
            "invitation": ("email",)}  # fmt: skip


# What a refused API request still writes: its token's last use.
IGNORED = ("api_token",)


def text_fields():
    for endpoint, route in ROUTES.items():
        for name, limit in route.text.items():
            yield endpoint, route, name, limit


def with_value(body: dict, name: str, value: str) -> dict:
    """The body with one field set (a dotted name reaches into the API's JSON)."""
    body = dict(body)
    if "." in name:
        outer, inner = name.split(".", 1)
        body[outer] = {**body[outer], inner: value}
    else:
        body[name] = value
    return body


def value_of(body: dict, name: str) -> str:
    if "." in name:
        outer, inner = name.split(".", 1)
        return str(body[outer][inner])
    return str(body[name])


def spliced(text: str, inserted: str) -> str:
    middle = len(text) // 2 or 0
    return text[:middle] + inserted + text[middle:] if text else "a" + inserted + "b"


def too_long(text: str, limit: int) -> str:
    """``text`` grown to one character over ``limit``, still shaped like itself."""
    if "@" in text:
        local, domain = text.split("@", 1)
        return local + "x" * (limit + 1 - len(text)) + "@" + domain
    return text + "x" * (limit + 1 - len(text))


def split_header(response) -> bool:
    return any("\r" in v or "\n" in v or k.lower() == "x-injected" for k, v in
               response.headers.items())  # fmt: skip




def test_a_body_over_the_limit_is_413_on_every_post_route(site):
    wrong = []
    for route in ROUTES.values():
        token_for(site.visitor(route.role))  # signed in before the count starts
    before = site.fingerprint(ignore=("api_token",))
    for endpoint, route in ROUTES.items():
        if route.post is None:
            continue
        client = site.visitor(route.role)
        limit = UPLOAD_BODY_LIMIT if endpoint == "members.upload_logo" else LIMIT
        url = site.url(endpoint)
        headers = site.headers(route.role)
        kind = "application/json" if route.is_api else "application/x-www-form-urlencoded"
        prefix = b"" if route.is_api else f"csrf_token={token_for(client)}&x=".encode()
        body = prefix + b"a" * (limit + 1 - len(prefix))
        declared = client.post(url, data=body, content_type=kind, headers=headers)
        streamed = client.post(url, input_stream=io.BytesIO(body), content_type=kind,
                               headers={**headers, "Transfer-Encoding": "chunked"},
                               environ_overrides={"wsgi.input_terminated": True})  # fmt: skip
        for how, response in (("declared", declared), ("streamed", streamed)):
            if response.status_code != 413:
                wrong.append((endpoint, how, response.status_code))
    assert wrong == []
    assert site.fingerprint(ignore=("api_token",)) == before


def test_a_text_over_its_own_limit_is_refused_naming_nothing_stored(site):
    wrong = []
    for endpoint, route, name, limit in text_fields():
        if limit is None:
            continue
        client = site.client_for(endpoint)
        body = site.body(route, client)
        before = site.fingerprint(ignore=IGNORED)
        response = site.send(endpoint, "POST", client=client,
                             body=with_value(body, name, too_long(value_of(body, name), limit)))
        expected = REFUSED.get(endpoint, 422)
        if response.status_code != expected:
            wrong.append((endpoint, name, response.status_code, expected))
        elif route.is_api and response.get_json()["field"] != name:
            wrong.append((endpoint, name, response.get_json()["field"]))
        if site.fingerprint(ignore=IGNORED) != before:
            wrong.append((endpoint, name, "stored"))
    assert wrong == []


def test_control_characters_in_every_text_field_are_refused_or_kept_harmlessly(site):
    wrong = []
    for endpoint, route, name, _limit in text_fields():
        for character in (NUL, ESC, RLO, CRLF):
            client = site.client_for(endpoint)
            body = site.body(route, client)
            bad = spliced(value_of(body, name), character)
            may_keep = name in SECRET or (name in MULTILINE and character in (RLO, CRLF))
            before = None if may_keep else site.fingerprint(ignore=IGNORED)
            response = site.send(endpoint, "POST", client=client, body=with_value(body, name, bad))
            if response.status_code >= 500 or split_header(response):
                wrong.append((endpoint, name, repr(character), response.status_code))
                continue
            if may_keep:
                continue
            expected = REFUSED.get(endpoint, 422)
            if response.status_code != expected:
                wrong.append((endpoint, name, repr(character), response.status_code, expected))
            elif site.fingerprint(ignore=IGNORED) != before:
                wrong.append((endpoint, name, repr(character), "stored"))
    assert wrong == []
    assert stored_control_characters(site) == []


def stored_control_characters(site) -> list:
    """Every text cell holding a NUL or an escape, or a line break in a one-line column."""
    found = []
    with site.app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for column in columns:
                bad = [NUL, ESC] + (["\r", "\n"] if column.name in ONE_LINE.get(table.name, ())
                                    else [])  # fmt: skip
                for (value,) in db.session.execute(select(column)):
                    if isinstance(value, str) and any(b in value for b in bad):
                        found.append((table.name, column.name, value[:40]))
        db.session.remove()
    return found


def test_json_nested_too_deep_or_with_a_lone_surrogate_is_422_naming_the_field(site):
    api = site.app.test_client()
    headers = site.headers("api:consultant_a")
    before = site.fingerprint(ignore=("api_token",))
    for path in ("/api/v1/score", "/api/v1/assessments", "/api/v1/reports/batch"):
        for body in ("[" * 5_000, '{"a":' * 5_000 + "1" + "}" * 5_000):
            response = api.post(path, data=body, content_type="application/json",
                                headers=headers)  # fmt: skip
            assert (response.status_code, response.get_json()["field"]) == (422, "body"), path
    surrogate = ('{"questionnaire": "ax-readiness", "version": 1, "answers": {}, '
                 '"firm": {"name": "Bad \\ud800 name"}}')  # fmt: skip
    for path in ("/api/v1/score", "/api/v1/assessments"):
        response = api.post(path, data=surrogate, content_type="application/json",
                            headers=headers)  # fmt: skip
        assert (response.status_code, response.get_json()["field"]) == (422, "firm.name"), path
    assert site.fingerprint(ignore=("api_token",)) == before


def programme(site, eligibility: str):
    return site.send("agency.programmes", "POST", client=site.visitor("analyst"), body={
        "name": "Big rule", "description": "", "link": "", "eligibility": eligibility})


def test_a_programmes_rule_cannot_be_made_too_large(site):
    """Too long, nested too deep, or a short text whose aliases repeat a part 10⁶ times: each
    refused on the form, at once, naming the field (not a 500, not minutes of work)."""
    aliases = "all:\n- &l0 {dimension: roi, lt: 5}\n" + "".join(
        f"- &l{i} {{any: [{', '.join(['*l' + str(i - 1)] * 10)}]}}\n" for i in range(1, 7))
    token_for(site.visitor("analyst"))  # signed in before the count starts
    before = site.fingerprint()
    for eligibility in ("all: [" + ", ".join([ELIGIBLE] * 400) + "]", "[" * 1_000,
                        "{all: [" * 2000 + ELIGIBLE + "]}" * 2000, aliases):  # fmt: skip
        response = programme(site, eligibility)
        assert response.status_code == 422, eligibility[:40]
        assert 'id="eligibility-error1"' in response.text
    assert site.fingerprint() == before
    assert programme(site, "all: [" + ", ".join([ELIGIBLE] * 20) + "]").status_code == 303


def test_a_multipart_body_of_too_many_parts_is_413(site):
    client = site.visitor("org_admin")
    data = {f"part{i}": "x" for i in range(2000)}
    data["csrf_token"] = token_for(client)
    response = client.post("/organisation/branding/accent", data=data,
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 413


def test_a_database_failure_mid_request_still_gets_the_error_page(site, monkeypatch):
    """A request whose transaction broke half-way (a failed flush) is answered with the error
    page, not a second failure while drawing it (5xx pages leave out the account menu, which
    would read the database again)."""
    from assess.models import Membership
    from assess.services import clients

    def broken(*_args, **_kwargs):
        db.session.add(Membership(user_id=None, organisation_id=None, role="consultant"))
        db.session.flush()  # NOT NULL: the flush fails and the transaction must be rolled back

    monkeypatch.setattr(clients, "client_rows", broken)
    response = site.fresh("consultant_a").get("/clients?lang=en")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert response.headers["X-Request-ID"] in response.text


def test_a_name_with_a_line_break_never_splits_a_mail_header(site, monkeypatch):
    """An organisation named before names were checked, with a line break and a header in it:
    the invitation mail's subject stays one line and no header is added."""
    from sqlalchemy import update

    from assess.models import Organisation
    from tests.web.test_auth import smtp_server

    with site.app.app_context():
        db.session.execute(update(Organisation).where(Organisation.id == site.values["$org_b"])
                           .values(name="Consultancy B\r\nBcc: spy@evil.example"))  # fmt: skip
        db.session.commit()
    with smtp_server() as (inbox, url):
        monkeypatch.setitem(site.app.config, "MAIL_URL", url)
        admin = site.fresh("org_admin_b")
        response = admin.post("/organisation/members", data={
            "email": "newcomer@example.org", "role": "consultant", "csrf_token": token_for(admin)})
    assert response.status_code == 303
    [mail] = inbox.messages
    assert mail["Bcc"] is None and [mail["To"]] == ["newcomer@example.org"]
    assert "\n" not in mail["Subject"] and "Consultancy B Bcc: spy@evil.example" in mail["Subject"]


def test_a_file_nested_too_deep_is_refused_by_the_command_line_without_a_traceback(site,
                                                                                    tmp_path):
    runner = site.app.test_cli_runner()
    for name, text in (("deep.json", "{\"a\": " * 5_000 + "1" + "}" * 5_000),
                       ("deep.yaml", "[" * 1_000)):  # fmt: skip
        path = tmp_path / name
        path.write_text(text)
        result = runner.invoke(args=["score", str(path)])
        assert result.exit_code == 2, result.output
        assert "file: " in result.output and "Traceback" not in result.output
        if name.endswith(".json"):
            assert "nested more than 64 levels deep" in result.output


def test_a_flood_of_answers_is_refused_or_ignored_never_stored(site):
    """Tens of thousands of answers in one body, under the size limit: the API names the
    first unknown question; autosave keeps only the page's questions."""
    api = site.app.test_client()
    before = site.fingerprint(ignore=("api_token", "assessment", "firm"))
    answers = {f"q{i}": "x" for i in range(50_000)}
    response = api.post("/api/v1/assessments", headers=site.headers("api:consultant_a"),
                        json={"questionnaire": "ax-readiness", "version": 1, "answers": answers,
                              "firm": {"name": "Flood"}})  # fmt: skip
    assert (response.status_code, response.get_json()["field"]) == (422, "answers.q0")
    holder = site.visitor("resume_holder")
    route = ROUTES["respond.autosave"]
    body = {**site.body(route, holder), **{f"q{i}": "x" for i in range(30_000)}}
    response = site.send("respond.autosave", "POST", client=holder, body=body)
    assert response.status_code == 200
    assert site.fingerprint(ignore=("api_token", "assessment", "firm")) == before
    assessment = site.rows(select(db.metadata.tables["assessment"].c.answers))
    assert not any("q1" in (answers or {}) for (answers,) in assessment)
