"""The API's errors: JSON with a stable code, ``{"error": {"code": ..., "message": ...}}``.

Codes are part of the API: clients branch on them, so they never change meaning. Every HTTP
error inside /api (a 404 of routing, a 405, a 413 of an oversized body, a 429) answers this way.
"""

import logging
import time

from flask import Blueprint, Response, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from ..extensions import limiter

log = logging.getLogger(__name__)

PREFIX = "/api/"
# The code of an HTTP error raised outside our own checks (routing, body size, ...).
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}
MESSAGES = {
    401: "Send a valid API token as 'Authorization: Bearer <token>'.",
    404: "There is nothing here.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    500: "Something went wrong on our side; it was logged.",
}


class ApiError(Exception):
    """An error answered as JSON: ``status``, a stable ``code``, a message for people."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


def api_error(error: ApiError) -> Response:
    response = error_response(error.status, error.code, error.message, error.field)
    response.headers.update(error.headers)
    return response


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    error = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    response = jsonify(error=error)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    message = MESSAGES.get(status) or error.description or "Error."
    response = error_response(status, CODES.get(status, "error"), message)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def retry_after(reset_at: float) -> str:
    """Seconds until ``reset_at`` (a timestamp), for a Retry-After header: at least 1."""
    return str(max(1, int(reset_at - time.time()) + 1))


def rate_limited(error: RateLimitExceeded) -> Response:
    response = error_response(429, "rate_limited", f"Rate limit exceeded ({error.description}).")
    current = limiter.current_limit
    # The app turns Flask-Limiter's headers off (they cost the redirect); the API sets its own.
    response.headers["Retry-After"] = retry_after(current.reset_at if current else time.time() + 60)
    return response


def init_blueprint(bp: Blueprint) -> None:
    bp.register_error_handler(ApiError, api_error)
    bp.register_error_handler(RateLimitExceeded, rate_limited)
    bp.register_error_handler(HTTPException, http_error)
