"""The API's link schema: every field in one table, with its JSON Schema, its parser and whether
clients may set it on create and on update. The OpenAPI document, the input parsing and the
output are all derived from ``LINK_FIELDS``: a new link option is one more row here.

Parsing calls the domain's rules (``shortener.links.rules``, as the forms and the CSV import do);
this module only checks JSON types and turns ``LinkRuleError`` into ApiErrors.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime

from ..clicks.stats import LinkStats
from ..links import rules
from ..links import tags as tagging
from ..links.models import Link
from .errors import ApiError

MAX_PER_PAGE = 100
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class Context:
    """What parsers need to know besides the value: this site's hosts."""

    own_hosts: Collection[str] = frozenset()


@dataclass(frozen=True)
class Field:
    name: str
    schema: dict
    create: bool = False  # clients may set it when creating a link
    update: bool = False  # ... when updating one
    required: bool = False  # on create
    parse: Callable[[object, Context], object] | None = None  # JSON value -> column value
    dump: Callable[[Link], object] | None = None  # column value -> JSON (default: the attribute)
    option: bool = False  # a link option: set through rules.LinkOptions, not as a column
    relation: bool = False  # rows of their own (the tags), given to the service apart

    @property
    def write_only(self) -> bool:
        """Accepted in requests, never in a response (the link password)."""
        return bool(self.schema.get("writeOnly"))


def invalid(field: str, message: str, code: str = "invalid_field") -> ApiError:
    return ApiError(422, code, message, field)


# The stable codes of the fields whose rules have one of their own.
RULE_CODES = {"target_url": "invalid_target_url", "slug": "invalid_slug"}


def rule_error(error: rules.LinkRuleError) -> ApiError:
    """A domain rule's error as the API's 422, naming the field."""
    return invalid(error.field, str(error), RULE_CODES.get(error.field, "invalid_field"))


def _string(name: str, value: object, max_length: int) -> str:
    if not isinstance(value, str):
        raise invalid(name, f"'{name}' must be a string.")
    if len(value) > max_length:
        raise invalid(name, f"'{name}' is too long (at most {max_length} characters).")
    return value


def parse_target_url(value: object, context: Context) -> str:
    return _checked("target_url", value, rules.TARGET_MAX_LENGTH, rules.check_target, context.own_hosts)


def parse_slug(value: object, _context: Context) -> str | None:
    return None if value is None else _checked("slug", value, rules.SLUG_MAX_LENGTH, rules.check_slug)


def parse_title(value: object, _context: Context) -> str | None:
    return None if value is None else _checked("title", value, rules.TITLE_MAX_LENGTH, rules.check_title)


def _checked(name: str, value: object, max_length: int, check, *args):
    """``value``, a string of at most ``max_length`` characters, stripped and passed through
    the link rule ``check``: its LinkRuleError becomes the field's API error."""
    try:
        return check(_string(name, value, max_length).strip(), *args)
    except rules.LinkRuleError as exc:
        raise rule_error(exc) from exc


def parse_datetime(name: str, value: object) -> datetime | None:
    """An RFC 3339 date-time as naive UTC; one without an offset is taken as UTC."""
    if value is None:
        return None
    try:
        return rules.parse_moment(name, _string(name, value, 40))
    except rules.LinkRuleError as exc:
        raise invalid(name, f"'{name}' must be a date-time such as 2030-01-31T12:00:00Z.") from exc


def parse_boolean(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise invalid(name, f"'{name}' must be true or false.")
    return value


def parse_click_limit(value: object, _context: Context) -> int | None:
    # bool is an int in Python; true is not a click limit. The range is the domain's rule.
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise invalid("click_limit", "'click_limit' must be a whole number or null.")
    return value


def parse_redirect_code(value: object, _context: Context) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("redirect_code", "'redirect_code' must be 301, 302, 307 or 308.")
    return value


def parse_password(value: object, _context: Context) -> str | None:
    """The new link password (None: remove it). The message never repeats the value."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid("password", "'password' must be a string or null.")
    # A lone surrogate cannot be encoded to be hashed.
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise invalid("password", "'password' must be valid Unicode text.")
    return value


def parse_tags(value: object, _context: Context) -> list[str]:
    """The link's whole list of tags (names); the rules are the domain's (links.tags)."""
    if not isinstance(value, list):
        raise invalid("tags", "'tags' must be a list of strings.")
    try:
        return tagging.check_tags(value)
    except rules.LinkRuleError as exc:
        raise rule_error(exc) from exc


TAG_NAME = {"type": "string", "minLength": 1, "maxLength": tagging.TAG_MAX_LENGTH,
            "description": tagging.TAG_RULE, "examples": ["newsletter"]}


def timestamp(moment: datetime | None) -> str | None:
    """Naive UTC from the database as RFC 3339 with a Z."""
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"


DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}

LINK_FIELDS: tuple[Field, ...] = (
    Field("id", {"type": "integer", "readOnly": True}),
    Field("slug", {"type": ["string", "null"], "pattern": f"^{rules.SLUG_PATTERN}$",
                   "description": "The last part of the short URL; random when omitted or null.",
                   "examples": ["launch"]},
          create=True, parse=parse_slug),
    Field("short_url", {"type": "string", "readOnly": True}),
    Field("target_url", {"type": "string", "minLength": 1, "maxLength": rules.TARGET_MAX_LENGTH,
                         "description": "An http(s) address; not one of this site's.",
                         "examples": ["https://example.com/a/long/page"]},
          create=True, update=True, required=True, parse=parse_target_url),
    Field("title", {"type": ["string", "null"], "maxLength": rules.TITLE_MAX_LENGTH},
          create=True, update=True, parse=parse_title),
    Field("tags", {"type": "array", "items": TAG_NAME, "maxItems": tagging.TAGS_PER_LINK_MAX,
                   "description": ("The link's tags, in name order; on create and update, the whole "
                                   "list (a tag is one per owner whatever its case).")},
          create=True, update=True, relation=True, parse=parse_tags, dump=tagging.names_of),
    Field("is_active", {"type": "boolean", "description": "Inactive links answer 404."},
          update=True, parse=lambda value, _c: parse_boolean("is_active", value)),
    Field("expires_at", {**NULLABLE_DATE_TIME,
                         "description": "UTC; after it the short link answers 404. In the future on create."},
          create=True, update=True, parse=lambda value, _c: parse_datetime("expires_at", value),
          dump=lambda link: timestamp(link.expires_at)),
    Field("starts_at", {**NULLABLE_DATE_TIME,
                        "description": "UTC; before it the short link answers 404. Before expires_at."},
          create=True, update=True, option=True, parse=lambda value, _c: parse_datetime("starts_at", value),
          dump=lambda link: timestamp(link.starts_at)),
    Field("click_limit", {"type": ["integer", "null"], "minimum": 1, "maximum": rules.CLICK_LIMIT_MAX,
                          "description": ("After this many human clicks the short link answers 410 "
                                          "(held to the click; 503 while the counter is unreachable).")},
          create=True, update=True, option=True, parse=parse_click_limit),
    Field("redirect_code", {"type": "integer", "enum": list(rules.REDIRECT_CODES),
                            "default": rules.DEFAULT_REDIRECT_CODE,
                            "description": "Browsers cache a 301: their repeat visits are not counted."},
          create=True, update=True, option=True, parse=parse_redirect_code),
    Field("forward_query", {"type": "boolean", "default": False,
                            "description": "Append the short link's query string to the target's."},
          create=True, update=True, option=True,
          parse=lambda value, _c: parse_boolean("forward_query", value)),
    Field("public_stats", {"type": "boolean", "default": False,
                           "description": ("Anyone may see the link's totals, chart and breakdowns at "
                                           "its short URL followed by /+stats.")},
          create=True, update=True, option=True,
          parse=lambda value, _c: parse_boolean("public_stats", value)),
    Field("password", {"type": ["string", "null"], "writeOnly": True,
                       "minLength": rules.LINK_PASSWORD_MIN_LENGTH,
                       "maxLength": rules.LINK_PASSWORD_MAX_LENGTH,
                       "description": ("Visitors must enter it before being redirected; stored only "
                                       "as a hash and never returned. null removes it.")},
          create=True, update=True, option=True, parse=parse_password),
    Field("has_password", {"type": "boolean", "readOnly": True,
                           "description": "The short link asks for a password."},
          dump=lambda link: link.password_hash is not None),
    Field("is_live", {"type": "boolean", "readOnly": True,
                      "description": "Active and not expired: the short link redirects."},
          dump=lambda link: link.is_live()),
    Field("click_count", {"type": "integer", "readOnly": True, "description": "Human clicks."}),
    Field("bot_count", {"type": "integer", "readOnly": True}),
    Field("created_at", {**DATE_TIME, "readOnly": True}, dump=lambda link: timestamp(link.created_at)),
    Field("updated_at", {**DATE_TIME, "readOnly": True}, dump=lambda link: timestamp(link.updated_at)),
)
FIELDS_BY_NAME = {field.name: field for field in LINK_FIELDS}


def _parse(data: object, context: Context, allowed: Callable[[Field], bool]) -> dict:
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "The body must be a JSON object.")
    values = {}
    for name, value in data.items():
        field = FIELDS_BY_NAME.get(name)
        if field is None or not allowed(field):
            raise invalid(name, f"Unknown or read-only field '{name}'.", "unknown_field")
        values[name] = field.parse(value, context)
    return values


def parse_create(data: object, context: Context) -> dict:
    """The columns of a new link from a JSON body; raises ApiError (422)."""
    values = _parse(data, context, lambda field: field.create)
    for field in LINK_FIELDS:
        if field.required and field.name not in values:
            raise invalid(field.name, f"'{field.name}' is required.", "missing_field")
    try:
        rules.check_new_expiry(values.get("expires_at"))
    except rules.LinkRuleError as exc:
        raise rule_error(exc) from exc
    return values


def parse_update(data: object, context: Context) -> dict:
    """The columns to change from a JSON body (PATCH: only those sent); raises ApiError (422)."""
    return _parse(data, context, lambda field: field.update)


def link_options(values: dict, current: rules.LinkOptions | None = None) -> rules.LinkOptions:
    """The link options from parsed ``values`` on top of ``current`` (the defaults on create).

    Options not sent keep their value (PATCH). A password of null removes the protection; an
    absent one keeps it.
    """
    sent = {name: value for name, value in values.items() if FIELDS_BY_NAME[name].option}
    options = replace(current or rules.LinkOptions(),
                      **{name: value for name, value in sent.items() if name != "password"})
    if "password" in sent:
        password = sent["password"]
        options = replace(options, password=password, remove_password=password is None)
    return options


def column_values(values: dict) -> dict:
    """The parsed ``values`` that are columns, not options nor relations."""
    return {name: value for name, value in values.items()
            if not (FIELDS_BY_NAME[name].option or FIELDS_BY_NAME[name].relation)}


def tag_totals_json(totals: list[tagging.TagTotal]) -> dict:
    return {"tags": [total._asdict() for total in totals]}


def link_json(link: Link, short_url: str) -> dict:
    values = {}
    for field in LINK_FIELDS:
        if field.write_only:
            continue
        if field.name == "short_url":
            values[field.name] = short_url
        else:
            values[field.name] = field.dump(link) if field.dump else getattr(link, field.name)
    return values


def stats_json(stats: LinkStats) -> dict:
    def shares(items):
        return [{"value": share.value, "clicks": share.clicks, "percent": share.percent} for share in items]

    return {
        "range": stats.range_name,
        "totals": stats.totals._asdict(),
        "points": [{"start": point.start.isoformat(), "label": point.label, "humans": point.humans,
                    "bots": point.bots} for point in stats.points],
        "breakdowns": {dimension: shares(items) for dimension, items in stats.breakdowns.items()},
        "bots": shares(stats.bots),
    }


# -- schemas of the OpenAPI document, from the table above -------------------------------------------

def link_schema() -> dict:
    fields = [field for field in LINK_FIELDS if not field.write_only]
    return {"type": "object", "required": [field.name for field in fields],
            "properties": {field.name: field.schema for field in fields},
            "additionalProperties": False}


def input_schema(mode: str) -> dict:
    fields = [field for field in LINK_FIELDS if getattr(field, mode)]
    properties = {field.name: {key: value for key, value in field.schema.items() if key != "readOnly"}
                  for field in fields}
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if mode == "create":
        schema["required"] = [field.name for field in fields if field.required]
    return schema
