"""Flask extensions, created once and bound to the app in ``create_app``."""

from flask import session
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .signing import CSRFProtect  # Flask-WTF's, with tokens signed by HMAC-SHA256

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
csrf = CSRFProtect()


class SignInManager(LoginManager):
    """Flask-Login's manager, with strong session protection applied to signed-in sessions only.

    Flask-Login takes any non-empty session without its fingerprint for a stolen one. A
    respondent's session is not signed in but holds a CSRF secret, so each of their responses
    "cleared" it again: the session cookie re-signed and an expired remember cookie sent, on
    every page and autosave."""

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


login_manager = SignInManager()
