"""Who may open what, in one place.

Every endpoint has one access rule, checked before its view runs; an endpoint without a rule is
refused (and the route × role test fails). Objects are loaded through the functions below, whose
queries are scoped to what the current person may see, so another organisation's object is a 404
by construction.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from .extensions import db, login_manager
from .models import (
    Assessment,
    Firm,
    Job,
    Membership,
    Organisation,
    Programme,
    User,
    UserSession,
    Webhook,
)
from .security import mark_firm_data

PUBLIC = "public"  # anyone: home, start, static files, sign-in and password links
RESUME_LINK = "resume_link"  # anyone holding a resume link; the assessment is found by it or 404
SIGNED_IN = "signed_in"  # any active account
ORG_ADMIN = "org_admin"  # an organisation's administrator, for that organisation only
CONSULTANCY = "consultancy"  # a member of a consultancy (consultant or its administrator)
AGENCY = "agency"  # a member of a support agency (analyst or its administrator)
SITE_ADMIN = "site_admin"  # a site administrator
# The JSON API: a bearer token of a consultancy member (never the session cookie).
API_CONSULTANCY = "api_consultancy"
# The JSON API's aggregates: a bearer token of a support agency's member.
API_AGENCY = "api_agency"
RULES = (PUBLIC, RESUME_LINK, SIGNED_IN, ORG_ADMIN, CONSULTANCY, AGENCY, SITE_ADMIN,
         API_CONSULTANCY, API_AGENCY)
API_PREFIX = "/api/"
# Requests that never read or write the session cookie: the API, static files (cacheable by
# anyone, so never varying with a cookie) and the health checks.
COOKIELESS_PREFIXES = (API_PREFIX, "/static/")
COOKIELESS_PATHS = frozenset({"/healthz", "/readyz"})
# What a session may open while its account must still turn two-step sign-in on.
TWO_STEP_SETUP = frozenset({"auth.two_step_setup", "auth.logout"})
# What a signed-in person whose password was made up for them may open: the account page, to
# choose their own, and signing out.
OWN_PASSWORD = frozenset({"auth.account", "auth.logout"})
# Endpoints that are not ours: Flask's static files and APIFlask's OpenAPI document.
BUILT_IN = {"static": PUBLIC, "openapi.spec": PUBLIC}

View = TypeVar("View", bound=Callable)
# Row ids are 32-bit integers on PostgreSQL (URL ids are bounded by their converter, RowId).
MAX_ROW_ID = 2**31 - 1


def access(rule: str) -> Callable[[View], View]:
    """Declare the access rule of a view."""
    if rule not in RULES:
        raise ValueError(f"unknown access rule {rule!r}")

    def mark(view: View) -> View:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return mark


def rule_of(app: Flask, endpoint: str) -> str | None:
    if endpoint in BUILT_IN:
        return BUILT_IN[endpoint]
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


class TokenRequired(Unauthorized):
    """An API call without a valid bearer token (missing, unknown, expired, revoked, or of a
    disabled account: never saying which)."""

    error_code = "unauthorized"
    description = ("Send a valid API token: 'Authorization: Bearer axr_...' "
                   "(make one with `assess tokens create EMAIL`).")  # fmt: skip

    def __init__(self) -> None:
        super().__init__(www_authenticate=WWWAuthenticate("bearer", {"realm": "api"}))


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def is_cookieless_request() -> bool:
    return request.path.startswith(COOKIELESS_PREFIXES) or request.path in COOKIELESS_PATHS


OPENED_SESSIONS_KEPT = 4096


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie, except on the API, static files and health checks: an API call
    neither reads nor writes it, so a browser's cookie can never authenticate one (which is why
    the API needs no CSRF token), and no API, static or health response sets a cookie. The
    cookie is signed with HMAC-SHA256 (Flask's default is SHA-1)."""

    digest_method = staticmethod(hashlib.sha256)

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}
        # cookie -> (signed at, contents) of cookies checked already: a visitor sends the same
        # cookie with every request until it changes, and checking its signature and decoding
        # it again gives the same contents. Only flat contents are kept (a copy of them is
        # handed out, which a request may change freely).
        self._opened: OrderedDict[str, tuple[int, dict]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(app) -> tuple:
        return (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)

    def get_signing_serializer(self, app):
        # Flask makes a serializer per request, twice (open and save); one per key set does.
        if not app.secret_key:
            return None
        keys = self._keys(app)
        if keys not in self._serializers:
            with self._lock:
                self._serializers.setdefault(keys, super().get_signing_serializer(app))
        return self._serializers[keys]

    def open_session(self, app, request):
        if request.path.startswith(COOKIELESS_PREFIXES) or request.path in COOKIELESS_PATHS:
            return self.session_class()
        value = request.cookies.get(self.get_cookie_name(app))
        signer = self.get_signing_serializer(app)
        if not value or signer is None:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (self._keys(app), value)  # the keys it was checked with, and the cookie
        kept = self._opened.get(key)
        if kept is not None and time.time() - kept[0] <= max_age:
            return self.session_class(kept[1])
        try:
            data, signed_at = signer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(
                isinstance(v, str | int | float | bool | None) for v in data.values()):  # fmt: skip
            with self._lock:
                self._opened[key] = (int(signed_at.timestamp()), data)
                while len(self._opened) > OPENED_SESSIONS_KEPT:
                    self._opened.popitem(last=False)
        return self.session_class(data)

    def save_session(self, app, session, response) -> None:
        if is_cookieless_request():
            return
        super().save_session(app, session, response)


def start_session_clock() -> None:
    """At sign-in: the session's age and idle time count from now."""
    session["since"] = session["seen"] = int(time.time())


def _session_is_fresh() -> bool:
    """A signed-in session ends ``SESSION_IDLE_MINUTES`` after its last request and
    ``SESSION_MAX_HOURS`` after signing in, whatever happens in between (a cookie left on a
    shared computer stops working). The last-seen time is rewritten at most once a minute."""
    config = current_app.config
    now = int(time.time())
    since, seen = session.get("since"), session.get("seen")
    if not isinstance(since, int) or now - since > config["SESSION_MAX_HOURS"] * 3600:
        return False
    if not isinstance(seen, int) or now - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if now - seen >= 60:
        session["seen"] = now
    return True


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page says why on its own

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The session's user, if the session is still current (see User.session_epoch)."""
        user_id, _, epoch = session_id.partition(".")
        if not (user_id.isdigit() and epoch.isdigit()):
            return None
        if not _session_is_fresh():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_epoch != int(epoch):
            return None
        from .services import sessions

        row = sessions.find(user.id, session.get("sid"))
        if row is None:  # ended on its own from the list of sessions (or made before the list)
            return None
        g.user_session = row
        if sessions.seen(row):
            g.session_seen = True  # committed before the view runs (enforce_access_rule)
        return user

    @login_manager.request_loader
    def load_api_user(request) -> User | None:
        """The user of an API call's bearer token; the API has no session (see SessionInterface)."""
        from .services.accounts import user_for_api_token

        auth = request.authorization
        if not request.path.startswith(API_PREFIX) or auth is None or auth.type != "bearer":
            return None
        user = user_for_api_token(auth.token or "")
        if user is not None:
            db.session.commit()  # the token's last use is kept, whatever the request does next
        return user

    @app.before_request
    def enforce_access_rule():
        if request.endpoint is None:
            return None  # no route: the 404 handler answers
        if current_user.is_authenticated and g.pop("session_seen", False):
            db.session.commit()  # a session's last-seen time, before the view writes anything
        rule = rule_of(app, request.endpoint)
        if rule is None:
            current_app.logger.error("endpoint %s has no access rule", request.endpoint)
            abort(403)
        if rule in (PUBLIC, RESUME_LINK):
            return None
        if rule == API_CONSULTANCY:
            return _check_api_token("consultancy")
        if rule == API_AGENCY:
            return _check_api_token("agency")
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        mark_firm_data()  # signed-in pages show organisations' data: never cached
        if current_user.password_expires_at is not None:
            if request.endpoint not in OWN_PASSWORD:
                # A password made up and printed for the person opens nothing but the page where
                # they choose their own (ASVS V6.4.1: an initial secret never becomes the lasting
                # one); two-step sign-in is turned on after that.
                return redirect(url_for("auth.account"))
        elif must_turn_on_two_step(current_user) and request.endpoint not in TWO_STEP_SETUP:
            return redirect(url_for("auth.two_step_setup"))
        if rule == SITE_ADMIN and not current_user.site_admin:
            abort(403)
        if rule == ORG_ADMIN and current_user.role != "org_admin":
            abort(403)
        if rule in (CONSULTANCY, AGENCY) and (current_user.organisation is None
                                              or current_user.organisation.kind != rule):
            abort(403)
        return None


def must_turn_on_two_step(user: User) -> bool:
    """Whether ``user`` holds a role of ``TWO_STEP_REQUIRED_ROLES`` without two-step sign-in on:
    such a session opens only the setup page (and signing out) until it is on."""
    required = current_app.config["TWO_STEP_REQUIRED_ROLES"]
    if not required or user.two_step_enabled:
        return False
    return bool(required & {user.role, "site_admin" if user.site_admin else None})


def _check_api_token(kind: str) -> None:
    """A valid token (else 401) of a member of an organisation of ``kind`` (else 403)."""
    if not current_user.is_authenticated:
        raise TokenRequired()
    mark_firm_data()
    if current_user.organisation is None or current_user.organisation.kind != kind:
        abort(403)


# Scoped loads.


def _row_id(ident: int) -> int:
    """An id that may name a row; ids from a query string or a form are not bounded by the
    URL's converter, and a number beyond the column's range must be a 404, not a database error.

    :raise 404: otherwise.
    """
    if isinstance(ident, bool) or not isinstance(ident, int) or not 1 <= ident <= MAX_ROW_ID:
        abort(404)
    return ident


def assessment_for_link(token: str) -> Assessment:
    """The assessment behind a resume link.

    :raise 404: for an unknown token, never saying whether it ever existed.
    """
    from .services.drafts import find_by_token

    assessment = find_by_token(token)
    if assessment is None:
        abort(404)
    mark_firm_data()
    return assessment


def assessment_row_for_link(token: str) -> tuple:
    """The assessment behind a resume link as a read-only row, for a page that only shows it.

    :raise 404: as ``assessment_for_link``.
    """
    from .services.drafts import find_row_by_token

    row = find_row_by_token(token)
    if row is None:
        abort(404)
    mark_firm_data()
    return row


def members_of_my_organisation() -> list[Membership]:
    """The current user's organisation's memberships (an org admin's team page)."""
    return list(db.session.scalars(
        select(Membership).where(Membership.organisation_id == _my_organisation_id())
        .order_by(Membership.id)))  # fmt: skip


def membership_in_my_organisation(membership_id: int) -> Membership:
    """:raise 404: for a membership of another organisation, or none."""
    membership_id = _row_id(membership_id)
    membership = db.session.scalar(select(Membership).where(
        Membership.id == membership_id,
        Membership.organisation_id == _my_organisation_id()))  # fmt: skip
    if membership is None:
        abort(404)
    return membership


def job_of_my_organisation(job_id: int) -> Job:
    """A background job (batch of reports) of the current user's organisation.

    :raise 404: for a job of another organisation, or none.
    """
    job_id = _row_id(job_id)
    job = db.session.scalar(select(Job).where(
        Job.id == job_id, Job.organisation_id == _my_organisation_id()))  # fmt: skip
    if job is None:
        abort(404)
    mark_firm_data()
    return job


def _my_organisation_id() -> int:
    membership = current_user.membership
    if membership is None:
        abort(404)
    return membership.organisation_id


def my_consultancy() -> Organisation:
    """The signed-in consultant's organisation (the CONSULTANCY rule has checked its kind)."""
    organisation = current_user.organisation
    if organisation is None or organisation.kind != "consultancy":
        abort(404)
    return organisation


def client_of_my_consultancy(firm_id: int) -> Firm:
    """:raise 404: for another organisation's firm, a firm of its own, or none."""
    firm_id = _row_id(firm_id)
    firm = db.session.scalar(select(Firm).where(
        Firm.id == firm_id, Firm.organisation_id == my_consultancy().id))  # fmt: skip
    if firm is None:
        abort(404)
    return firm


def submitted_assessment_of_my_consultancy(assessment_id: int) -> Assessment:
    """A submitted assessment of one of the consultancy's clients that the client has not
    withdrawn (the API's view of an assessment).

    :raise 404: otherwise, another organisation's included.
    """
    assessment_id = _row_id(assessment_id)
    assessment = db.session.scalar(select(Assessment).join(Firm, Firm.id == Assessment.firm_id)
                                   .where(Assessment.id == assessment_id,
                                          Firm.organisation_id == my_consultancy().id,
                                          Assessment.status == "submitted",
                                          Assessment.consultancy_revoked_at.is_(None)))  # fmt: skip
    if assessment is None:
        abort(404)
    return assessment


def assessment_of_my_client(firm: Firm, assessment_id: int) -> Assessment:
    """An assessment of ``firm`` (already scoped) that the client has not withdrawn.

    :raise 404: otherwise.
    """
    assessment_id = _row_id(assessment_id)
    assessment = db.session.scalar(select(Assessment).where(
        Assessment.id == assessment_id, Assessment.firm_id == firm.id,
        Assessment.consultancy_revoked_at.is_(None)))  # fmt: skip
    if assessment is None:
        abort(404)
    return assessment


def my_agency() -> Organisation:
    """The signed-in analyst's agency (the AGENCY rule has checked its kind)."""
    organisation = current_user.organisation
    if organisation is None or organisation.kind != "agency":
        abort(404)
    return organisation


def assessment_shared_with_my_agency(assessment_id: int) -> Assessment:
    """A submitted assessment whose firm consented to share it with my agency, and has not
    withdrawn.

    :raise 404: otherwise: a firm that did not consent does not exist for the agency.
    """
    from .services.agencies import consented

    assessment_id = _row_id(assessment_id)
    assessment = db.session.scalar(select(Assessment).where(
        Assessment.id == assessment_id, Assessment.status == "submitted",
        consented(my_agency())))  # fmt: skip
    if assessment is None:
        abort(404)
    mark_firm_data()
    return assessment


def programme_of_my_agency(programme_id: int) -> Programme:
    """:raise 404: for another agency's programme, a removed one, or none."""
    programme_id = _row_id(programme_id)
    programme = db.session.scalar(select(Programme).where(
        Programme.id == programme_id, Programme.organisation_id == my_agency().id,
        Programme.active.is_(True)))  # fmt: skip
    if programme is None:
        abort(404)
    return programme


def webhook_of_my_organisation(webhook_id: int) -> Webhook:
    """A webhook of the signed-in administrator's consultancy.

    :raise 404: for another organisation's webhook, none, or an organisation that is not a
        consultancy.
    """
    webhook_id = _row_id(webhook_id)
    webhook = db.session.scalar(select(Webhook).where(
        Webhook.id == webhook_id, Webhook.organisation_id == my_consultancy().id))  # fmt: skip
    if webhook is None:
        abort(404)
    return webhook


def my_session(session_id: int) -> UserSession:
    """One of the signed-in user's own sessions.

    :raise 404: for another user's session, an ended one, or none.
    """
    session_id = _row_id(session_id)
    row = db.session.scalar(select(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == current_user.id))  # fmt: skip
    if row is None:
        abort(404)
    return row
