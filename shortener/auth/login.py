"""Flask-Login's side of sessions: which user a session id names."""

from flask import Flask

from ..accounts import user_sessions
from ..accounts.models import User
from ..extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """Session ids are the random ids of server-side logins: a revoked one names nobody."""
    return user_sessions.load(session_id)
