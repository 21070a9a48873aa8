"""Every route × every kind of visitor → the one right status.

Generated from ``app.url_map``: a route added without an entry here (and without an access rule in
assess/permissions.py) fails this test. POST-only routes are sent with CSRF protection off, so that
the access rule, not the token, decides.
"""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.routing import Rule

from assess.permissions import rule_of
from tests.conftest import empty_tables
from tests.world import ROLES, seed, visitor, world_app

SIGNED_IN = ROLES[2:]

# Shorthands: what each visitor gets from a route open to all, to signed-in people, to admins.
ALL = dict.fromkeys(ROLES, 200)
LINK_ONLY = {role: 404 for role in ROLES}  # a resume-link route, with the holder's entry added
SIGNED = {"anonymous": 302, "resume_holder": 302, **dict.fromkeys(SIGNED_IN, 200)}
ADMIN = {"anonymous": 302, "resume_holder": 302, **dict.fromkeys(SIGNED_IN, 403),
         "site_admin": 200}  # fmt: skip
ORG_ADMIN = {"anonymous": 302, "resume_holder": 302, **dict.fromkeys(SIGNED_IN, 403),
             "org_admin": 200}  # fmt: skip
# Consultancy members; an agency analyst or an administrator without one is refused.
CONSULTANCY = {"anonymous": 302, "resume_holder": 302, "consultant_a": 200, "consultant_b": 200,
               "analyst": 403, "org_admin": 200, "site_admin": 403}  # fmt: skip

# Agency members (the analyst of agency C); consultants and administrators are refused.
AGENCY = {"anonymous": 302, "resume_holder": 302, **dict.fromkeys(SIGNED_IN, 403), "analyst": 200}


# The JSON API never takes the session cookie: a signed-in visitor without a token gets 401.
API_TOKEN_ONLY = dict.fromkeys(ROLES, 401)


def client_of_a(status: int) -> dict[str, int]:
    """A route about consultancy A's client: B's consultant gets 404, by construction."""
    return {**CONSULTANCY, "consultant_a": status, "org_admin": status, "consultant_b": 404}


# endpoint → (method, URL values, expected status per visitor)
MATRIX: dict[str, tuple[str, dict, dict[str, int]]] = {
    "static": ("GET", {"filename": "app.css"}, ALL),
    "main.home": ("GET", {}, ALL),
    "main.api_docs": ("GET", {}, ALL),
    "health.healthz": ("GET", {}, ALL),
    "health.readyz": ("GET", {}, ALL),
    "respond.start": ("GET", {}, ALL),
    "respond.create": ("POST", {}, dict.fromkeys(ROLES, 302)),
    "respond.resume": ("GET", {"token": "$token"}, {**LINK_ONLY, "resume_holder": 302}),
    "respond.page": ("GET", {"token": "$token", "page": "profile"},
                     {**LINK_ONLY, "resume_holder": 200}),
    "respond.autosave": ("POST", {"token": "$token", "page": "dx_ax"},
                         {**LINK_ONLY, "resume_holder": 409}),  # no revision posted: stale
    "respond.saved": ("GET", {"token": "$token"}, {**LINK_ONLY, "resume_holder": 200}),
    "respond.check": ("GET", {"token": "$token"}, {**LINK_ONLY, "resume_holder": 200}),
    "respond.submit": ("POST", {"token": "$token"}, {**LINK_ONLY, "resume_holder": 303}),
    "respond.results": ("GET", {"token": "$token"}, {**LINK_ONLY, "resume_holder": 302}),
    "respond.consent": ("POST", {"token": "$token"}, {**LINK_ONLY, "resume_holder": 400}),
    "respond.again": ("POST", {"token": "$token"}, {**LINK_ONLY, "resume_holder": 400}),
    "respond.report": ("GET", {"token": "$token", "lang": "ko"},
                       {**LINK_ONLY, "resume_holder": 302}),
    "auth.login": ("GET", {}, ALL),
    "auth.forgot": ("GET", {}, ALL),
    "auth.set_password": ("GET", {"purpose": "reset", "token": "forged"},
                          dict.fromkeys(ROLES, 404)),
    "auth.account": ("GET", {}, SIGNED),
    "auth.logout": ("POST", {}, {"anonymous": 302, "resume_holder": 302,
                                 **dict.fromkeys(SIGNED_IN, 303)}),
    # No password given in this session: back to the sign-in.
    "auth.second_step": ("GET", {}, dict.fromkeys(ROLES, 302)),
    "auth.two_step_setup": ("GET", {}, SIGNED),
    # Nobody of the matrix has two-step sign-in on: sent to set it up.
    "auth.two_step_settings": ("GET", {}, dict.fromkeys(ROLES, 302)),
    "auth.session_list": ("GET", {}, SIGNED),
    "auth.end_session": ("POST", {"session_id": "$missing"},
                         {"anonymous": 302, "resume_holder": 302,
                          **dict.fromkeys(SIGNED_IN, 404)}),  # fmt: skip
    "auth.end_other_sessions": ("POST", {}, {"anonymous": 302, "resume_holder": 302,
                                             **dict.fromkeys(SIGNED_IN, 303)}),
    "admin.index": ("GET", {}, ADMIN),
    "admin.users": ("GET", {}, ADMIN),
    "admin.organisations": ("GET", {}, ADMIN),
    "admin.tokens": ("GET", {}, ADMIN),
    "admin.audit_log": ("GET", {}, ADMIN),
    "admin.user_active": ("POST", {"user_id": "$analyst_id", "change": "enable"},
                          {**ADMIN, "site_admin": 303}),
    # No mail server here: the page answering the POST shows the link (never a flash).
    "admin.user_reset": ("POST", {"user_id": "$analyst_id"}, {**ADMIN, "site_admin": 200}),
    "admin.membership_role": ("POST", {"membership_id": "$membership_b"},
                              {**ADMIN, "site_admin": 303}),
    "admin.membership_remove": ("POST", {"membership_id": "$missing"},
                                {**ADMIN, "site_admin": 404}),
    "admin.token_revoke": ("POST", {"token_id": "$missing"}, {**ADMIN, "site_admin": 404}),
    "members.index": ("GET", {}, ORG_ADMIN),
    # Another organisation's member: not found, by construction of the scoped query.
    "members.remove": ("POST", {"membership_id": "$membership_b"}, {**ORG_ADMIN, "org_admin": 404}),
    "consult.clients_list": ("GET", {}, CONSULTANCY),
    "consult.new_client": ("GET", {}, CONSULTANCY),
    "consult.client": ("GET", {"firm_id": "$client_a"}, client_of_a(200)),
    "consult.edit_client": ("GET", {"firm_id": "$client_a"}, client_of_a(200)),
    "consult.archive_client": ("POST", {"firm_id": "$client_a", "change": "restore"},
                               client_of_a(303)),
    "consult.start_assessment": ("POST", {"firm_id": "$client_a"}, client_of_a(303)),
    "consult.continue_assessment": ("POST", {"firm_id": "$client_a", "assessment_id": "$draft_a"},
                                    client_of_a(303)),
    "consult.invite": ("POST", {"firm_id": "$client_a"}, client_of_a(200)),  # the link shown
    "consult.assessment": ("GET", {"firm_id": "$client_a", "assessment_id": "$submitted_a"},
                           client_of_a(200)),
    "consult.accept_profile": ("POST", {"firm_id": "$client_a", "assessment_id": "$submitted_a"},
                               client_of_a(303)),
    "consult.report": ("GET", {"firm_id": "$client_a", "assessment_id": "$submitted_a",
                               "lang": "en"}, client_of_a(200)),
    "consult.export_clients": ("GET", {"fmt": "xlsx"}, CONSULTANCY),
    "consult.choose_compare": ("POST", {}, {**CONSULTANCY, "consultant_a": 303,
                                            "consultant_b": 303, "org_admin": 303}),
    "consult.compare": ("GET", {"client": "$compare"}, client_of_a(200)),
    "consult.start_batch": ("POST", {}, {**CONSULTANCY, "consultant_a": 303, "consultant_b": 303,
                                         "org_admin": 303}),
    "consult.job": ("GET", {"job_id": "$job_a"}, client_of_a(200)),
    "consult.job_progress": ("GET", {"job_id": "$job_a"}, client_of_a(200)),
    # Not rendered yet: nothing to download, for A as for B.
    "consult.job_download": ("GET", {"job_id": "$job_a"}, client_of_a(404)),
    "consult.job_retry": ("POST", {"job_id": "$job_a"}, client_of_a(303)),
    "agency.dashboard": ("GET", {}, AGENCY),
    "agency.export": ("GET", {"fmt": "xlsx"}, AGENCY),
    "agency.firms": ("GET", {}, AGENCY),
    "agency.firm": ("GET", {"assessment_id": "$shared_c"}, AGENCY),
    "agency.report": ("GET", {"assessment_id": "$shared_c", "lang": "ko"}, AGENCY),
    "agency.programmes": ("GET", {}, AGENCY),
    "agency.programme": ("GET", {"programme_id": "$programme_c"}, AGENCY),
    "agency.remove_programme": ("POST", {"programme_id": "$programme_c"}, {**AGENCY,
                                                                         "analyst": 303}),
    # A consultancy administrator's webhooks; another organisation's is not found.
    "consult.webhooks_list": ("GET", {}, ORG_ADMIN),
    "consult.webhook": ("GET", {"webhook_id": "$webhook_a"}, ORG_ADMIN),
    "consult.test_webhook": ("POST", {"webhook_id": "$webhook_a"}, {**ORG_ADMIN, "org_admin": 303}),
    "consult.rotate_webhook_secret": ("POST", {"webhook_id": "$webhook_b"},
                                      {**ORG_ADMIN, "org_admin": 404}),
    "consult.remove_webhook": ("POST", {"webhook_id": "$webhook_b"},
                               {**ORG_ADMIN, "org_admin": 404}),
    "respond.invitation": ("GET", {"token": "$invitation"}, ALL),
    "respond.withdraw_consultancy": ("POST", {"token": "$token"},
                                     {**LINK_ONLY, "resume_holder": 303}),
    # Branding, of one's own consultancy only. No logo uploaded yet, so none is found; a post
    # without a file is refused (422); removing no logo or saving an empty colour changes nothing.
    "members.branding_index": ("GET", {}, ORG_ADMIN),
    "members.logo": ("GET", {}, {**ORG_ADMIN, "org_admin": 404}),
    "members.upload_logo": ("POST", {}, {**ORG_ADMIN, "org_admin": 422}),
    "members.remove_logo": ("POST", {}, {**ORG_ADMIN, "org_admin": 303}),
    "members.set_accent": ("POST", {}, {**ORG_ADMIN, "org_admin": 303}),
    # The JSON API (tests/api/test_access.py runs its own matrix with tokens).
    "openapi.spec": ("GET", {}, ALL),
    "api.questionnaire": ("GET", {}, ALL),
    "api.score": ("POST", {}, dict.fromkeys(ROLES, 422)),  # no document posted
    "api.create_assessment": ("POST", {}, API_TOKEN_ONLY),
    "api.assessment": ("GET", {"assessment_id": "$submitted_a"}, API_TOKEN_ONLY),
    "api.assessments": ("GET", {}, API_TOKEN_ONLY),
    "api.start_batch": ("POST", {}, API_TOKEN_ONLY),
    "api.job": ("GET", {"job_id": "$job_a"}, API_TOKEN_ONLY),
    "api.job_download": ("GET", {"job_id": "$job_a"}, API_TOKEN_ONLY),
    "api.aggregates_view": ("GET", {"by": "industry"}, API_TOKEN_ONLY),
}


@pytest.fixture
def world(database_url, tmp_path):
    app = world_app(database_url, tmp_path, WTF_CSRF_ENABLED=False)
    seeded = seed(app)
    yield app, seeded.values, seeded.emails
    empty_tables(app)


def route_url(app, endpoint: str, role: str, values: dict) -> str:
    """The URL ``role`` opens for ``endpoint``: MATRIX's arguments filled in from the world's
    ``values`` (anyone but the link's holder gets another, unknown link)."""
    args = MATRIX[endpoint][1]
    if role != "resume_holder" and args.get("token") == "$token":
        args = {**args, "token": "not-this-link-" + "x" * 20}
    url_args = {k: values.get(v, v) if isinstance(v, str) else v for k, v in args.items()}
    with app.test_request_context():
        return url_for(endpoint, **url_args)


def rules(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)


def test_every_route_has_an_access_rule_and_a_matrix_entry(world):
    app, _, _ = world
    endpoints = {rule.endpoint for rule in rules(app)}
    assert sorted(e for e in endpoints if rule_of(app, e) is None) == []
    assert sorted(endpoints - set(MATRIX)) == [], "add the new route to MATRIX"
    assert sorted(set(MATRIX) - endpoints) == []


@pytest.mark.parametrize("role", ROLES)
def test_route_by_role(world, role):
    app, values, emails = world
    client = visitor(app, role, emails)
    wrong = []
    for endpoint, (method, _, expected) in MATRIX.items():
        if endpoint == "auth.logout":
            continue  # signs the visitor out: checked last, below
        url = route_url(app, endpoint, role, values)
        response = client.open(url, method=method)
        response.close()  # static files are streamed from an open file
        if response.status_code != expected[role]:
            wrong.append((endpoint, method, url, response.status_code, expected[role]))
    method, _, expected = MATRIX["auth.logout"]
    response = client.open("/logout", method=method)
    if response.status_code != expected[role]:
        wrong.append(("auth.logout", method, "/logout", response.status_code, expected[role]))
    assert wrong == []
