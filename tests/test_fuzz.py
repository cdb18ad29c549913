"""Property-based fuzzing (hypothesis): every form field, every query parameter the views read,
the redirect path, the API's JSON bodies on every route that takes one, and every ``<int:...>``
route with any id. Whatever comes in, the answer is never a 500.

Bounded in time: at most FUZZ_EXAMPLES examples per test, no deadline (the machine is shared),
no example database. Rate limits are raised out of the way so the fuzzer reaches the views.
The app runs with TESTING, so an unhandled exception fails the test rather than becoming a 500.
"""

import json
import os
import re
import uuid
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from shortener.accounts.models import User
from shortener.accounts.users import set_admin
from shortener.api.schemas import LINK_FIELDS
from shortener.extensions import db
from tests.conftest import AuthActions
from tests.helpers import add_link, issue_token, make_api_token, sign_in

# FUZZ_EXAMPLES=1000 for a deeper run by hand; `make test` keeps the default.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
fuzz = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HIGH = "100000 per minute"

# Text a browser could send: no lone surrogates (they cannot be encoded), everything else allowed.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
# Plus the shapes that break parsers: huge numbers, NUL, odd dates, URLs of every kind.
nasty = st.sampled_from([
    "", " ", "\x00", "0", "-1", "9223372036854775808", "1" + "0" * 400, "1e309", "NaN", "%00", "..",
    "http://[::1", "http://[::ffff:127.0.0.1]/x", "https://a@b/", "javascript:alert(1)",
    "https://xn--/", "http://" + "a" * 300 + ".com/", "2026-13-45T25:61", "9999-12-31T23:59",
    "0001-01-01T00:00", "<script>alert(1)</script>", "'; DROP TABLE users; --", "\u202e", "ａｄｍｉｎ",
])
value = st.one_of(text, nasty)
number_like = st.one_of(st.integers(min_value=-(2**80), max_value=2**80).map(str), value)


def fields(*names: str):
    """A form's fields, each missing or any value, plus a stray field now and then."""
    return st.fixed_dictionaries({}, optional={name: value for name in (*names, "unexpected")})


@pytest.fixture
def fuzz_app(make_app):
    return make_app(RATELIMIT_LOGIN=HIGH, RATELIMIT_LOGIN_ACCOUNT=HIGH, RATELIMIT_RESET=HIGH,
                    RATELIMIT_REGISTER=HIGH, RATELIMIT_LINK_CREATE=HIGH, CLICK_TRACKING="sync")


@pytest.fixture
def fuzz_user(fuzz_app):
    """A logged-in client of user 'alice', with one link; returns (client, link id)."""
    client = fuzz_app.test_client()
    auth = AuthActions(fuzz_app, client)
    user_id = auth.create_user("alice")
    assert auth.login("alice").status_code == 302
    return client, add_link(fuzz_app, user_id, slug="abc")


def no_server_error(response) -> None:
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])


# --- anonymous forms ----------------------------------------------------------------------------

@fuzz
@given(form=fields("username", "email", "password", "confirm"))
def test_register_form(fuzz_app, form):
    no_server_error(fuzz_app.test_client().post("/auth/register", data=form))


@fuzz
@given(form=fields("login", "password", "remember"), next_url=value)
def test_login_form_and_next(fuzz_app, form, next_url):
    client = fuzz_app.test_client()
    no_server_error(client.post("/auth/login", query_string={"next": next_url}, data=form))
    no_server_error(client.get("/auth/login", query_string={"next": next_url}))


@fuzz
@given(form=fields("email"))
def test_forgot_password_form(fuzz_app, form):
    no_server_error(fuzz_app.test_client().post("/auth/forgot-password", data=form))


@fuzz
@given(form=fields("password", "confirm"), token=st.one_of(st.none(), value))
def test_reset_password_form_and_token(fuzz_app, form, token):
    if token is None:  # a real, valid token: the form itself is reached
        token = issue_token(fuzz_app, AuthActions(fuzz_app, None).create_user(f"u{uuid.uuid4().hex[:12]}"))
    client = fuzz_app.test_client()
    path = f"/auth/reset-password/{quote(token, safe='')}"
    no_server_error(client.get(path))
    no_server_error(client.post(path, data=form))


# --- a logged-in user's forms and query parameters -------------------------------------------------

@fuzz
@given(form=fields("target_url", "title", "expires_at", "slug"))
def test_link_create_form(fuzz_user, form):
    client, _link_id = fuzz_user
    no_server_error(client.post("/links/new", data=form))


@fuzz
@given(form=fields("target_url", "title", "expires_at", "is_active"))
def test_link_edit_form(fuzz_user, form):
    client, link_id = fuzz_user
    no_server_error(client.post(f"/links/{link_id}/edit", data=form))


@fuzz
@given(form=fields("csrf_token"), link_id=number_like)
def test_link_delete_form_and_ids(fuzz_user, form, link_id):
    client, _link_id = fuzz_user
    no_server_error(client.get(f"/links/{quote(link_id, safe='')}/delete"))
    no_server_error(client.post(f"/links/{quote(link_id, safe='')}/delete", data=form))


@fuzz
@given(page=number_like, range_name=value)
def test_query_parameters(fuzz_user, page, range_name):
    client, link_id = fuzz_user
    no_server_error(client.get("/", query_string={"page": page}))
    no_server_error(client.get(f"/links/{link_id}", query_string={"range": range_name}))


@fuzz
@given(raw=st.binary(max_size=300))
def test_raw_form_bodies(fuzz_user, raw):
    # Bytes that are not UTF-8, stray '&' and '=': what a broken client or a scanner sends.
    client, link_id = fuzz_user
    for path in ("/links/new", f"/links/{link_id}/edit", "/auth/login"):
        no_server_error(client.post(path, data=raw, content_type="application/x-www-form-urlencoded"))
    no_server_error(client.get("/?page=" + quote(raw, safe="")))


# --- the redirect ----------------------------------------------------------------------------------

@fuzz
@given(username=value, slug=value, method=st.sampled_from(["GET", "HEAD"]))
def test_redirect_path(fuzz_app, username, slug, method):
    # An empty first segment would make "//host/..." of it in the test client, not a path.
    path = f"/{quote(username, safe='') or 'x'}/{quote(slug, safe='')}"
    no_server_error(fuzz_app.test_client().open(path, method=method))


@fuzz
@given(path=st.text(st.characters(exclude_categories=("Cs",)), max_size=200))
def test_any_path(fuzz_app, path):
    no_server_error(fuzz_app.test_client().get("/" + quote(path.lstrip("/"), safe="/")))



# --- the API's JSON bodies -------------------------------------------------------------------------

# Any string a JSON text can spell, lone surrogates included (as \ud800 escapes).
lone_surrogate = st.builds("{}{}{}".format, st.text(max_size=10), st.sampled_from(
    ["\ud800", "\udbff", "\udc00", "\udfff"]), st.text(max_size=10))
json_text = st.one_of(st.text(max_size=60), lone_surrogate, nasty)
json_scalar = st.one_of(st.none(), st.booleans(), json_text, st.floats(),
                        st.integers(min_value=-(2**200), max_value=2**200),
                        st.sampled_from([0, 1, 301, 302, 2**31, 2**63, -(2**63) - 1, 10**30]))
json_value = st.recursive(json_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(json_text, inner, max_size=4)), max_leaves=12)
WRITABLE = [field.name for field in LINK_FIELDS
            if (field.create or field.update) and field.name != "target_url"]
# Mostly of a type some field takes, so that bodies get past the type checks to the database.
field_value = st.one_of(json_text, st.none(), st.booleans(), st.integers(min_value=1, max_value=400),
                        json_value)
# A link body: a target that passes now and then, the writable fields (a stray or read-only one
# at times) with values of any type; or a body that is no object at all.
json_body = st.one_of(
    st.fixed_dictionaries(
        {"target_url": st.one_of(st.just("https://example.com/"), json_value)},
        optional={name: field_value for name in (*WRITABLE, "unexpected", "id")}),
    json_value,
    # One field at fault in an otherwise good body: what reaches the domain and the database.
    st.tuples(st.sampled_from(WRITABLE), field_value).map(
        lambda item: {"target_url": "https://example.com/", item[0]: item[1]}),
    json_text.map(lambda text: {"target_url": "https://example.com/" + text}),
).map(lambda body: json.dumps(body, ensure_ascii=True))
deep = st.integers(min_value=1, max_value=40_000).flatmap(
    lambda depth: st.sampled_from(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth,
                                   '{"title": ' + "[" * depth + "]" * depth + "}"]))


def api_write_rules(app):
    """Every rule of the API that takes a body."""
    return [(rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH"})]


@pytest.fixture
def fuzz_api(fuzz_app):
    """An API client of user 'alice' with one link; returns (client, headers, link id)."""
    user_id = AuthActions(fuzz_app, None).create_user("alice")
    link_id = add_link(fuzz_app, user_id, slug="abc")
    _token_id, token = make_api_token(fuzz_app, user_id)
    return fuzz_app.test_client(), {"Authorization": f"Bearer {token}"}, link_id


def test_the_api_write_routes_are_fuzzed(fuzz_app):
    assert {(rule.endpoint, method) for rule, method in api_write_rules(fuzz_app)} >= {
        ("api.create_link", "POST"), ("api.update_link", "PATCH")}


@fuzz
@given(body=st.one_of(json_body, deep))
def test_api_json_bodies(fuzz_api, body):
    client, headers, link_id = fuzz_api
    for rule, method in api_write_rules(client.application):
        path = rule.build({"link_id": link_id}, append_unknown=False)[1]
        no_server_error(client.open(path, method=method, data=body, content_type="application/json",
                                    headers=headers))


# --- every <int:...> route ----------------------------------------------------------------------

def int_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())]


@pytest.fixture
def fuzz_admin(make_app, redis_server, real_redis):
    """An admin 'boss' with a link, an API token and a live login, on a real Redis (rq-dashboard
    reads it); returns (app, user id, headers)."""
    app = make_app(REDIS_URL=redis_server.url, CLICK_TRACKING="sync")
    user_id = AuthActions(app, None).create_user("boss")
    with app.app_context():
        set_admin(db.session.get(User, user_id), True)
    add_link(app, user_id, slug="abc")
    _token_id, token = make_api_token(app, user_id)
    return app, user_id, {"Authorization": f"Bearer {token}"}


def test_every_int_route_is_fuzzed(fuzz_admin):
    app, _user_id, _headers = fuzz_admin
    endpoints = {rule.endpoint for rule in int_rules(app)}
    assert {"dashboard.detail", "settings.revoke", "api.get_link", "rq_dashboard.jobs_overview"} <= endpoints


@settings(fuzz, max_examples=min(FUZZ_EXAMPLES, 25))  # each example requests every rule
@given(number=st.one_of(st.integers(min_value=-(2**70), max_value=2**70),
                        st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 10**20])),
       digits=st.sampled_from(["", "0", "00"]))
def test_int_routes_with_any_id(fuzz_admin, number, digits):
    app, user_id, headers = fuzz_admin
    client = app.test_client()
    sign_in(app, client, user_id)  # anew each time: revoking its own login logs it out
    for rule in int_rules(app):
        path = rule.rule
        for name, converter in rule._converters.items():
            value = digits + str(number) if isinstance(converter, IntegerConverter) else "x"
            path = re.sub(rf"<[^>]*\b{name}>", quote(value, safe=""), path)
        for method in sorted(rule.methods - {"OPTIONS"}):
            no_server_error(client.open(path, method=method, headers=headers))
