"""The JSON API, /api/v1: links, their stats and clicks. Thin: parse, call the domain, answer.

Only ``Authorization: Bearer <token>`` authenticates here; a cookie session counts for nothing,
so no API route can be driven by another site through a visitor's browser (no CSRF).
"""

import json
import logging
import re

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from limits import parse_many

from ..accounts.models import User
from ..clicks import export, stats
from ..extensions import csrf, db, limiter
from ..links import quota, service, slugs, urls
from ..links import tags as tagging
from ..links.models import Link
from ..links.rules import LinkRuleError
from . import openapi, schemas, tokens
from .errors import ApiError, init_blueprint, retry_after

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
init_blueprint(bp)

LINK_ID = "<int:link_id>"  # the app's int converter: ids past the INTEGER column are 404s
SURROGATE = re.compile("[\ud800-\udfff]")
MAX_BODY_BYTES = 64 * 1024
# Endpoints anyone may read: the document and its page.
PUBLIC_ENDPOINTS = {"api.openapi_document", "api.docs"}


def _token_key() -> str:
    return f"token:{g.api_token_id}"


# One budget per token, shared by every route of the API.
rate_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_API"], scope="api",
                                  key_func=_token_key)


@bp.before_request
def authenticate():
    request.max_content_length = MAX_BODY_BYTES
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    credentials = request.authorization
    token = credentials.token if credentials and credentials.type == "bearer" else None
    row = tokens.authenticate(token or "")
    if row is None:
        _count_unauthenticated()
        raise ApiError(401, "unauthorized", "Send a valid API token as 'Authorization: Bearer <token>'.")
    g.api_token_id, g.api_owner_id = row.id, row.owner_id


def _count_unauthenticated() -> None:
    """Count a request without a valid token against its address; past the limit, a 429.

    Only 401s count (a client with a token has its own budget), so guessing tokens or hammering
    the API without one is slowed per address. Counted in Flask-Limiter's storage (and its
    in-memory fallback); if that fails, the request gets its 401 all the same.
    """
    address = request.remote_addr or "-"
    try:
        strategy = limiter.limiter
        for item in parse_many(current_app.config["RATELIMIT_API_UNAUTHENTICATED"]):
            if not strategy.hit(item, "api-unauthenticated", address):
                reset_at = strategy.get_window_stats(item, "api-unauthenticated", address).reset_time
                raise ApiError(429, "rate_limited", f"Too many requests without a valid token ({item}).",
                               headers={"Retry-After": retry_after(reset_at)})
    except ApiError:
        raise
    except Exception:  # noqa: BLE001  the storage is down: the 401 still stands
        log.warning("could not count an unauthenticated API request", exc_info=True)


# --- the document and its page --------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.get("/docs")
def docs():
    base = (current_app.config["BASE_URL"] or request.host_url.rstrip("/")) + bp.url_prefix
    return render_template("api/docs.html", doc=openapi.document(), base=base,
                           rate_limit=current_app.config["RATELIMIT_API"], error_codes=openapi.ERROR_CODES)


# --- links ---------------------------------------------------------------------------------------

@bp.get("/links")
@rate_limit
def list_links():
    _known_args("page", "per_page", "q", "sort", "tag")
    page = service.list_links(
        g.api_owner_id,
        page=_int_arg("page", 1, 1, service.MAX_PAGE),
        per_page=_int_arg("per_page", current_app.config["LINKS_PER_PAGE"], 1, schemas.MAX_PER_PAGE),
        query=_str_arg("q", schemas.MAX_SEARCH_LENGTH) or "",
        sort=_choice_arg("sort", "newest", tuple(service.SORTS)),
        tag=tagging.clean_filter(_str_arg("tag", tagging.TAG_MAX_LENGTH)),
    )
    owner = _owner()
    return jsonify(links=[_link_json(link, owner) for link in page.items], page=page.page,
                   per_page=page.per_page, total=page.total, pages=page.pages)


@bp.post("/links")
@rate_limit
def create_link():
    _known_args()
    _take_creation()
    values = schemas.parse_create(_json_body(), _context())
    try:
        link = service.create_link(g.api_owner_id, values["target_url"], values.get("title"),
                                   values.get("expires_at"), values.get("slug"),
                                   options=schemas.link_options(values), tags=values.get("tags", ()))
    except slugs.SlugTaken as exc:
        raise ApiError(409, "slug_taken", str(exc), "slug") from exc
    except LinkRuleError as exc:
        raise schemas.rule_error(exc) from exc
    response = jsonify(_link_json(link, _owner()))
    response.status_code = 201
    response.headers["Location"] = url_for(".get_link", link_id=link.id)
    return response


def _take_creation() -> None:
    """Count the creation against the user's budget, which the site's form and imports share."""
    try:
        quota.take_creation(g.api_owner_id)
    except quota.CreationLimitReached as reached:
        raise ApiError(429, "rate_limited", f"You have created a lot of links in a short time (at most "
                       f"{reached.limit}, with the site and imports). {reached.why}".strip(),
                       headers={"Retry-After": retry_after(reached.reset_at)}) from reached
    except quota.AddressNotConfirmed as refused:
        raise ApiError(403, "address_not_confirmed", str(refused)) from refused


@bp.get(f"/links/{LINK_ID}")
@rate_limit
def get_link(link_id: int):
    _known_args()
    return jsonify(_link_json(_own_link(link_id), _owner()))


@bp.patch(f"/links/{LINK_ID}")
@rate_limit
def update_link(link_id: int):
    _known_args()
    link = _own_link(link_id)
    values = schemas.parse_update(_json_body(), _context())
    # Every change goes through the domain, so the options' rules hold (a start before the expiry).
    try:
        service.update_link(link, schemas.link_options(values, service.options_of(link)),
                            tags=values.get("tags"), **schemas.column_values(values))
    except LinkRuleError as exc:
        raise schemas.rule_error(exc) from exc
    return jsonify(_link_json(link, _owner()))


@bp.delete(f"/links/{LINK_ID}")
@rate_limit
def delete_link(link_id: int):
    _known_args()
    service.delete_link(_own_link(link_id))
    return "", 204


@bp.get("/tags")
@rate_limit
def tag_totals():
    _known_args()
    return jsonify(schemas.tag_totals_json(tagging.tag_totals(g.api_owner_id)))


@bp.get(f"/links/{LINK_ID}/stats")
@rate_limit
def link_stats(link_id: int):
    _known_args("range")
    link = _own_link(link_id)
    range_name = _choice_arg("range", stats.DEFAULT_RANGE, tuple(stats.RANGES))
    return jsonify(schemas.stats_json(stats.link_stats(link.id, range_name)))


@bp.get(f"/links/{LINK_ID}/clicks.csv")
@rate_limit
def link_clicks_csv(link_id: int):
    _known_args()
    link = _own_link(link_id)
    return Response(stream_with_context(export.clicks_csv(link.id)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{link.slug}-clicks.csv"'})


@bp.get(f"/links/{LINK_ID}/clicks.jsonl")
@rate_limit
def link_clicks_jsonl(link_id: int):
    _known_args()
    link = _own_link(link_id)
    return Response(stream_with_context(export.clicks_jsonl(link.id)), mimetype="application/jsonl")


# --- helpers -------------------------------------------------------------------------------------

def _own_link(link_id: int) -> Link:
    link = service.get_link(g.api_owner_id, link_id)
    if link is None:  # someone else's link is indistinguishable from a missing one
        raise ApiError(404, "not_found", "No link of yours has this id.")
    return link


def _owner() -> User:
    return db.session.get(User, g.api_owner_id)


def _link_json(link: Link, owner: User) -> dict:
    base = current_app.config["BASE_URL"] or request.host_url
    return schemas.link_json(link, urls.short_url(base, owner.username, link.slug))


def _context() -> schemas.Context:
    return schemas.Context(own_hosts=urls.own_hosts(current_app.config["BASE_URL"], request.host))


def _json_body() -> object:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError) as exc:  # ValueError covers bad UTF-8 and huge integers
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from exc
    if _has_lone_surrogate(body):
        raise ApiError(400, "invalid_json", "The body has a lone surrogate (a \\ud800-\\udfff escape "
                       "without its pair): text must be valid Unicode.")
    return body


def _has_lone_surrogate(value: object) -> bool:
    """Whether any string of ``value`` (keys included) is not valid Unicode.

    JSON's \\u escapes can spell half a surrogate pair, which no database can store; UTF-8 in
    the raw body cannot. A loop, not recursion: the body may be nested as deep as the parser allows.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending += item.keys()
            pending += item.values()
        elif isinstance(item, list):
            pending += item
    return False


def _known_args(*names: str) -> None:
    # A misspelt parameter (?per-page=5) would otherwise be ignored without a word.
    unknown = set(request.args) - set(names)
    if unknown:
        raise ApiError(400, "invalid_parameter", f"Unknown query parameter '{sorted(unknown)[0]}'.")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and low <= int(raw) <= high):
        raise ApiError(400, "invalid_parameter", f"'{name}' must be a whole number from {low} to {high}.")
    return int(raw)


def _str_arg(name: str, max_length: int) -> str | None:
    raw = request.args.get(name)
    if raw is not None and (len(raw) > max_length or not raw.isprintable()):
        raise ApiError(400, "invalid_parameter",
                       f"'{name}' must be at most {max_length} printable characters.")
    return raw or None


def _choice_arg(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = request.args.get(name, default)
    if raw not in choices:
        raise ApiError(400, "invalid_parameter", f"'{name}' must be one of {', '.join(choices)}.")
    return raw
