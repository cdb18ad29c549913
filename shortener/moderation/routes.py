"""Admin pages of users, links, reports, the audit log and the registration mode
(/admin/users, /admin/links, /admin/reports, /admin/audit, /admin/registration).

Admins only, as the rest of /admin: anyone else gets a 404, CSRF errors included. Every action
is a POST with a reason; the page shows a missing reason as a form error. The registration
mode's reason is optional; its change goes in the audit log all the same.
"""

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts import registration_modes
from ..admin.access import require_admin, strict_csp
from ..extensions import csrf
from ..timeutil import utcnow
from . import audit, reports, users
from . import links as moderated_links
from . import registration as moderated_registration
from .audit import ModerationError
from .forms import ReasonForm, RegistrationModeForm

bp = Blueprint("moderation", __name__, url_prefix="/admin")
bp.before_request(require_admin)
bp.after_request(strict_csp)

USER_ACTIONS = {"disable": users.disable, "enable": users.enable}
LINK_ACTIONS = {"disable": moderated_links.disable, "enable": moderated_links.enable}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # Each view checks CSRF itself (its form), after the admin check: strangers get a 404.
    csrf.exempt(bp)


def _page() -> int:
    return request.args.get("page", 1, type=int)


def _per_page() -> int:
    return current_app.config["LINKS_PER_PAGE"]


@bp.route("/users")
def user_list():
    query = users.clean_query(request.args.get("q"))
    page = users.search(query, _page(), _per_page())
    return render_template("admin/users.html", page=page, query=query,
                           volumes=users.volumes([user.id for user in page.items]))


def _or_404(found):
    if found is None:
        abort(404)
    return found


@bp.route("/users/<int:user_id>")
def user_detail(user_id: int):
    return _user_page(_or_404(users.get(user_id)), ReasonForm(), 200)


def _user_page(user, form: ReasonForm, status: int):
    page = moderated_links.search("", _page(), _per_page(), owner_id=user.id)
    return render_template(
        "admin/user.html", user=user, page=page, form=form, actions=audit.ACTIONS,
        volume=users.volumes([user.id]).get(user.id, users.Volume()),
        audit_entries=audit.entries_about("user", user.id), now=utcnow(),
    ), status


@bp.post("/users/<int:user_id>/disable", endpoint="user_disable", defaults={"action": "disable"})
@bp.post("/users/<int:user_id>/enable", endpoint="user_enable", defaults={"action": "enable"})
def user_action(user_id: int, action: str):
    user = _or_404(users.get(user_id))
    return _act(USER_ACTIONS[action], user, lambda form: _user_page(user, form, 400),
                f"{user.username} is {action}d; the audit log has it.",
                url_for(".user_detail", user_id=user_id))


def _act(act, target, page, done: str, then: str):
    """``act(admin, target, reason)`` with the posted reason, then to ``then`` saying ``done``;
    else ``page(form)`` with the missing reason or the refusal as the form's error."""
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            act(current_user, target, form.reason.data)
        except ModerationError as error:
            form.reason.errors.append(str(error))
        else:
            flash(done, "success")
            return redirect(then)
    return page(form)


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
def user_delete(user_id: int):
    """A confirmation page that says what goes, then (with a reason) the delete."""
    user = _or_404(users.get(user_id))
    if request.method == "GET":
        return _delete_page(user, ReasonForm(), 200)
    return _act(users.delete_user, user, lambda form: _delete_page(user, form, 400),
                f"{user.username} and everything they owned are deleted; the audit log has it.",
                url_for(".user_list"))


def _delete_page(user, form: ReasonForm, status: int):
    return render_template("admin/user_delete.html", user=user, form=form,
                           gone=users.belongings(user)), status


@bp.route("/links")
def link_list():
    query = users.clean_query(request.args.get("q"))
    page = moderated_links.search(query, _page(), _per_page())
    return render_template("admin/links.html", page=page, query=query,
                           owners=moderated_links.owners(page.items), now=utcnow())


@bp.route("/links/<int:link_id>")
def link_detail(link_id: int):
    return _link_page(_or_404(moderated_links.get(link_id)), ReasonForm(), 200)


def _link_page(link, form: ReasonForm, status: int):
    return render_template("admin/link.html", link=link, form=form, owner=users.get(link.owner_id),
                           audit_entries=audit.entries_about("link", link.id), actions=audit.ACTIONS,
                           now=utcnow()), status


@bp.post("/links/<int:link_id>/disable", endpoint="link_disable", defaults={"action": "disable"})
@bp.post("/links/<int:link_id>/enable", endpoint="link_enable", defaults={"action": "enable"})
def link_action(link_id: int, action: str):
    link = _or_404(moderated_links.get(link_id))
    return _act(LINK_ACTIONS[action], link, lambda form: _link_page(link, form, 400),
                f"The link is {action}d; the audit log has it.", url_for(".link_detail", link_id=link_id))


@bp.route("/audit")
def audit_log():
    return render_template("admin/audit.html", page=audit.entries(_page(), _per_page()),
                           actions=audit.ACTIONS)


REPORT_DECISIONS = {"dismiss": reports.dismiss, "disable": reports.disable_link}


def _report_form(link_id: int) -> ReasonForm:
    # Prefixed: the queue shows one form per link, and ids must stay unique on the page.
    return ReasonForm(prefix=f"link-{link_id}")


@bp.route("/reports")
def report_queue():
    return _queue_page({}, 200)


def _queue_page(forms: dict[int, ReasonForm], status: int):
    items = reports.queue()
    shown = {item.link.id for item in items}
    for link_id, form in forms.items():
        if link_id not in shown:  # decided meanwhile (another admin): its form is not on the page
            for error in form.reason.errors:
                flash(error, "error")
    for item in items:
        forms.setdefault(item.link.id, _report_form(item.link.id))
    return render_template("admin/reports.html", items=items, forms=forms,
                           categories=reports.CATEGORIES, threshold=reports.threshold(),
                           now=utcnow()), status


@bp.post("/reports/<int:link_id>")
def report_decision(link_id: int):
    link = _or_404(moderated_links.get(link_id))
    form = _report_form(link_id)
    decide = REPORT_DECISIONS.get(request.form.get("decision", ""))
    if not form.validate_on_submit():
        return _queue_page({link_id: form}, 400)
    if decide is None:
        form.reason.errors.append("Choose to dismiss the reports or to disable the link.")
        return _queue_page({link_id: form}, 400)
    try:
        decide(current_user, link, form.reason.data)
    except ModerationError as error:
        form.reason.errors.append(str(error))
        return _queue_page({link_id: form}, 400)
    done = "dismissed" if decide is reports.dismiss else "resolved and the link is disabled"
    flash(f"The reports are {done}; the audit log has it.", "success")
    return redirect(url_for(".report_queue"))


@bp.route("/registration", methods=["GET", "POST"])
def registration():
    """Who may sign up; a change is written with its audit entry (so here, not in admin)."""
    form = RegistrationModeForm(mode=registration_modes.current())
    if form.validate_on_submit():
        if moderated_registration.set_mode(current_user, form.mode.data, form.reason.data):
            flash(f"Registration is now {form.mode.data}.", "success")
        return redirect(url_for(".registration"))
    return render_template("admin/registration.html", form=form,
                           mode=registration_modes.current(), default=registration_modes.is_default(),
                           history=registration_modes.history())
