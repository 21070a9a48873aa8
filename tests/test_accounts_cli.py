"""`assess orgs`, `assess users` and `assess tokens` (DESIGN §5)."""

from __future__ import annotations

from sqlalchemy import select

from assess.extensions import db
from assess.models import ApiToken, AuditEvent, User
from assess.services import accounts


def test_admin_with_password_from_stdin_then_orgs_users_and_a_token(app, runner):
    app.config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_KIB=8)
    result = runner.invoke(args=["users", "create", "admin@example.org", "--role", "admin",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert runner.invoke(args=["orgs", "create", "한빛컨설팅", "--kind", "consultancy"]).exit_code == 0
    result = runner.invoke(args=["users", "create", "Kim@Example.org", "--role", "consultant",
                                 "--org", "한빛컨설팅"])  # fmt: skip
    assert result.exit_code == 0, result.output
    printed = result.output.strip().splitlines()[-1].split()[-1]
    assert "works for 72 hours, and only to choose one's own" in result.output
    result = runner.invoke(args=["tokens", "create", "kim@example.org", "--days", "7"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1].split()[-1]
    listing = runner.invoke(args=["users", "list"]).output
    assert "kim@example.org\t한빛컨설팅\tconsultant\tactive" in listing
    with app.app_context():
        kim = accounts.find_user("kim@example.org")
        assert accounts.authenticate("kim@example.org", printed, "127.0.0.1").id == kim.id
        assert accounts.user_for_api_token(token).id == kim.id
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash != token and token not in stored.token_hash
        assert kim.role == "consultant" and kim.organisation.name == "한빛컨설팅"
        # Printed, so made up for Kim: at least 128 random bits, and it expires.
        assert len(printed) * 6 >= 128 and kim.password_expires_at is not None
        assert accounts.find_user("admin@example.org").password_expires_at is None  # typed
        assert db.session.scalar(select(User).where(User.email == "admin@example.org")).site_admin
    result = runner.invoke(args=["tokens", "revoke", token[:12]])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert accounts.user_for_api_token(token) is None
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"user.create", "organisation.create", "token.create", "token.revoke"} <= actions


def test_bad_input_exits_2_naming_the_field(app, runner):
    result = runner.invoke(args=["users", "create", "x@example.org", "--role", "consultant"])
    assert result.exit_code == 2
    assert "org:" in result.output
    result = runner.invoke(args=["users", "create", "not-an-email", "--role", "admin"])
    assert result.exit_code == 2
    assert "email:" in result.output
    runner.invoke(args=["orgs", "create", "Agency", "--kind", "agency"])
    result = runner.invoke(args=["users", "create", "y@example.org", "--role", "consultant",
                                 "--org", "Agency"])  # fmt: skip
    assert result.exit_code == 2
    assert "Consultants belong to a consultancy" in result.output
    result = runner.invoke(args=["orgs", "create", "Agency", "--kind", "agency"])
    assert result.exit_code == 2
    assert "exists already" in result.output
    result = runner.invoke(args=["tokens", "revoke", "axr_nothing"])
    assert result.exit_code == 2
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "y@example.org")) is None
