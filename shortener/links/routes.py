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
from flask_limiter import RequestLimit
from flask_login import current_user, login_required

from ..clicks import charts, export, stats
from ..clicks.pending import clicks_in_flight
from ..extensions import limiter
from ..models import Link
from ..timeutil import utcnow
from . import service, urls
from .forms import CreateLinkForm, DeleteLinkForm, EditLinkForm
from .slugs import SlugError

bp = Blueprint("links", __name__)
# Link.id is a 32-bit INTEGER: a larger id in the URL is a 404, not a database error.
LINK_ID = "<int(max=2147483647):link_id>"


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("links/landing.html", example_url=_short_url_of("you", "launch"))
    page = service.list_links(current_user.id, request.args.get("page", 1, type=int),
                              current_app.config["LINKS_PER_PAGE"])
    return render_template("links/index.html", page=page, now=utcnow(), short_url=_short_url)


def _creation_limit_reached(limit: RequestLimit):
    """The form again, as typed, with the reason: a 429 that reads like any form error."""
    form = CreateLinkForm(own_hosts=_own_hosts())  # filled from the request: what was typed stays
    form.form_errors.append(f"You have created a lot of links in a short time (at most {limit.limit}). "
                            "Wait a little, then try again.")
    return make_response(_create_page(form), 429)


# Every POST counts (counted before the view, atomically), per user, not per address.
@bp.route("/links/new", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_LINK_CREATE"], key_func=lambda: str(current_user.id),
               scope="link-create", methods=["POST"], on_breach=_creation_limit_reached)
def create():
    form = CreateLinkForm(own_hosts=_own_hosts())
    if form.validate_on_submit():
        try:
            link = service.create_link(current_user.id, form.target_url.data, form.title.data,
                                       form.expires_at.data, form.slug.data)
        except SlugError as exc:
            form.slug.errors.append(str(exc))
        else:
            flash(f"Short link created: {_short_url(link)}", "success")
            return redirect(url_for(".detail", link_id=link.id))
    return _create_page(form)


def _create_page(form: CreateLinkForm) -> str:
    prefix = _short_url_of(current_user.username, "")
    return render_template("links/form.html", form=form, link=None, slug_prefix=prefix)


@bp.route(f"/links/{LINK_ID}")
@login_required
def detail(link_id: int):
    link = _own_link_or_404(link_id)
    link_stats = stats.link_stats(link.id, stats.parse_range(request.args.get("range")))
    return render_template(
        "links/detail.html",
        link=link,
        short=_short_url(link),
        stats=link_stats,
        ranges=stats.RANGES,
        chart=charts.bar_chart(link_stats.points, f"Clicks, {stats.RANGES[link_stats.range_name]}"),
        share_bar=charts.share_bar,
        recent=stats.recent_clicks(link.id),
        in_flight=clicks_in_flight(),
        now=utcnow(),
    )


@bp.route(f"/links/{LINK_ID}/clicks.csv")
@login_required
def export_clicks(link_id: int):
    link = _own_link_or_404(link_id)
    return Response(
        stream_with_context(export.clicks_csv(link.id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{link.slug}-clicks.csv"'},
    )


@bp.route(f"/links/{LINK_ID}/edit", methods=["GET", "POST"])
@login_required
def edit(link_id: int):
    link = _own_link_or_404(link_id)
    form = EditLinkForm(obj=link, own_hosts=_own_hosts())
    if form.validate_on_submit():
        form.populate_obj(link)
        service.save_link(link)
        flash("Link updated.", "success")
        return redirect(url_for(".detail", link_id=link.id))
    return render_template("links/form.html", form=form, link=link, short=_short_url(link))


@bp.route(f"/links/{LINK_ID}/delete", methods=["GET", "POST"])
@login_required
def delete(link_id: int):
    link = _own_link_or_404(link_id)
    form, short = DeleteLinkForm(), _short_url(link)
    if form.validate_on_submit():
        service.delete_link(link)
        flash(f"Deleted {short}. It now answers 404.", "success")
        return redirect(url_for(".index"))
    return render_template("links/confirm_delete.html", form=form, link=link, short=short)


def _own_link_or_404(link_id: int) -> Link:
    # Someone else's link is indistinguishable from a missing one.
    link = service.get_link(current_user.id, link_id)
    if link is None:
        abort(404)
    return link


def _own_hosts() -> frozenset[str]:
    return urls.own_hosts(current_app.config["BASE_URL"], request.host)


def _short_url_of(username: str, slug: str) -> str:
    return urls.short_url(current_app.config["BASE_URL"] or request.host_url, username, slug)


def _short_url(link: Link) -> str:
    # Every link a view touches belongs to the current user.
    return _short_url_of(current_user.username, link.slug)
