"""Accounts: organisations (consultancies and agencies), users, their memberships, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import intpk, timestamp

ORGANISATION_KINDS = ("consultancy", "agency")
# What a member may do is the role within the organisation; site administrators are users with
# ``site_admin`` set, with or without an organisation.
MEMBER_ROLES = ("consultant", "analyst", "org_admin")


class Organisation(db.Model):
    """A consultancy (assesses client firms) or a support agency (sees aggregates)."""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint("kind IN ('consultancy', 'agency')", name="kind"),)

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[timestamp]
    # A consultancy's branding on its PDFs and mails: a logo re-encoded as PNG by us (never
    # the uploaded bytes) and an accent colour "#rrggbb".
    # Up to a megabyte: loaded only where the logo is drawn, not with every list of organisations.
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    accent_colour: Mapped[str | None] = mapped_column(String(7))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", order_by="Membership.id"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"


class User(db.Model):
    """Someone who signs in: a consultant, an agency analyst or an administrator."""

    __tablename__ = "user_account"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # None until the person sets a password from an invitation link.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Set while the password is one made up for the person and printed once (the command line,
    # the demo): it then opens only the account page, to choose one's own, and only until this
    # time. Choosing or resetting a password clears it.
    password_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the session's user id: bumped at logout and password change, so that every
    # earlier session cookie of this user stops working.
    session_epoch: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[timestamp]
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Two-step sign-in (TOTP, RFC 6238): the base32 seed, kept from the start of the setup; the
    # second step is asked for only once ``two_step_enabled_at`` is set, when the person has
    # shown a code of their app. ``two_step_last_step`` is the time step of the last code taken,
    # so that no code is taken twice.
    two_step_secret: Mapped[str | None] = mapped_column(String(64))
    two_step_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    two_step_last_step: Mapped[int | None] = mapped_column(BigInteger)

    membership: Mapped[Membership | None] = relationship(back_populates="user")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", order_by="ApiToken.id")

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    @property
    def two_step_enabled(self) -> bool:
        return self.two_step_enabled_at is not None and self.two_step_secret is not None

    @property
    def organisation(self) -> Organisation | None:
        return self.membership.organisation if self.membership else None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


class Membership(db.Model):
    """A user's place in one organisation, with a role there."""

    __tablename__ = "membership"
    __table_args__ = (
        CheckConstraint("role IN ('consultant', 'analyst', 'org_admin')", name="role"),
        UniqueConstraint("user_id", name="one_organisation"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[timestamp]

    user: Mapped[User] = relationship(back_populates="membership")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} org={self.organisation_id} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for scripts: shown once, stored as its SHA-256, expiring, revocable."""

    __tablename__ = "api_token"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[timestamp]
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} user={self.user_id}>"


class RecoveryCode(db.Model):
    """A single-use code that stands in for the app's code of the two-step sign-in.

    A code reads ``abcd-efgh-jkmn-pqrs``: its first group is the ``selector`` that finds the row
    (stored as it is), and the whole code is hashed with argon2id, as its 80 bits are fewer than
    a plain hash would need.
    """

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "selector", name="one_selector_per_user"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    selector: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[timestamp]
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id} used={self.used_at is not None}>"



class UserSession(db.Model):
    """One signed-in browser of a user, so that it can be listed and ended on its own.

    The session cookie holds a random token; only its SHA-256 is stored here. The cookie's own
    times (``since``, ``seen``) still decide when it expires; ``last_seen_at`` is for the list,
    rewritten at most once a minute.
    """

    __tablename__ = "user_session"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    device: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(64), default="")

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"
