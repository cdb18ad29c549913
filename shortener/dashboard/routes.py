from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
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
from ..links import bulk, service, urls
from ..links import tags as tagging
from ..links.models import Link
from ..links.rules import LinkRuleError
from ..timeutil import utcnow
from .forms import BulkForm

bp = Blueprint("dashboard", __name__)
# Link.id is a 32-bit INTEGER: a larger id in the URL is a 404, not a database error.
LINK_ID = "<int(max=2147483647):link_id>"
SORT_LABELS = {"newest": "Newest", "clicks": "Most clicked", "recent": "Recently clicked"}
TAGS_SHOWN = 30  # the dashboard's tag totals: the most used; the rest by search


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("dashboard/landing.html", example_url=_short_url_of("you", "launch"))
    query = service.clean_query(request.args.get("q"))
    sort = service.parse_sort(request.args.get("sort"))
    tag = tagging.clean_filter(request.args.get("tag"))
    page = service.list_links(current_user.id, request.args.get("page", 1, type=int),
                              current_app.config["LINKS_PER_PAGE"], query, sort, tag)
    return render_template(
        "dashboard/index.html", page=page, query=query, sort=sort, sorts=SORT_LABELS, tag=tag,
        totals=stats.owner_totals(current_user.id), tag_totals=tagging.tag_totals(current_user.id),
        tags_shown=TAGS_SHOWN, actions=bulk.ACTIONS, bulk_form=BulkForm(formdata=None),
        sparks=stats.sparklines([link.id for link in page.items]), sparkline=charts.sparkline,
        now=utcnow(), short_url=_short_url,
    )


@bp.post("/links/bulk")
@login_required
def bulk_action():
    """The dashboard's selection and action: its confirmation page, then (confirmed) the action."""
    form = BulkForm()
    try:
        links = bulk.own_links(current_user.id, bulk.parse_ids(request.form.getlist("link_id")))
    except LinkRuleError as exc:
        return _back_to_dashboard(str(exc))
    if not request.form.getlist("link_id"):
        return _back_to_dashboard("Select links first, with the boxes next to them.")
    if not links:
        abort(404)  # only ids of other people's links (or of none): nothing of yours to act on
    if form.action.data not in bulk.ACTIONS:
        return _back_to_dashboard("Pick what to do with the selected links.")
    if form.is_confirmed and form.validate():
        outcome = bulk.apply(current_user.id, [link.id for link in links], form.action.data,
                             form.tag.data, form.expires_at.data)
        flash(_done_message(form, outcome), "success")
        return redirect(url_for(".index"))
    if not form.is_confirmed:
        form.tag.errors, form.expires_at.errors = [], []  # asked for on this page, not yet given
    return render_template("dashboard/bulk.html", form=form, links=links, short_url=_short_url,
                           tag_suggestions=_tag_suggestions(form.action.data, links))


def _back_to_dashboard(message: str):
    flash(message, "error")
    return redirect(url_for(".index"))


def _tag_suggestions(action: str, links: list[Link]) -> list[str]:
    if action == "untag":  # the tags these links carry
        return sorted({tag.name for link in links for tag in link.tags}, key=str.lower)
    return tagging.owner_tag_names(current_user.id) if action == "tag" else []


def _plural(count: int, word: str = "link") -> str:
    return f"{count:,} {word}{'s' if count != 1 else ''}"


def _done_message(form: BulkForm, outcome: bulk.Outcome) -> str:
    changed, action = _plural(outcome.changed), form.action.data
    done = {"tag": f"Tagged {changed} “{form.tag.data}”.",
            "untag": f"Removed “{form.tag.data}” from {changed}.",
            "disable": f"Disabled {changed}: they answer 404.", "enable": f"Enabled {changed}.",
            "expire": f"Set the expiry of {changed}.",
            "delete": f"Deleted {changed}: they answer 404."}[action]
    if outcome.unchanged:
        why = {"tag": f"had it already, or {tagging.TAGS_PER_LINK_MAX} tags",
               "untag": "did not have it", "expire": "start later than that",
               }.get(action, "were so already")
        done += f" {_plural(outcome.unchanged)} left as they were ({why})."
    return done


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
               key_func=throttle.client_key)
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
