"""Who reaches /admin, and the headers its pages carry: shared by every admin blueprint."""

from flask import abort
from flask_login import current_user

# No inline script or style anywhere under /admin: a stolen admin page is the worst XSS target.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def require_admin() -> None:
    # A 404, as for someone else's link: non-admins do not learn that /admin exists.
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(404)


def strict_csp(response):
    # Not on strangers' 404s: those carry the site's usual headers, like any missing page.
    if response.status_code < 400:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
