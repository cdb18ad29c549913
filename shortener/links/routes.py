from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import stats, urls
from ..extensions import db
from ..models import Link
from ..slugs import SlugError, save_new_link
from ..timeutil import utcnow
from .forms import CreateLinkForm, DeleteLinkForm, EditLinkForm

bp = Blueprint("links", __name__)
# Link.id is a 32-bit INTEGER: a larger id in the URL is a 404, not a database error.
LINK_ID = "<int(max=2147483647):link_id>"


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("links/landing.html", example_url=urls.short_url("you", "launch"))
    query = (
        select(Link)
        .where(Link.owner_id == current_user.id)
        .order_by(Link.created_at.desc(), Link.id.desc())
    )
    page = db.paginate(query, per_page=current_app.config["LINKS_PER_PAGE"], error_out=False)
    return render_template("links/index.html", page=page, now=utcnow(), short_url=_short_url)


@bp.route("/links/new", methods=["GET", "POST"])
@login_required
def create():
    form = CreateLinkForm(own_hosts=_own_hosts())
    if form.validate_on_submit():
        link = Link(owner_id=current_user.id, target_url=form.target_url.data,
                    title=form.title.data, expires_at=form.expires_at.data)
        try:
            save_new_link(link, form.slug.data)
        except SlugError as exc:
            form.slug.errors.append(str(exc))
        else:
            flash(f"Short link created: {_short_url(link)}", "success")
            return redirect(url_for(".detail", link_id=link.id))
    prefix = urls.short_url(current_user.username, "")
    return render_template("links/form.html", form=form, link=None, slug_prefix=prefix)


@bp.route(f"/links/{LINK_ID}")
@login_required
def detail(link_id: int):
    link = _own_link_or_404(link_id)
    days = stats.daily_clicks(link.id)
    return render_template(
        "links/detail.html",
        link=link,
        short=_short_url(link),
        days=days,
        peak=max(day.clicks for day in days),
        recent=stats.recent_clicks(link.id),
        in_flight=stats.clicks_in_flight(),
        now=utcnow(),
    )


@bp.route(f"/links/{LINK_ID}/edit", methods=["GET", "POST"])
@login_required
def edit(link_id: int):
    link = _own_link_or_404(link_id)
    form = EditLinkForm(obj=link, own_hosts=_own_hosts())
    if form.validate_on_submit():
        link.target_url = form.target_url.data
        link.title = form.title.data
        link.is_active = form.is_active.data
        link.expires_at = form.expires_at.data
        db.session.commit()
        flash("Link updated.", "success")
        return redirect(url_for(".detail", link_id=link.id))
    return render_template("links/form.html", form=form, link=link, short=_short_url(link))


@bp.route(f"/links/{LINK_ID}/delete", methods=["GET", "POST"])
@login_required
def delete(link_id: int):
    link = _own_link_or_404(link_id)
    form, short = DeleteLinkForm(), _short_url(link)
    if form.validate_on_submit():
        db.session.delete(link)  # its clicks and daily counts go by ON DELETE CASCADE
        db.session.commit()
        flash(f"Deleted {short}. It now answers 404.", "success")
        return redirect(url_for(".index"))
    return render_template("links/confirm_delete.html", form=form, link=link, short=short)


def _own_link_or_404(link_id: int) -> Link:
    # Someone else's link is indistinguishable from a missing one.
    link = db.session.scalar(
        select(Link).where(Link.id == link_id, Link.owner_id == current_user.id)
    )
    if link is None:
        abort(404)
    return link


def _own_hosts() -> frozenset[str]:
    return urls.own_hosts(current_app.config["BASE_URL"], request.host)


def _short_url(link: Link) -> str:
    # Every link a view touches belongs to the current user.
    return urls.short_url(current_user.username, link.slug)
