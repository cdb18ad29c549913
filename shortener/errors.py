"""Error pages: HTML for people, JSON for clients that ask for it."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _render(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(400)
    def bad_request(error):
        return _render(400, "Bad request", getattr(error, "description", "") or "The request was not understood.")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "Form expired", "The form was missing its security token or it expired. Reload the page and try again.")

    @app.errorhandler(404)
    def not_found(_error):
        return _render(404, "Not found", "There is nothing here. The link may have been removed, deactivated or mistyped.")

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return _render(405, "Method not allowed", "That action is not available here.")

    @app.errorhandler(429)
    def too_many_requests(error):
        return _render(429, "Too many attempts", f"Slow down: {error.description}. Wait a little and try again.")

    @app.errorhandler(500)
    def internal_error(_error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, "Something went wrong", "The error was logged. Please try again in a moment.")
