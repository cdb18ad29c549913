"""The admin blueprint: everything under /admin, for admins only."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")

# No inline script or style anywhere under /admin: a stolen admin page is the worst XSS target.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


@bp.before_request
def admins_only():
    # A 404, as for someone else's link: non-admins do not learn that /admin exists.
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(404)


@bp.after_request
def strict_csp(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.route("/")
def index():
    return render_template("admin/index.html")
