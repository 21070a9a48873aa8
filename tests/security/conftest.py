"""The attack suite's world: tests/world.py seeded once per module, on the real database, with
CSRF protection on and server errors answered as responses (a 500 is a finding to collect, not
an exception that stops the loop)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import url_for
from sqlalchemy import select

from assess.extensions import db
from tests.conftest import empty_tables
from tests.security.routes import ROUTES, Ctx, Route, resolve, token_for, url_values
from tests.world import World, seed, visitor, world_app

# Columns any request may write: a session's last-seen time (at most once a minute).
MOVING = {("user_session", "last_seen_at")}
# Routes that sign their visitor in or out, or change its password.
SIGNING = {"auth.login", "auth.logout", "auth.account", "auth.set_password", "auth.second_step"}


class Site:
    """A seeded world and the ways the suite talks to it."""

    def __init__(self, world: World):
        self.world = world
        self.app = world.app
        self.values = world.values
        self._visitors: dict[str, Any] = {}

    def visitor(self, role: str):
        """A client of ``role``, signed in once per module (API roles have no cookie)."""
        if role not in self._visitors:
            self._visitors[role] = self.fresh(role)
        return self._visitors[role]

    def client_for(self, endpoint: str):
        """The visitor of a route; a new one for the routes that sign their visitor in or out
        (or change its password), so that the others keep theirs."""
        role = ROUTES[endpoint].role
        return self.fresh(role) if endpoint in SIGNING else self.visitor(role)

    def fresh(self, role: str):
        if role.startswith("api:") or role not in self.world.emails:
            return self.app.test_client()
        return visitor(self.app, role, self.world.emails)

    def headers(self, role: str) -> dict[str, str]:
        name = role.removeprefix("api:")
        if role.startswith("api:") and name in self.world.tokens:
            return {"Authorization": f"Bearer {self.world.tokens[name]}"}
        return {}

    def url(self, endpoint: str, args: Mapping[str, Any] | None = None,
            query: Mapping[str, Any] | None = None) -> str:  # fmt: skip
        route_args = url_values(args if args is not None else ROUTES[endpoint].args, self.values)
        with self.app.test_request_context():
            path = url_for(endpoint, **route_args)
        if query:  # built apart: a parameter may be named like one of url_for's own
            path += ("&" if "?" in path else "?") + urlencode(
                [(k, v) for k, value in query.items()
                 for v in (resolve(value, self.values) if isinstance(value, list)
                           else [resolve(value, self.values)])])  # fmt: skip
        return path

    def body(self, route: Route, client) -> dict[str, Any]:
        return route.body(Ctx(self.values, client))

    def send(self, endpoint: str, method: str = "GET", *, client=None, role: str | None = None,
             url: str | None = None, body: Mapping[str, Any] | None = None,
             csrf: str | None = "valid", headers: Mapping[str, str] | None = None,
             query: Mapping[str, Any] | None = None):  # fmt: skip
        """One request to ``endpoint`` as its route's visitor (or ``role``/``client``).

        ``csrf``: "valid" adds the session's token to a form POST, None sends none, any other
        text is sent as the token. API requests get the role's bearer token and a JSON body.
        """
        route = ROUTES[endpoint]
        role = role or route.role
        client = client or self.visitor(role)
        url = url or self.url(endpoint, query=query)
        all_headers = {**self.headers(role), **(headers or {})}
        if method == "GET":
            response = client.get(url, headers=all_headers)
        elif role.startswith("api:"):
            response = client.post(url, json=dict(body or {}), headers=all_headers)
        else:
            data = dict(body or {})
            if csrf == "valid":
                data["csrf_token"] = token_for(client)
            elif csrf is not None:
                data["csrf_token"] = csrf
            response = client.post(url, data=data, headers=all_headers,
                                   content_type="multipart/form-data" if route.multipart
                                   else None)  # fmt: skip
        response.close()  # static files and downloads are streamed from open files
        return response

    def fingerprint(self, ignore: tuple[str, ...] = ()) -> dict[str, str]:
        """A digest of the rows of each table (but ``ignore``): equal, nothing changed (and a
        difference names the table)."""
        digests = {}
        with self.app.app_context():
            for table in db.metadata.sorted_tables:
                if table.name in ignore:
                    continue
                digest = hashlib.sha256()
                order = list(table.primary_key.columns) or list(table.columns)
                columns = [c for c in table.columns if (table.name, c.name) not in MOVING]
                for row in db.session.execute(select(*columns).order_by(*order)):
                    digest.update(repr(tuple(row)).encode())
                digests[table.name] = digest.hexdigest()[:12]
            db.session.remove()
        return digests

    def rows(self, statement) -> list:
        with self.app.app_context():
            result = list(db.session.execute(statement))
            db.session.remove()
            return result


@pytest.fixture(scope="module")
def site(database_url, tmp_path_factory) -> Iterator[Site]:
    app = world_app(database_url, tmp_path_factory.mktemp("world"), PROPAGATE_EXCEPTIONS=False)
    yield Site(seed(app))
    empty_tables(app)
