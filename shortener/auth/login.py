"""Flask-Login's side of sessions: which user a session id names."""

from flask import Flask
from sqlalchemy import select

from ..extensions import db, login_manager
from ..models import User


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """Session ids are ``<user id>:<session version>``; a bumped version logs the session out."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    return db.session.scalar(
        select(User).where(User.id == int(user_id), User.session_version == int(version))
    )
