"""The admin blueprint: everything under /admin, for admins only."""

import rq_dashboard
from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from rq.exceptions import NoSuchJobError
from rq_dashboard.web import setup_rq_connection

from ..background.queues import QUEUE_NAMES
from ..background.redis_clients import worker_redis
from ..blocklist import manage as blocklist
from ..blocklist import store as blocklist_store
from ..errors import render_error
from ..extensions import csrf
from . import actions, status
from .access import (
    CONTENT_SECURITY_POLICY,  # noqa: F401  (tests import it from here)
    strict_csp,
)
from .access import require_admin as _require_admin
from .forms import ActionForm, BlocklistEntryForm, RequeueFailedForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
# rq-dashboard is registered on the app under /admin/rq, under its own name
# (its templates build URLs with it); an app-level hook runs the admin check
# before its views and its own hooks.
DASHBOARD = rq_dashboard.blueprint.name
DASHBOARD_PREFIX = "/admin/rq"
# Its pages are built on inline scripts and styles, and fill themselves with underscore.js
# templates compiled in the browser (new Function: 'unsafe-eval'): a CSP of their own, here only.
DASHBOARD_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                 "style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# Its scripts send this cookie's value as X-CSRFToken on every POST.
DASHBOARD_CSRF_COOKIE = "_csrf_token"
# Its page numbers go into Redis LRANGE offsets: keep them far below 64 bits.
MAX_DASHBOARD_NUMBER = 1_000_000
BLOCKLIST_LISTED = 1_000  # the admins' newest entries on the page; the file's are only counted



def init_app(app: Flask) -> None:
    """Mount rq-dashboard for admins; CSRF is checked after the admin check (below)."""
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", app.config["REDIS_URL"])
    setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=DASHBOARD_PREFIX)
    app.before_request(_guard_dashboard)
    app.after_request(_dashboard_headers)
    # Its job pages raise this for an unknown or expired job id: a 404, not a 500.
    app.register_error_handler(NoSuchJobError, lambda _error: render_error(404))
    # So that a stranger's POST gets a 404, not a CSRF error, both check CSRF themselves.
    csrf.exempt(bp)
    csrf.exempt(rq_dashboard.blueprint)


bp.before_request(_require_admin)
bp.after_request(strict_csp)


def _guard_dashboard() -> None:
    """App-level, so it runs before rq-dashboard's own hooks, on every route of its blueprint."""
    if request.blueprint != DASHBOARD:
        return
    _require_admin()
    _check_dashboard_numbers(request.view_args or {})
    if request.method not in ("POST", "OPTIONS") and _mutates(request.url_rule):
        abort(405)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # the X-CSRFToken header its scripts send


def _mutates(rule) -> bool:
    """Every rq-dashboard route that takes a POST changes something; some (requeue_all) take a
    GET too, and so a HEAD, which any page an admin visits could trigger: only POST may run them."""
    return "POST" in rule.methods


def _check_dashboard_numbers(view_args: dict) -> None:
    """rq-dashboard turns an unknown instance or a page/per_page that is not a positive
    number into a 500 (LookupError, ValueError, ZeroDivisionError): a 404 here instead."""
    instances = len(current_app.config["RQ_DASHBOARD_REDIS_URL"])
    if view_args.get("instance_number", 0) >= instances:
        abort(404)
    for name in ("page", "per_page"):
        value = str(view_args.get(name, "1"))
        if not (value.isascii() and value.isdigit() and 0 < int(value) <= MAX_DASHBOARD_NUMBER):
            abort(404)


def _dashboard_headers(response):
    if request.blueprint == DASHBOARD and response.status_code < 400:  # never on strangers' 404s
        response.headers["Content-Security-Policy"] = DASHBOARD_CSP
        response.set_cookie(DASHBOARD_CSRF_COOKIE, generate_csrf(), path=DASHBOARD_PREFIX,
                            samesite="Strict", secure=current_app.config["SESSION_COOKIE_SECURE"],
                            httponly=False)
    return response


@bp.route("/")
def index():
    return redirect(url_for(".status_page"))


# --- the target blocklist (the file's entries are only counted: they go with their line) ---

@bp.route("/blocklist", methods=["GET", "POST"])
def blocklist_page():
    form = BlocklistEntryForm()
    if form.validate_on_submit():
        try:
            entry = blocklist.add_entry(form.entry.data, form.note.data, current_user.id)
        except (blocklist.InvalidEntry, blocklist.EntryExists) as exc:
            form.entry.errors.append(str(exc))
        else:
            flash(f"Blocked {entry.pattern}: links to it are refused and stop redirecting.", "success")
            return redirect(url_for(".blocklist_page"))
    elif "csrf_token" in form.errors:
        abort(400)  # as the other admin forms: a forged or stale post changes nothing
    return render_template("admin/blocklist.html", form=form, remove_form=ActionForm(),
                           entries=blocklist_store.admin_entries(BLOCKLIST_LISTED),
                           counts=blocklist_store.counts(), file=current_app.config["BLOCKLIST_FILE"])


@bp.post("/blocklist/<int:entry_id>/remove")
def remove_blocklist_entry(entry_id: int):
    _require_csrf()
    pattern = blocklist.remove_entry(entry_id)
    if pattern is None:
        flash("That entry is no longer on the blocklist (or comes from the file).", "error")
    else:
        flash(f"Unblocked {pattern}.", "success")
    return redirect(url_for(".blocklist_page"))


@bp.route("/status")
def status_page():
    return render_template(
        "admin/status.html",
        status=status.gather(worker_redis(), current_app.config),
        queue_names=QUEUE_NAMES,
        requeue_form=RequeueFailedForm(),
        action_form=ActionForm(),
    )


@bp.post("/status/requeue-failed")
def requeue_failed():
    form = RequeueFailedForm()
    if not form.validate_on_submit():
        abort(400)
    count = actions.requeue_failed(worker_redis(), form.queue.data)
    return _done(f"Requeued {count} failed jobs of the {form.queue.data} queue.")


@bp.post("/status/flush-buffer")
def flush_buffer():
    _require_csrf()
    job_id = actions.flush_click_buffer_now()
    return _done(f"Enqueued a click buffer flush (job {job_id}).")


@bp.post("/status/replay-spool")
def replay_spool():
    _require_csrf()
    stored = actions.replay_local_spool()
    return _done(f"Replayed this host's spool: {stored} new clicks stored.")


@bp.post("/status/return-stale")
def return_stale():
    _require_csrf()
    moved = actions.return_stale_processing(worker_redis())
    return _done(f"Returned {moved} clicks from stale processing lists to the buffer.")


def _require_csrf() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _done(message: str):
    """Back to the status page, which says what the action did."""
    flash(message, "success")
    return redirect(url_for(".status_page"))
