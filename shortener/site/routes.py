"""/favicon.ico (browsers ask for it on every page, whatever the markup says) and /robots.txt."""

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("site", __name__)

ICON_MAX_AGE = 7 * 24 * 3600
ROBOTS_MAX_AGE = 24 * 3600
# The start page is for everyone; the app's own pages belong to their users. Short links are not
# disallowed on purpose: each is a redirect, which search engines follow and credit to its
# destination rather than index as a page of ours, and a disallowed URL can still be listed, bare,
# from links elsewhere. What a short link may show itself (a password form) carries noindex;
# a missing or spent one answers 404 or 410. The signed-in pages (/links, /imports, /settings)
# are not listed either: a crawler has no session, so they answer it with the login page, and a
# disallowed URL is still indexed, bare, when linked. The ones listed carry secrets in their URLs
# (reset links) or are for machines.
ROBOTS_TXT = """\
User-agent: *
Allow: /$
Disallow: /auth/
Disallow: /admin
Disallow: /api/
Disallow: /healthz
Disallow: /readyz
"""


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=ICON_MAX_AGE)


@bp.get("/robots.txt")
def robots():
    return Response(ROBOTS_TXT, mimetype="text/plain",
                    headers={"Cache-Control": f"public, max-age={ROBOTS_MAX_AGE}"})
