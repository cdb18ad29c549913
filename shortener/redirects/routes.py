from flask import Blueprint, current_app, g, redirect, render_template, request
from flask_limiter.util import get_remote_address

from ..clicks.events import QR
from ..clicks.tracking import track_click
from ..extensions import limiter
from ..links import access
from ..links.lookup import LinkRow, resolve
from ..security import redirect_headers
from .forms import LinkPasswordForm

bp = Blueprint("redirects", __name__)
NO_STORE = "private, max-age=0"


@bp.route("/<username>/<slug>", methods=["GET", "HEAD"])
def follow(username: str, slug: str):
    # Deliberately never touches current_user: loading the session user would
    # cost a query on every click.
    link = resolve(username, slug)
    if link is None:
        return _not_found()
    if link.options is not None:
        return _follow_with_options(link, None)
    if request.method == "GET":
        track_click(link.id, request.remote_addr, request.referrer, request.user_agent.string)
    response = redirect(link.target_url, code=302)
    # A cached 301 would hide repeat clicks from the stats.
    response.headers["Cache-Control"] = NO_STORE
    return redirect_headers(response)


@bp.route("/<username>/<slug>/", methods=["GET", "HEAD"])
def follow_with_slash(username: str, slug: str):
    """``/alice/promo/`` (an added slash) is the short URL too: on to its one spelling, which
    is what counts and what a password cookie covers. No lookup here; a missing link 404s there."""
    query = request.query_string.decode("latin-1")
    response = redirect(request.path[:-1] + (f"?{query}" if query else ""), code=308)
    return redirect_headers(response)


@bp.route("/<username>/<slug>/q", methods=["GET", "HEAD"])
def follow_qr(username: str, slug: str):
    """The URL inside the link's QR code: the same redirect, its clicks marked as scans."""
    link = resolve(username, slug)
    if link is None:
        return _not_found()
    return _follow_with_options(link, QR)


def _password_failed(_response) -> bool:
    # Only wrong passwords use up the allowance, as for logins.
    return g.get("link_password_failed", False)


def _link_key() -> str:
    args = request.view_args or {}
    return f"{args.get('username', '').lower()}/{args.get('slug', '')}"


@bp.route("/<username>/<slug>", methods=["POST"], endpoint="unlock")
@bp.route("/<username>/<slug>/q", methods=["POST"], endpoint="unlock_qr")
@limiter.limit(lambda: current_app.config["RATELIMIT_LINK_PASSWORD_IP"], key_func=get_remote_address,
               scope="link-password-ip", deduct_when=_password_failed)
@limiter.limit(lambda: current_app.config["RATELIMIT_LINK_PASSWORD"], key_func=_link_key,
               scope="link-password", deduct_when=_password_failed)
def unlock(username: str, slug: str):
    """The password form's answer: on success, a cookie, the click, and on to the target."""
    link = resolve(username, slug)
    if link is None:
        return _not_found()
    scanned = request.endpoint == "redirects.unlock_qr"  # not the path: a slug may be "q"
    source = QR if scanned else None
    if link.options is None or link.options.password_hash is None:
        # Not protected (any more): on to the plain GET, which follows and counts. Not a 303:
        # its redirect off-site would be a hop of this form's POST (see _continue_page).
        return _continue_page(request.full_path.rstrip("?"))
    if link.options.limit_reached:
        return _gone()
    form = LinkPasswordForm()
    if not form.validate_on_submit():
        return _password_page(form, 400)
    if not access.password_matches(link, form.password.data):
        g.link_password_failed = True
        form.password.errors.append("Wrong password.")
        return _password_page(form, 403)
    response = _continue_page(_record(link, source))
    _remember(response, link, request.path.removesuffix("/q") if scanned else request.path)
    return response


def _follow_with_options(link: LinkRow, source: str | None):
    options = link.options
    if options is not None:
        if options.limit_reached:
            return _gone()
        if options.password_hash is not None and not _remembered(link):
            return _password_page(LinkPasswordForm(), 200)
    return _record_and_redirect(link, source)


def _record(link: LinkRow, source: str | None) -> str:
    """Record the visit (not a HEAD) and return where it goes."""
    options = link.options
    target = link.target_url
    if options is not None and options.forward_query and request.query_string:
        target = access.forward_query(target, request.query_string.decode("latin-1"))
    if request.method != "HEAD":
        track_click(link.id, request.remote_addr, request.referrer, request.user_agent.string, source)
    return target


def _record_and_redirect(link: LinkRow, source: str | None):
    target = _record(link, source)
    code = link.options.redirect_code if link.options is not None else 302
    response = redirect(target, code=code)
    if code not in (301, 308):
        # A permanent redirect is the owner's choice to let browsers cache it (the form says
        # repeat visits then go uncounted); every other one must come back to be counted.
        response.headers["Cache-Control"] = NO_STORE
    return redirect_headers(response)


def _remembered(link: LinkRow) -> bool:
    config = current_app.config
    return access.has_access(link, request.cookies.get(access.cookie_name(link)),
                             config["SECRET_KEY"], config["LINK_PASSWORD_COOKIE_SECONDS"])


def _remember(response, link: LinkRow, path: str) -> None:
    """The cookie covers the short URL and its /q below it, and nothing else."""
    config = current_app.config
    response.set_cookie(
        access.cookie_name(link), access.access_cookie(link, config["SECRET_KEY"]),
        max_age=config["LINK_PASSWORD_COOKIE_SECONDS"], path=path, httponly=True,
        secure=config["SESSION_COOKIE_SECURE"], samesite="Lax",
    )


def _password_page(form: LinkPasswordForm, status: int):
    response = current_app.make_response((render_template("redirects/password.html", form=form), status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _continue_page(target_url: str):
    """On to the target after a right password, without a redirect (see the template)."""
    response = current_app.make_response(render_template("redirects/continue.html", target_url=target_url))
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_found():
    return render_template("redirects/not_found.html"), 404


def _gone():
    return render_template("redirects/gone.html"), 410
