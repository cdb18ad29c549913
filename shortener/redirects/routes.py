from flask import Blueprint, redirect, render_template, request

from ..clicks.tracking import track_click
from ..links.lookup import resolve
from ..security import redirect_headers

bp = Blueprint("redirects", __name__)


@bp.route("/<username>/<slug>", methods=["GET", "HEAD"])
def follow(username: str, slug: str):
    # Deliberately never touches current_user: loading the session user would
    # cost a query on every click.
    link = resolve(username, slug)
    if link is None:
        return render_template("redirects/not_found.html"), 404
    if request.method == "GET":
        track_click(link.id, request.remote_addr, request.referrer, request.user_agent.string)
    response = redirect(link.target_url, code=302)
    # A cached 301 would hide repeat clicks from the stats.
    response.headers["Cache-Control"] = "private, max-age=0"
    return redirect_headers(response)
