"""Flask's signed-cookie sessions, minus a cost paid on every request."""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessionInterface(SecureCookieSessionInterface):
    """Builds the signing serializer once per set of keys, not once per request.

    Flask builds a new ``URLSafeTimedSerializer`` to open every session, which
    was about a tenth of the redirect's CPU. One instance per app, so two apps
    in a process never share a key.
    """

    def __init__(self):
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
