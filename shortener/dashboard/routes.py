from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from ..auth import throttle
from ..clicks import charts, countries, export, stats
from ..clicks.pending import clicks_in_flight
from ..extensions import limiter
from ..links import service, urls
from ..links.models import Link
from ..timeutil import utcnow

bp = Blueprint("dashboard", __name__)
# Link.id is a 32-bit INTEGER: a larger id in the URL is a 404, not a database error.
LINK_ID = "<int(max=2147483647):link_id>"
SORT_LABELS = {"newest": "Newest", "clicks": "Most clicked", "recent": "Recently clicked"}


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("dashboard/landing.html", example_url=_short_url_of("you", "launch"))
    query = service.clean_query(request.args.get("q"))
    sort = service.parse_sort(request.args.get("sort"))
    page = service.list_links(current_user.id, request.args.get("page", 1, type=int),
                              current_app.config["LINKS_PER_PAGE"], query, sort)
    return render_template(
        "dashboard/index.html", page=page, query=query, sort=sort, sorts=SORT_LABELS,
        totals=stats.owner_totals(current_user.id),
        sparks=stats.sparklines([link.id for link in page.items]), sparkline=charts.sparkline,
        now=utcnow(), short_url=_short_url,
    )


@bp.route(f"/links/{LINK_ID}")
@login_required
def detail(link_id: int):
    link = _own_link_or_404(link_id)
    return render_template(
        "dashboard/detail.html", link=link, short=_short_url(link),
        range_url=lambda key: url_for(".detail", link_id=link.id, range=key),
        export_url=url_for(".export_clicks", link_id=link.id),
        public_stats_url=url_for(".public_stats", username=current_user.username, slug=link.slug),
        recent=stats.recent_clicks(link.id), in_flight=clicks_in_flight(), now=utcnow(),
        **_stats_context(link, stats.parse_range(request.args.get("range"))),
    )


def _stats_context(link: Link, range_name: str) -> dict:
    """What templates/dashboard/_stats.html shows of ``link`` for ``range_name``."""
    link_stats = stats.link_stats(link.id, range_name)
    title = f"Clicks, {stats.RANGES[link_stats.range_name]}, by {link_stats.bucket}"
    return dict(stats=link_stats, ranges=stats.RANGES,
                chart=charts.time_chart(link_stats.points, link_stats.bucket, title),
                share_bar=charts.share_bar, flag=countries.flag, country_name=countries.country_name)


@bp.route("/<username>/<slug>/+stats")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC_STATS"], scope="public-stats",
               key_func=lambda: throttle.client_address(request.remote_addr))
def public_stats(username: str, slug: str):
    """A link's stats for anyone, if its owner opted in: totals, chart and breakdowns, never a
    single click (no recent clicks, no export). Otherwise indistinguishable from a missing link."""
    link = service.public_link(username, slug)
    if link is None:
        abort(404)
    range_name = stats.parse_range(request.args.get("range"))
    return render_template(
        "dashboard/public_stats.html", link=link, short=_short_url_of(username, link.slug),
        range_url=lambda key: url_for(".public_stats", username=username, slug=link.slug, range=key),
        export_url=None, in_flight=None, now=utcnow(), **_stats_context(link, range_name),
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


def _own_link_or_404(link_id: int) -> Link:
    # Someone else's link is indistinguishable from a missing one.
    link = service.get_link(current_user.id, link_id)
    if link is None:
        abort(404)
    return link


def _short_url_of(username: str, slug: str) -> str:
    return urls.short_url(current_app.config["BASE_URL"] or request.host_url, username, slug)


def _short_url(link: Link) -> str:
    # Every link a view touches belongs to the current user.
    return _short_url_of(current_user.username, link.slug)
