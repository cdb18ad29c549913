from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import csrf
from . import imports, qr, quota, service, tags, urls
from .export import links_csv as export_links_csv
from .forms import CreateLinkForm, DeleteLinkForm, EditLinkForm, ImportForm, add_problems
from .models import Link
from .rules import LinkRuleError

bp = Blueprint("links", __name__)
# Link.id is a 32-bit INTEGER: a larger id in the URL is a 404, not a database error.
LINK_ID = "<int(max=2147483647):link_id>"


@bp.route("/links.csv")
@login_required
def export_links():
    query, sort = _search_args()
    tag = tags.clean_filter(request.args.get("tag"))
    return Response(
        stream_with_context(export_links_csv(current_user.id, _short_url, query, sort, tag=tag)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="links.csv"'},
    )


def _creation_limit_reached(form: CreateLinkForm, reached: quota.CreationLimitReached):
    """The form again, as typed, with the reason: a 429 that reads like any form error."""
    form.form_errors.append(f"You have created a lot of links in a short time (at most {reached.limit}). "
                            f"Wait a little, then try again. {reached.why}".strip())
    return make_response(_create_page(form), 429)


@bp.route("/links/new", methods=["GET", "POST"])
@login_required
def create():
    form = CreateLinkForm(own_hosts=_own_hosts())
    if request.method == "POST":
        # Every POST counts, before anything else, per user: the budget the API and imports share.
        try:
            quota.take_creation(current_user.id)
        except quota.CreationLimitReached as reached:
            return _creation_limit_reached(form, reached)
        except quota.AddressNotConfirmed as refused:
            form.form_errors.append(str(refused))
            return make_response(_create_page(form), 403)
    if form.validate_on_submit():
        try:
            link = service.create_link(current_user.id, form.target_url.data, form.title.data,
                                       form.expires_at.data, form.slug.data, form.options(),
                                       tags=form.tags.data)
        except LinkRuleError as exc:
            add_problems(form, exc)
        else:
            flash(f"Short link created: {_short_url(link)}", "success")
            return redirect(url_for("dashboard.detail", link_id=link.id))
    return _create_page(form)


def _create_page(form: CreateLinkForm) -> str:
    prefix = _short_url_of(current_user.username, "")
    return render_template("links/form.html", form=form, link=None, slug_prefix=prefix)


QR_FORMATS = {"svg": ("image/svg+xml", qr.qr_svg), "png": ("image/png", qr.qr_png)}


@bp.route(f"/links/{LINK_ID}/qr.<any(svg, png):kind>")
@login_required
def qr_code(link_id: int, kind: str):
    link = _own_link_or_404(link_id)
    mimetype, render = QR_FORMATS[kind]
    response = Response(render(_short_url(link)), mimetype=mimetype)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{link.slug}-qr.{kind}"'
    # The code only changes with the short URL: let the owner's browser keep it (private: a login).
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.add_etag()
    return response.make_conditional(request)


@bp.route(f"/links/{LINK_ID}/edit", methods=["GET", "POST"])
@login_required
def edit(link_id: int):
    link = _own_link_or_404(link_id)
    form = EditLinkForm(link=link, own_hosts=_own_hosts())
    if form.validate_on_submit():
        try:
            service.update_link(link, form.options(), tags=form.tags.data,
                                target_url=form.target_url.data, title=form.title.data,
                                expires_at=form.expires_at.data, is_active=form.is_active.data)
        except LinkRuleError as exc:
            add_problems(form, exc)
        else:
            flash("Link updated.", "success")
            return redirect(url_for("dashboard.detail", link_id=link.id))
    return render_template("links/form.html", form=form, link=link, short=_short_url(link))


@bp.route(f"/links/{LINK_ID}/delete", methods=["GET", "POST"])
@login_required
def delete(link_id: int):
    link = _own_link_or_404(link_id)
    form, short = DeleteLinkForm(), _short_url(link)
    if form.validate_on_submit():
        service.delete_link(link)
        flash(f"Deleted {short}. It now answers 404.", "success")
        return redirect(url_for("dashboard.index"))
    return render_template("links/confirm_delete.html", form=form, link=link, short=short)


# Multipart framing around the file; anything past the file limit plus this is refused unread.
UPLOAD_OVERHEAD = 64 * 1024


@bp.route("/links/import", methods=["GET", "POST"])
@login_required
@csrf.exempt  # checked below, after the size limit (CSRFProtect would read the body first)
def import_links():
    max_bytes = current_app.config["IMPORT_MAX_BYTES"]
    request.max_content_length = max_bytes + UPLOAD_OVERHEAD  # this route's own MAX_CONTENT_LENGTH
    try:
        if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # what CSRFProtect would have done, now under the size limit
        form = ImportForm()
    except RequestEntityTooLarge:
        message = f"The file is larger than {max_bytes / 1024 / 1024:g} MB. Split it, then import each part."
        return render_template("links/import.html", form=ImportForm(formdata=None), error=message), 413
    if form.validate_on_submit():
        upload = form.file.data
        try:
            link_import = imports.start_import(current_user.id, upload.filename, upload.read(max_bytes + 1))
        except imports.ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            return redirect(url_for(".import_progress", import_id=link_import.id))
    return render_template("links/import.html", form=form, error=None)


@bp.route("/imports/<int(max=2147483647):import_id>")
@login_required
def import_progress(import_id: int):
    link_import = imports.get_import(current_user.id, import_id)
    if link_import is None:
        abort(404)
    return render_template("links/import_progress.html", job=link_import)


def _own_link_or_404(link_id: int) -> Link:
    # Someone else's link is indistinguishable from a missing one.
    link = service.get_link(current_user.id, link_id)
    if link is None:
        abort(404)
    return link


def _search_args() -> tuple[str, str]:
    return service.clean_query(request.args.get("q")), service.parse_sort(request.args.get("sort"))


def _own_hosts() -> frozenset[str]:
    return urls.own_hosts(current_app.config["BASE_URL"], request.host)


def _short_url_of(username: str, slug: str) -> str:
    return urls.short_url(current_app.config["BASE_URL"] or request.host_url, username, slug)


def _short_url(link: Link) -> str:
    # Every link a view touches belongs to the current user.
    return _short_url_of(current_user.username, link.slug)
