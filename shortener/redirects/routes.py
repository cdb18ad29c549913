import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from ..auth import throttle
from ..clicks.events import QR
from ..clicks.tracking import track_click
from ..extensions import limiter
from ..links import access
from ..links.lookup import LinkRow, resolve
from ..moderation import reports
from ..security import redirect_headers
from . import policy
from .forms import ContinueForm, LinkPasswordForm, ReportForm

bp = Blueprint("redirects", __name__)
# Stale at once: the browser asks again on the next visit, which is then counted. Not no-store,
# which would also keep the redirect out of the back/forward cache for no gain.
REVALIDATE = "private, max-age=0"


@bp.route("/<username>/<slug>", methods=["GET", "HEAD"])
def follow(username: str, slug: str):
    return _follow(username, slug, None)


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
    return _follow(username, slug, QR)


def _follow(username: str, slug: str, source: str | None):
    # Deliberately never touches current_user: loading the session user would
    # cost a query on every click.
    link = resolve(username, slug)
    if link is None:
        return _not_found()
    return _answer(link, policy.decide(link, _visit()), source)


# --- the password form, throttled per address and per link -------------------------
# Every try is counted before the password is checked (Flask-Limiter's hit: atomic, so parallel
# guesses cannot slip past a limit) and a right password gives its counts back. The per-link limit
# spares each address its first try on the link (access.first_try), so guessers elsewhere never
# lock out a visitor who knows the password; the per-address limit binds everyone.

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
            link.id, throttle.client_key(), current_app.config["RATELIMIT_LINK_PASSWORD"])
    return g.first_try_here


@bp.route("/<username>/<slug>", methods=["POST"], endpoint="unlock")
@bp.route("/<username>/<slug>/q", methods=["POST"], endpoint="unlock_qr")
@limiter.limit(lambda: current_app.config["RATELIMIT_LINK_PASSWORD_IP"], key_func=throttle.client_key,
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
    if link.disabled is not None:
        return _disabled(), False
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
    outcome = policy.decide(link, _visit(password_given=True))
    if isinstance(outcome, policy.Refusal):
        response = current_app.make_response(_refused(outcome, link))
        if outcome.reason == policy.QUARANTINED:  # the cookie covers the warning's /+continue
            _remember(response, link, request.path.removesuffix("/q") if scanned else request.path)
        return response, False
    _record(link, outcome, QR if scanned else None)  # "q" may be a slug: the endpoint says
    response = _continue_page(outcome.target)
    _remember(response, link, request.path.removesuffix("/q") if scanned else request.path)
    return response, False


def _visit(password_given: bool = False, confirmed: bool = False) -> policy.Visit:
    return policy.Visit(request.method, request.user_agent.string,
                        request.query_string.decode("latin-1"), request.cookies, password_given,
                        confirmed)


def _answer(link: LinkRow, outcome: policy.Redirect | policy.Refusal, source: str | None):
    if isinstance(outcome, policy.Refusal):
        return _refused(outcome, link)
    _record(link, outcome, source)
    response = redirect(outcome.target, code=outcome.code)
    if not outcome.cacheable:
        response.headers["Cache-Control"] = REVALIDATE  # each visit must come back to be counted
    return redirect_headers(response)


def _record(link: LinkRow, outcome: policy.Redirect, source: str | None) -> None:
    if outcome.records:
        track_click(link.id, request.remote_addr, request.referrer, request.user_agent.string, source)


def _refused(refusal: policy.Refusal, link: LinkRow):
    if refusal.reason == policy.ASK_PASSWORD:
        return _password_page(LinkPasswordForm(), 200)
    if refusal.reason == policy.BLOCKED:
        return render_template("redirects/blocked.html"), 410
    if refusal.reason == policy.DISABLED:
        return _disabled()
    if refusal.reason == policy.QUARANTINED:
        return _quarantined(link, ContinueForm(), 200)
    return _gone() if refusal.reason == policy.GONE else _unavailable()


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


def _quarantined(link: LinkRow, form: ContinueForm, status: int):
    """The warning of a reported link; its form posts to /+continue with the visit's query."""
    args = request.view_args or {}
    action = url_for("redirects.follow_confirmed", username=args["username"], slug=args["slug"])
    query = request.query_string.decode("latin-1")
    response = current_app.make_response((render_template(
        "redirects/quarantined.html", form=form, action=action + (f"?{query}" if query else ""),
        host=urlsplit(link.target_url).hostname or link.target_url), status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_found():
    return render_template("redirects/not_found.html"), 404


def _gone():
    return render_template("redirects/gone.html"), 410


def _disabled():
    return render_template("redirects/disabled.html"), 410


def _unavailable():
    # Fails closed: a limit is a promise of "no more than", which a guess without the counter breaks.
    retry_after = math.ceil(current_app.config["REDIS_BREAKER_SECONDS"])
    return render_template("redirects/unavailable.html"), 503, {"Retry-After": str(retry_after)}


# --- reported links: the warning's "continue", and the public report form -------------

@bp.post("/<username>/<slug>/+continue", endpoint="follow_confirmed")
def follow_confirmed(username: str, slug: str):
    """The quarantine warning's answer: the visitor chose to go on; the click counts."""
    link = _posted_link()
    if link is None:
        return _not_found()
    form = ContinueForm()
    if not form.validate_on_submit():
        return _quarantined(link, form, 400)  # a stale or forged form: the warning again, with a fresh token
    outcome = policy.decide(link, _visit(confirmed=True))
    if isinstance(outcome, policy.Refusal):
        return _refused(outcome, link)
    _record(link, outcome, None)
    # Not a redirect: a form's POST redirected off-site breaks the CSP's form-action (continue.html).
    return _continue_page(outcome.target)


@bp.route("/<username>/<slug>/+report", methods=["GET", "POST"], endpoint="report")
@throttle.post_limit("RATELIMIT_REPORT", throttle.client_key, "link-report")
def report(username: str, slug: str):
    """Anyone may report any existing link, whatever its state; an unknown one is a 404."""
    link = reports.find_link(username, slug)
    if link is None:
        return _not_found()
    form = ReportForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                reports.file_report(link.id, form.category.data, form.details.data or "",
                                    request.remote_addr)
            except reports.ReportError as error:
                form.details.errors.append(str(error))
            else:
                return redirect(url_for(".reported", username=username, slug=slug), code=303)
    response = current_app.make_response((render_template("redirects/report.html", form=form), status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<username>/<slug>/+report/thanks", endpoint="reported")
def reported(username: str, slug: str):
    if reports.find_link(username, slug) is None:
        return _not_found()
    return render_template("redirects/reported.html")
