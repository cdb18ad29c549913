"""Security headers on every response the app renders; the redirect sets its own few.

One ``after_request`` hook, no extension: flask-talisman (last release 2023) would
overwrite the admin's and rq-dashboard's own policies and adds hooks to the redirect.
Headers a view or blueprint already set are kept (the admin's stricter CSP,
rq-dashboard's looser one, ``no-referrer`` on the password-reset pages, the
redirect's ``Cache-Control``).
"""

from flask import Flask, Response, current_app

# No 'unsafe-inline' anywhere: templates use classes and static/app.js, charts are SVG with classes.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
REFERRER_POLICY = "strict-origin-when-cross-origin"
HSTS = "max-age=31536000"  # one year; no includeSubDomains: other hosts of the domain are not ours

# What a redirect needs: nothing in it is rendered, so a CSP or frame rules have nothing to act on.
# HSTS it does need in production: for most visitors a redirect is the only response they get.
REDIRECT_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY))


def hsts(production: bool) -> tuple[tuple[str, str], ...]:
    return (("Strict-Transport-Security", HSTS),) if production else ()


def page_headers(production: bool) -> tuple[tuple[str, str], ...]:
    headers = (
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", REFERRER_POLICY),
        # Every page either shows an account's data or carries a CSRF token bound to the
        # session; static files set their own (ETag revalidation) and keep it.
        ("Cache-Control", "no-store"),
    )
    return headers + hsts(production)


def redirect_headers(response: Response) -> Response:
    """Give a redirect its own few headers; the app's hook then leaves it alone (cheap on the hot path)."""
    for name, value in current_app.extensions["redirect_headers"]:
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"
    headers = page_headers(production)
    app.extensions["redirect_headers"] = REDIRECT_HEADERS + hsts(production)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # A response that set nosniff itself set its own headers: the redirect (redirect_headers).
        if "X-Content-Type-Options" in response.headers:
            return response
        for name, value in headers:
            response.headers.setdefault(name, value)
        return response
