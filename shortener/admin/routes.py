"""The admin blueprint: everything under /admin, for admins only."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..background.queues import QUEUE_NAMES
from ..background.redis_clients import worker_redis
from . import actions, status
from .forms import ActionForm, RequeueFailedForm

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
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


@bp.route("/")
def index():
    return redirect(url_for(".status_page"))


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
    flash(f"Requeued {count} failed jobs of the {form.queue.data} queue.", "success")
    return _back()


@bp.post("/status/flush-buffer")
def flush_buffer():
    _require_csrf()
    job_id = actions.flush_click_buffer_now()
    flash(f"Enqueued a click buffer flush (job {job_id}).", "success")
    return _back()


@bp.post("/status/replay-spool")
def replay_spool():
    _require_csrf()
    stored = actions.replay_local_spool()
    flash(f"Replayed this host's spool: {stored} new clicks stored.", "success")
    return _back()


@bp.post("/status/return-stale")
def return_stale():
    _require_csrf()
    moved = actions.return_stale_processing(worker_redis())
    flash(f"Returned {moved} clicks from stale processing lists to the buffer.", "success")
    return _back()


def _require_csrf() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _back():
    return redirect(url_for(".status_page"))
