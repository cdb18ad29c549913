"""Error pages: HTML for people, JSON for clients that ask for it."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .api import errors as api_errors

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request was not understood."),
    404: ("Not found", "There is nothing here. It may have been removed or mistyped."),
    405: ("Method not allowed", "That action is not available here."),
    413: ("Too large", "That was more than this site accepts in one request."),
    429: ("Too many attempts", "Slow down a little, then try again."),
    500: ("Something went wrong", "The error was logged. Please try again in a moment."),
}
CSRF_MESSAGE = "The form was missing its security token or it expired. Reload the page and retry."


def _wants_json() -> bool:
    accept = request.accept_mimetypes
    return accept.best_match(["text/html", "application/json"]) == "application/json"


def render_error(status: int, message: str | None = None):
    title, default = MESSAGES[status]
    message = message or default
    if _wants_json():
        return jsonify(error=title, message=message), status
    page = render_template("errors/error.html", status=status, title=title, message=message)
    return page, status


def _api_or_page(status: int, message=None):
    """The handler of ``status`` for errors outside any blueprint's handlers (routing's 404 and
    405): JSON under /api, a page elsewhere (saying ``message()`` if given)."""
    def handle(error):
        if api_errors.is_api_request():
            if not isinstance(error, HTTPException):
                error = InternalServerError()
            return api_errors.http_error(error)
        return render_error(status, message() if message else None)
    return handle


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(429)
    def too_many_requests(error):
        if error.response is not None:  # the view's own page for its limit (link creation)
            return error.response
        return render_error(429, f"Too many attempts ({error.description}). Wait, then retry.")

    def too_large() -> str:
        limit = app.config["MAX_CONTENT_LENGTH"]
        return (f"That was more than this site accepts in one request "
                f"(at most {limit // 1024} KB). Shorten it and try again.")

    @app.errorhandler(500)
    def internal_error(error):
        log.error("unhandled error on %s %s", request.method, request.path)
        return _api_or_page(500)(error)

    for status in (400, 404, 405):
        app.register_error_handler(status, _api_or_page(status))
    app.register_error_handler(413, _api_or_page(413, too_large))
