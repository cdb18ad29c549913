"""The ceiling: a bare Flask redirect, no database, no tracking, no extensions; served by
gunicorn with the Procfile's web settings as ``bench.bare_app:create_app()``."""

from flask import Flask, redirect


def create_app() -> Flask:
    app = Flask(__name__)

    @app.route("/<username>/<slug>", methods=["GET", "HEAD"])
    def follow(username: str, slug: str):
        response = redirect("https://example.com/", code=302)
        response.headers["Cache-Control"] = "private, max-age=0"
        return response

    return app
