import math

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from ..auth import throttle
from ..clicks.enrichment import app_enricher
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
    short_url = url_for("redirects.follow", username=username, slug=slug)  # one leading slash, quoted
    response = redirect(short_url + (f"?{query}" if query else ""), code=308)
    return redirect_headers(response)


@bp.route("/<username>/<slug>/q", methods=["GET", "HEAD"])
def follow_qr(username: str, slug: str):
    """The URL inside the link's QR code: the same redirect, its clicks marked as scans."""
    link = resolve(username, slug)
    if link is None:
        return _not_found()
    return _follow_with_options(link, QR)


# --- the password form, throttled per address and per link -------------------------
# Every try is counted before the password is checked (Flask-Limiter's hit: atomic, so parallel
# guesses cannot slip past a limit) and a right password gives its counts back. The per-link limit
# spares each address its first try on the link (access.first_try), so guessers elsewhere never
# lock out a visitor who knows the password; the per-address limit binds everyone.

def _client() -> str:
    return throttle.client_address(request.remote_addr)  # an IPv6 /64 is one address


def _posted_link() -> LinkRow | None:
    """The link the form is posted to, resolved once per request (the limits' keys and the view)."""
    if "posted_link" not in g:
        args = request.view_args or {}
        g.posted_link = resolve(args.get("username", ""), args.get("slug", ""))
    return g.posted_link


def _link_key() -> str:
    # By id: lookup ignores the slug's case, so one link is one bucket however it is spelled.
    link = _posted_link()
    return f"link:{link.id}" if link is not None else "link:none"


def _first_try_here() -> bool:
    if "first_try_here" not in g:  # asked once per limit of the setting ("10/minute;50/hour")
        link = _posted_link()
        g.first_try_here = link is not None and access.first_try(
            link.id, _client(), current_app.config["RATELIMIT_LINK_PASSWORD"])
    return g.first_try_here


@bp.route("/<username>/<slug>", methods=["POST"], endpoint="unlock")
@bp.route("/<username>/<slug>/q", methods=["POST"], endpoint="unlock_qr")
@limiter.limit(lambda: current_app.config["RATELIMIT_LINK_PASSWORD_IP"], key_func=_client,
               scope="link-password-ip")
@limiter.limit(lambda: current_app.config["RATELIMIT_LINK_PASSWORD"], key_func=_link_key,
               scope="link-password", exempt_when=_first_try_here)
def unlock(username: str, slug: str):
    """The password form's answer: on success, a cookie, the click, and on to the target."""
    response, wrong = _unlock(_posted_link(), request.endpoint == "redirects.unlock_qr")
    if not wrong:
        throttle.refund(limiter)  # only wrong passwords use up the allowance
    return response


def _unlock(link: LinkRow | None, scanned: bool):
    """(response, whether a wrong password was given) for the form posted to ``link``."""
    if link is None:
        return _not_found(), False
    if link.options is None or link.options.password_hash is None:
        # Not protected (any more): on to the plain GET, which follows and counts. Not a 303:
        # its redirect off-site would be a hop of this form's POST (see _continue_page).
        return _continue_page(request.full_path.rstrip("?")), False
    if link.options.limit_reached:
        return _gone(), False
    form = LinkPasswordForm()
    if not form.validate_on_submit():
        return _password_page(form, 400), False
    if not access.password_matches(link, form.password.data):
        form.password.errors.append("Wrong password.")
        return _password_page(form, 403), True
    refusal = _limit_refusal(link)
    if refusal is not None:
        return refusal, False
    response = _continue_page(_record(link, QR if scanned else None))  # "q" may be a slug: the endpoint
    _remember(response, link, request.path.removesuffix("/q") if scanned else request.path)
    return response, False


def _follow_with_options(link: LinkRow, source: str | None):
    options = link.options
    if options is not None:
        if options.limit_reached:
            return _gone()
        if options.password_hash is not None and not _remembered(link):
            return _password_page(LinkPasswordForm(), 200)
        refusal = _limit_refusal(link)
        if refusal is not None:
            return refusal
    return _record_and_redirect(link, source)


def _limit_refusal(link: LinkRow):
    """None if the visit may go on, else the 410 (or 503, without Redis) of a limited link.

    Only links with a limit get here: one Redis round trip, and for them alone. Humans' visits use
    the limit up; bots' and HEADs' do not (as click_count counts humans), but past it they get 410.
    """
    if link.options.click_limit is None:
        return None
    counts = request.method != "HEAD" and not app_enricher().agent(request.user_agent.string).is_bot
    verdict = access.take_click(link, counts)
    if verdict == access.ALLOWED:
        return None
    return _gone() if verdict == access.REACHED else _unavailable()


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


def _unavailable():
    # Fails closed: a limit is a promise of "no more than", which a guess without the counter breaks.
    retry_after = math.ceil(current_app.config["REDIS_BREAKER_SECONDS"])
    return render_template("redirects/unavailable.html"), 503, {"Retry-After": str(retry_after)}
