"""Property-based fuzzing (hypothesis): every form field, every query parameter the views read,
and the redirect path. Whatever comes in, the answer is never a 500.

Bounded in time: at most FUZZ_EXAMPLES examples per test, no deadline (the machine is shared),
no example database. Rate limits are raised out of the way so the fuzzer reaches the views.
The app runs with TESTING, so an unhandled exception fails the test rather than becoming a 500.
"""

import os
import uuid
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AuthActions
from tests.helpers import add_link, issue_token

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

