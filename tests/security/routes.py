"""Every route of the app, described once for the attack suite: who opens it, with which URL
values, a valid body for a POST, the query parameters its view reads, its free-text fields, and
the URL values that name another organisation's object.

``test_routes.py`` checks this table against ``app.url_map`` and the forms on the pages, so a
route, a method or a text field added without an entry here fails the suite.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyotp
from PIL import Image

from tests.conftest import csrf_token
from tests.scoring.documents import BASE_FIRM
from tests.web.journey import Q, revision_of

_serial = itertools.count(1)


def unique(stem: str) -> str:
    """A fresh name per call (emails and names that must not exist yet)."""
    return f"{stem}{next(_serial)}"


@dataclass
class Ctx:
    """What a body builder may use: the world's values and the visitor's client."""

    values: Mapping[str, Any]
    client: Any

    def page(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.text


Body = Mapping[str, Any] | Callable[[Ctx], Mapping[str, Any]]


@dataclass(frozen=True)
class Route:
    """One endpoint. ``role`` is a visitor of tests/world.py, or ``api:<role>`` for a bearer
    token of that role (the API never takes the session cookie)."""

    role: str = "anonymous"
    args: Mapping[str, Any] = field(default_factory=dict)
    get: int | None = 200  # the status of a GET; None: the route takes no GET
    post: Body | None = None  # a valid POST body; None: the route takes no POST
    posted: int | None = None  # the status of that POST
    query: tuple[str, ...] = ()  # the query parameters the view reads
    # Free-text fields of the POST body → the most characters they take (None: no limit of
    # their own, only the body's). Search boxes and passwords are text too.
    text: Mapping[str, int | None] = field(default_factory=dict)
    # URL values naming another organisation's object, for the same visitor: always 404.
    foreign: Mapping[str, Any] | None = None
    # Why a route with ids in its URL has no ``foreign``: the id is a bearer link (its value is
    # the credential), or the route is a site administrator's, who manages every organisation.
    ids: str | None = None
    multipart: bool = False

    @property
    def is_api(self) -> bool:
        return self.role.startswith("api:")

    def body(self, ctx: Ctx) -> dict[str, Any]:
        raw = self.post(ctx) if callable(self.post) else dict(self.post or {})
        return {k: ctx.values.get(v, v) if isinstance(v, str) else v for k, v in raw.items()}


LINK = "link"  # the URL's token is the credential: any other value is simply not found
GLOBAL = "global"  # site administrators manage every organisation's rows

PASSWORD = "matrix-password-1"
NEW_PASSWORD = "a brand new password 1"
PROFILE = {k: str(v) for k, v in BASE_FIRM.items()}
FIRST_SECTION = Q.dimensions[0].id
FIRST_QUESTION = next(q for q in Q.questions_of(FIRST_SECTION) if q.type == "single")
ELIGIBLE = "{dimension: roi, lt: 101}"


def logo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (31, 111, 139)).save(out, "PNG")
    return out.getvalue()


LOGO = logo_png()


def profile_body(ctx: Ctx) -> dict:
    page = ctx.page(f"/r/{ctx.values['$token']}/profile")
    return {**PROFILE, "revision": revision_of(page), "action": "next"}


def autosave_body(ctx: Ctx) -> dict:
    page = ctx.page(f"/r/{ctx.values['$token']}/{FIRST_SECTION}")
    return {"revision": revision_of(page), FIRST_QUESTION.id: FIRST_QUESTION.options[0].id}


def notes_body(ctx: Ctx) -> dict:
    return {"overall": "A note.", **{d.id: "" for d in Q.dimensions}}


NOTE_FIELDS = {"overall": 2000, **{d.id: 2000 for d in Q.dimensions}}
PROGRAMME_FIELDS = {"name": 200, "description": 4000, "link": 500, "eligibility": 4000}


def programme_body(ctx: Ctx) -> dict:
    return {"name": unique("Programme "), "description": "For small plants.",
            "link": "https://example.org/support", "eligibility": ELIGIBLE}  # fmt: skip


def document(**extra) -> dict:
    return {"questionnaire": Q.id, "version": Q.version, "language": "ko",
            "firm": {**BASE_FIRM, "name": unique("API client ")}, "answers": {}, **extra}  # fmt: skip


CLIENT_A = {"firm_id": "$client_a"}
SUBMITTED_A = {"firm_id": "$client_a", "assessment_id": "$submitted_a"}

ROUTES: dict[str, Route] = {
    # Public pages.
    "static": Route(args={"filename": "app.css"}),
    "main.home": Route(),
    "main.api_docs": Route(),
    "health.healthz": Route(),
    "health.readyz": Route(),
    "openapi.spec": Route(),
    # The respondent, who holds resume links.
    "respond.start": Route(),
    "respond.create": Route(get=None, post={}, posted=302),
    "respond.resume": Route(role="resume_holder", args={"token": "$token"}, get=302, ids=LINK),
    "respond.page": Route(role="resume_holder", args={"token": "$token", "page": "profile"},
                          post=profile_body, posted=302, query=("new",),
                          text={"name": 200}, ids=LINK),
    "respond.autosave": Route(role="resume_holder", get=None,
                              args={"token": "$token", "page": FIRST_SECTION},
                              post=autosave_body, posted=200, ids=LINK),
    "respond.saved": Route(role="resume_holder", args={"token": "$token"}, ids=LINK),
    "respond.check": Route(role="resume_holder", args={"token": "$token"}, ids=LINK),
    "respond.submit": Route(role="resume_holder", args={"token": "$token_ready"}, get=None,
                            post={}, posted=303, ids=LINK),
    "respond.results": Route(role="resume_holder", args={"token": "$token_done"}, ids=LINK),
    "respond.consent": Route(role="resume_holder", args={"token": "$token_done"}, get=None,
                             post={"agency": "$agency_c", "share": "y"}, posted=303, ids=LINK),
    "respond.again": Route(role="resume_holder", args={"token": "$token_done"}, get=None,
                           post={"start": "previous"}, posted=303, ids=LINK),
    "respond.report": Route(role="resume_holder", args={"token": "$token_done", "lang": "ko"},
                            ids=LINK),
    "respond.invitation": Route(args={"token": "$invitation"}, post={}, posted=303, ids=LINK),
    "respond.withdraw_consultancy": Route(role="resume_holder", args={"token": "$token"},
                                          get=None, post={}, posted=303, ids=LINK),
    # Signing in.
    "auth.login": Route(post={"email": "a@example.org", "password": PASSWORD}, posted=303,
                        query=("next",), text={"email": 254, "password": 1000}),
    "auth.forgot": Route(post={"email": "reset@example.org"}, posted=200, text={"email": 254}),
    "auth.set_password": Route(args={"purpose": "reset", "token": "$reset_link"},
                               post={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                               posted=303, text={"password": 1000, "confirm": 1000}, ids=LINK),
    "auth.account": Route(role="changer", post={"current": PASSWORD, "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD}, posted=303,
                          text={"current": None, "password": 1000, "confirm": 1000}),
    "auth.logout": Route(role="analyst_d", get=None, post={}, posted=303),
    "auth.second_step": Route(role="two_step_waiting", post=lambda ctx: {
        "code": ctx.values["$recovery_codes"].pop()}, posted=303, text={"code": 64}),
    "auth.two_step_setup": Route(role="two_step_new", post=lambda ctx: {
        "code": pyotp.TOTP(ctx.values["$two_step_new_secret"]).now()}, posted=200,
        text={"code": 64}),
    "auth.session_list": Route(role="session_keeper"),
    "auth.end_session": Route(role="session_keeper", args={"session_id": "$session_spare"},
                              get=None, post={}, posted=303,
                              foreign={"session_id": "$session_b"}),
    "auth.end_other_sessions": Route(role="session_keeper", get=None, post={}, posted=303),
    "auth.two_step_settings": Route(role="two_step_on", post={"current": PASSWORD, "code": ""},
                                    posted=303, text={"current": 1000, "code": 64}),
    # Site administrators.
    "admin.index": Route(role="site_admin"),
    "admin.users": Route(role="site_admin", post=lambda ctx: {
        "email": unique("new-user-") + "@example.org", "organisation": "", "role": ""},
        posted=200, text={"email": 254}),  # no mail server: the page shows the link
    "admin.organisations": Route(role="site_admin", post=lambda ctx: {
        "name": unique("Organisation "), "kind": "consultancy"}, posted=303, text={"name": 200}),
    "admin.tokens": Route(role="site_admin"),
    "admin.audit_log": Route(role="site_admin", query=("actor", "action", "since", "until",
                                                       "page")),
    "admin.user_active": Route(role="site_admin", args={"user_id": "$spare_user",
                                                        "change": "enable"},
                               get=None, post={}, posted=303, ids=GLOBAL),
    "admin.user_reset": Route(role="site_admin", args={"user_id": "$spare_user"}, get=None,
                              post={}, posted=200, ids=GLOBAL),  # the link shown, as above
    "admin.membership_role": Route(role="site_admin", args={"membership_id": "$membership_b"},
                                   get=None, post={"role": "consultant"}, posted=303,
                                   ids=GLOBAL),
    "admin.membership_remove": Route(role="site_admin",
                                     args={"membership_id": "$membership_spare2"}, get=None,
                                     post={}, posted=303, ids=GLOBAL),
    "admin.token_revoke": Route(role="site_admin", args={"token_id": "$api_token_spare"},
                                get=None, post={}, posted=303, ids=GLOBAL),
    # An organisation's administrator.
    "members.index": Route(role="org_admin", post=lambda ctx: {
        "email": unique("member-") + "@example.org", "role": "consultant"}, posted=200,
        text={"email": 254}),  # the link shown, as above
    "members.remove": Route(role="org_admin", args={"membership_id": "$membership_spare"},
                            get=None, post={}, posted=303,
                            foreign={"membership_id": "$membership_b"}),
    "members.branding_index": Route(role="org_admin"),
    "members.logo": Route(role="org_admin", get=404),  # no logo uploaded in the world
    "members.upload_logo": Route(role="org_admin", get=None, multipart=True, posted=303,
                                 post=lambda ctx: {"logo": (io.BytesIO(LOGO), "logo.png")}),
    "members.remove_logo": Route(role="org_admin", get=None, post={}, posted=303),
    "members.set_accent": Route(role="org_admin", get=None, post={"accent_colour": "#1f6f8b"},
                                posted=303, text={"accent_colour": 20}),
    "consult.webhooks_list": Route(role="org_admin", post=lambda ctx: {
        "url": f"http://127.0.0.1:9/{unique('hook')}"}, posted=200, text={"url": 2000}),
    "consult.webhook": Route(role="org_admin", args={"webhook_id": "$webhook_a"},
                             query=("page",), foreign={"webhook_id": "$webhook_b"}),
    "consult.test_webhook": Route(role="org_admin", args={"webhook_id": "$webhook_a"},
                                  get=None, post={}, posted=303,
                                  foreign={"webhook_id": "$webhook_b"}),
    "consult.rotate_webhook_secret": Route(role="org_admin", args={"webhook_id": "$webhook_a"},
                                           get=None, post={}, posted=200,
                                           foreign={"webhook_id": "$webhook_b"}),
    "consult.remove_webhook": Route(role="org_admin", args={"webhook_id": "$webhook_spare"},
                                    get=None, post={}, posted=303,
                                    foreign={"webhook_id": "$webhook_b"}),
    # Consultants.
    "consult.clients_list": Route(role="consultant_a", query=("q", "sort", "archived")),
    "consult.export_clients": Route(role="consultant_a", args={"fmt": "csv"}),
    "consult.new_client": Route(role="consultant_a", post=lambda ctx: {
        **PROFILE, "name": unique("New client ")}, posted=303, text={"name": 200}),
    "consult.client": Route(role="consultant_a", args=CLIENT_A, foreign={"firm_id": "$client_b"}),
    "consult.edit_client": Route(role="consultant_a", args=CLIENT_A, post=PROFILE, posted=303,
                                 text={"name": 200}, foreign={"firm_id": "$client_b"}),
    "consult.archive_client": Route(role="consultant_a", args={**CLIENT_A, "change": "restore"},
                                    get=None, post={}, posted=303,
                                    foreign={"firm_id": "$client_b", "change": "restore"}),
    "consult.start_assessment": Route(role="consultant_a", args=CLIENT_A, get=None, post={},
                                      posted=303, foreign={"firm_id": "$client_b"}),
    "consult.continue_assessment": Route(
        role="consultant_a", args={**CLIENT_A, "assessment_id": "$draft_a"}, get=None, post={},
        posted=303, foreign={"firm_id": "$client_b", "assessment_id": "$draft_b"}),
    "consult.invite": Route(role="consultant_a", args=CLIENT_A, get=None,
                            post={"email": "client@example.org"}, posted=200,  # link shown
                            text={"email": 254}, foreign={"firm_id": "$client_b"}),
    "consult.assessment": Route(role="consultant_a", args=SUBMITTED_A, post=notes_body,
                                posted=303, text=NOTE_FIELDS,
                                foreign={"firm_id": "$client_b", "assessment_id": "$submitted_b"}),
    "consult.accept_profile": Route(role="consultant_a", args=SUBMITTED_A, get=None, post={},
                                    posted=303, foreign={"firm_id": "$client_b",
                                                         "assessment_id": "$submitted_b"}),
    "consult.report": Route(role="consultant_a", args={**SUBMITTED_A, "lang": "ko"},
                            foreign={"firm_id": "$client_b", "assessment_id": "$submitted_b",
                                     "lang": "ko"}),
    "consult.choose_compare": Route(role="consultant_a", get=None,
                                    post={"client": "$client_a"}, posted=303),
    "consult.compare": Route(role="consultant_a", args={"client": "$compare"},
                             query=("client",), foreign={"client": ["$client_a", "$client_b"]}),
    "consult.start_batch": Route(role="consultant_a", get=None,
                                 post={"client": "$client_a", "language": "ko"}, posted=303),
    "consult.job": Route(role="consultant_a", args={"job_id": "$job_a"},
                         foreign={"job_id": "$job_b"}),
    "consult.job_progress": Route(role="consultant_a", args={"job_id": "$job_a"},
                                  foreign={"job_id": "$job_b"}),
    # Not rendered yet (no worker in the world): nothing to download, for A as for B.
    "consult.job_download": Route(role="consultant_a", args={"job_id": "$job_a"}, get=404,
                                  foreign={"job_id": "$job_b"}),
    "consult.job_retry": Route(role="consultant_a", args={"job_id": "$job_a"}, get=None,
                               post={}, posted=303, foreign={"job_id": "$job_b"}),
    # Support agencies.
    "agency.dashboard": Route(role="analyst", query=("industry", "region", "size_band", "from",
                                                     "to")),
    "agency.export": Route(role="analyst", args={"fmt": "csv"},
                           query=("industry", "region", "size_band", "from", "to")),
    "agency.firms": Route(role="analyst"),
    "agency.firm": Route(role="analyst", args={"assessment_id": "$shared_c"},
                         foreign={"assessment_id": "$shared_d"}),
    "agency.report": Route(role="analyst", args={"assessment_id": "$shared_c", "lang": "ko"},
                           foreign={"assessment_id": "$shared_d", "lang": "ko"}),
    "agency.programmes": Route(role="analyst", post=programme_body, posted=303,
                               text=PROGRAMME_FIELDS),
    "agency.programme": Route(role="analyst", args={"programme_id": "$programme_c"},
                              post=lambda ctx: {"name": "Programme C", "description": "",
                                                "link": "", "eligibility": ELIGIBLE},
                              posted=303, text=PROGRAMME_FIELDS,
                              foreign={"programme_id": "$programme_d"}),
    "agency.remove_programme": Route(role="analyst", args={"programme_id": "$programme_spare"},
                                     get=None, post={}, posted=303,
                                     foreign={"programme_id": "$programme_d"}),
    # The JSON API: bearer tokens only.
    "api.questionnaire": Route(role="api:anonymous"),
    "api.score": Route(role="api:anonymous", get=None, post=lambda ctx: document(),
                       posted=200, text={"firm.name": 200}),
    "api.create_assessment": Route(role="api:consultant_a", get=None,
                                   post=lambda ctx: document(), posted=201,
                                   text={"firm.name": 200}),
    "api.assessment": Route(role="api:consultant_a", args={"assessment_id": "$submitted_a"},
                            foreign={"assessment_id": "$submitted_b"}),
    "api.assessments": Route(role="api:consultant_a", query=("page", "per_page")),
    "api.start_batch": Route(role="api:consultant_a", get=None,
                             post={"assessments": ["$submitted_a"], "language": "ko"},
                             posted=202),
    "api.job": Route(role="api:consultant_a", args={"job_id": "$job_a"},
                     foreign={"job_id": "$job_b"}),
    "api.job_download": Route(role="api:consultant_a", args={"job_id": "$job_a"}, get=409,
                              foreign={"job_id": "$job_b"}),
    "api.aggregates_view": Route(role="api:analyst", args={"by": "industry"},
                                 query=("by", "industry", "region", "size", "from", "to")),
}


# Routes that answer with a file rather than a page (a PDF is rendered on its first request).
DOWNLOADS = {"static", "openapi.spec", "respond.report", "consult.report", "agency.report",
             "consult.export_clients", "agency.export", "members.logo", "consult.job_download",
             "api.job_download"}  # fmt: skip


def resolve(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return values.get(value, value)
    if isinstance(value, list):
        return [resolve(v, values) for v in value]
    return value


def url_values(args: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: resolve(v, values) for k, v in args.items()}


RULE_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def raw_path(rule: str, values: Mapping[str, Any]) -> str:
    """The path of ``rule`` with ``values`` put in as they are (percent-encoded), without the
    converters' checks: for values no ``url_for`` would build (negative, huge, text)."""
    from urllib.parse import quote

    return RULE_VARIABLE.sub(lambda m: quote(str(values[m.group(1)]), safe=""), rule)


def token_for(client) -> str:
    """The CSRF token of ``client``'s session (any page with a form shows it)."""
    return csrf_token(client.get("/start").text)
