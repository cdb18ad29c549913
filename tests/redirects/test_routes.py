"""shortener/redirects/routes.py: the redirect, plain and with each link option."""

import html
import re
from datetime import timedelta

import pytest

from shortener.accounts.users import hash_password
from shortener.extensions import db
from shortener.links import lookup
from shortener.links.models import Link
from shortener.timeutil import utcnow
from tests.conftest import AuthActions
from tests.helpers import add_link, counts, csrf_token, recorded_statements

LINK_PASSWORD = "open sesame"


@pytest.fixture
def owner(auth):
    return auth.create_user("bob")


def test_a_plain_link_redirects_302_and_records_the_click(app, client, owner):
    link_id = add_link(app, owner, "go", "https://example.com/page")
    response = client.get("/bob/go?utm_source=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.com/page"  # no forwarding unless asked
    assert response.headers["Cache-Control"] == "private, max-age=0"
    assert counts(app, link_id) == (1, 1, 1)


def test_a_plain_link_has_no_options_in_its_cached_row(app, owner):
    add_link(app, owner, "go")
    with app.app_context():
        assert lookup.resolve("bob", "go").options is None


def test_head_records_nothing_even_with_options(app, client, owner):
    link_id = add_link(app, owner, "go", redirect_code=307, forward_query=True)
    assert client.head("/bob/go?a=1").status_code == 307
    assert counts(app, link_id) == (0, 0, 0)


# --- click limit ---------------------------------------------------------------------

def test_a_link_under_its_limit_redirects(app, client, owner):
    link_id = add_link(app, owner, "go", click_limit=2, click_count=1)
    assert client.get("/bob/go").status_code == 302
    assert counts(app, link_id)[0] == 1


def test_a_link_at_its_limit_answers_410_with_a_friendly_page(app, client, owner):
    link_id = add_link(app, owner, "go", click_limit=3, click_count=3)
    response = client.get("/bob/go")
    assert response.status_code == 410
    assert "reached its limit" in response.get_data(as_text=True)
    assert counts(app, link_id)[0] == 0  # a refused visit is no click


def test_the_limit_is_reached_by_recorded_human_clicks(app, client, owner):
    add_link(app, owner, "go", click_limit=2)
    assert client.get("/bob/go").status_code == 302
    assert client.get("/bob/go").status_code == 302
    assert client.get("/bob/go").status_code == 410  # sync tracking, no cache: at once


def test_bots_do_not_use_up_the_limit(app, client, owner):
    add_link(app, owner, "go", click_limit=1)
    bot = {"User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}
    assert client.get("/bob/go", headers=bot).status_code == 302
    assert client.get("/bob/go").status_code == 302


# --- valid from ----------------------------------------------------------------------

def test_before_its_start_a_link_answers_404_like_a_missing_one(app, client, owner):
    link_id = add_link(app, owner, "go", starts_at=utcnow() + timedelta(hours=1))
    response = client.get("/bob/go")
    missing = client.get("/bob/nothing-here")
    assert response.status_code == missing.status_code == 404
    # The same page but for the path it was asked at (its "Report this link" is below it).
    assert response.get_data(as_text=True).replace("/bob/go/", "/bob/nothing-here/") == missing.get_data(
        as_text=True)
    assert client.get("/bob/go/+report").status_code == 404  # its existence stays hidden there too
    assert counts(app, link_id)[0] == 0


def test_after_its_start_a_link_redirects(app, client, owner, monkeypatch):
    starts_at = utcnow() + timedelta(hours=1)
    add_link(app, owner, "go", starts_at=starts_at)
    monkeypatch.setattr(lookup, "utcnow", lambda: starts_at)
    assert client.get("/bob/go").status_code == 302


def test_the_start_is_exact_even_when_cached(make_app, auth, monkeypatch):
    app = make_app(LINK_CACHE_SECONDS=60)
    starts_at = utcnow() + timedelta(minutes=5)
    add_link(app, auth.create_user("bob"), "go", starts_at=starts_at)
    client = app.test_client()
    assert client.get("/bob/go").status_code == 404
    monkeypatch.setattr(lookup, "utcnow", lambda: starts_at)
    assert client.get("/bob/go").status_code == 302


# --- redirect type -------------------------------------------------------------------

@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_each_redirect_type_is_answered_and_counted(app, client, owner, code):
    link_id = add_link(app, owner, "go", "https://example.com/", redirect_code=code)
    response = client.get("/bob/go")
    assert response.status_code == code
    assert response.headers["Location"] == "https://example.com/"
    assert counts(app, link_id)[0] == 1


@pytest.mark.parametrize(("code", "cacheable"), [(301, True), (308, True), (302, False), (307, False)])
def test_only_permanent_redirects_may_be_cached(app, client, owner, code, cacheable):
    add_link(app, owner, "go", redirect_code=code)
    response = client.get("/bob/go")
    assert ("Cache-Control" not in response.headers) is cacheable


# --- query forwarding ----------------------------------------------------------------

@pytest.mark.parametrize(("target", "query", "expected"), [
    ("https://example.com/p", "utm_source=x", "https://example.com/p?utm_source=x"),
    ("https://example.com/p?a=1", "utm_source=x&b=2", "https://example.com/p?a=1&utm_source=x&b=2"),
    ("https://example.com/p?a=1#top", "utm_source=x", "https://example.com/p?a=1&utm_source=x#top"),
    ("https://example.com/p#top", "q=a%20b&empty=", "https://example.com/p?q=a+b&empty=#top"),
    ("https://example.com/p?a=1", "", "https://example.com/p?a=1"),
])
def test_forwarding_appends_the_query_to_the_targets(app, client, owner, target, query, expected):
    add_link(app, owner, "go", target, forward_query=True)
    response = client.get(f"/bob/go?{query}" if query else "/bob/go")
    assert response.status_code == 302
    assert response.headers["Location"] == expected


# --- password ------------------------------------------------------------------------

@pytest.fixture
def protected(app, owner):
    return add_link(app, owner, "go", "https://example.com/secret",
                    password_hash=hash_password(LINK_PASSWORD))


def test_a_protected_link_answers_a_password_form_and_records_nothing(app, client, protected):
    response = client.get("/bob/go")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'type="password"' in page and 'method="post"' in page
    assert "example.com/secret" not in page  # the target is not given away
    assert response.headers["Cache-Control"] == "no-store"
    assert counts(app, protected) == (0, 0, 0)


def test_a_wrong_password_is_refused_and_records_nothing(app, client, protected, caplog):
    response = client.post("/bob/go", data={"password": "not it at all"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Wrong password." in page and "not it at all" not in page
    assert counts(app, protected) == (0, 0, 0)
    assert "not it at all" not in caplog.text


def continues_to(response) -> str | None:
    """Where the right password's page sends the browser on (its refresh, matching its link)."""
    page = response.get_data(as_text=True)
    refresh = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', page)
    link = re.search(r'<a href="([^"]+)">continue</a>', page)
    if refresh is None or link is None or refresh.group(1) != link.group(1):
        return None
    return html.unescape(refresh.group(1))


def test_the_right_password_records_the_click_and_continues_without_a_redirect(app, client, protected,
                                                                              caplog):
    # Chromium checks the CSP's form-action on each hop a POST is redirected along: a 303 to
    # another site is blocked there (tests/redirects/test_password_browser.py).
    response = client.post("/bob/go?utm=1", data={"password": LINK_PASSWORD})
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert continues_to(response) == "https://example.com/secret"
    assert response.headers["Cache-Control"] == "no-store"
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]  # not weakened
    assert LINK_PASSWORD not in response.get_data(as_text=True)
    assert counts(app, protected) == (1, 1, 1)
    assert LINK_PASSWORD not in caplog.text


def test_the_continue_page_escapes_the_target_and_forwards_the_query(app, client, owner):
    link_id = add_link(app, owner, "fw", 'https://example.com/p?a=1&b="2"', forward_query=True,
                       password_hash=hash_password(LINK_PASSWORD))
    response = client.post("/bob/fw?utm_source=x", data={"password": LINK_PASSWORD})
    assert '"2"' not in response.get_data(as_text=True)
    assert continues_to(response) == 'https://example.com/p?a=1&b="2"&utm_source=x'
    assert counts(app, link_id)[0] == 1


def test_a_right_password_is_remembered_in_a_signed_cookie_scoped_to_the_link(app, client, protected):
    response = client.post("/bob/go", data={"password": LINK_PASSWORD})
    cookie = client.get_cookie(f"link_access_{protected}", path="/bob/go")
    assert cookie is not None and cookie.http_only and cookie.path == "/bob/go"
    assert LINK_PASSWORD not in cookie.value
    assert cookie.max_age == app.config["LINK_PASSWORD_COOKIE_SECONDS"] == 12 * 3600
    response = client.get("/bob/go")
    assert response.status_code == 302
    assert counts(app, protected)[0] == 2


def test_a_forged_or_foreign_cookie_is_not_accepted(app, client, owner, protected):
    other = add_link(app, owner, "other", password_hash=hash_password("another one"))
    client.post("/bob/go", data={"password": LINK_PASSWORD})
    value = client.get_cookie(f"link_access_{protected}", path="/bob/go").value
    client.set_cookie(f"link_access_{other}", value, path="/bob/other")
    assert client.get("/bob/other").status_code == 200  # the form again
    # Another character before the last (the last may carry padding bits that decode alike).
    forged = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    client.set_cookie(f"link_access_{protected}", forged, path="/bob/go")
    assert client.get("/bob/go").status_code == 200


def test_changing_the_password_forgets_remembered_visitors(app, client, protected):
    client.post("/bob/go", data={"password": LINK_PASSWORD})
    with app.app_context():
        db.session.get(Link, protected).password_hash = hash_password("a new password")
        db.session.commit()
    assert client.get("/bob/go").status_code == 200


def test_wrong_passwords_are_rate_limited_per_link(make_app, auth):
    app = make_app(RATELIMIT_LINK_PASSWORD="2 per minute", RATELIMIT_LINK_PASSWORD_IP="100 per minute")
    link_id = add_link(app, auth.create_user("bob"), "go", password_hash=hash_password(LINK_PASSWORD))
    first, second = app.test_client(), app.test_client()
    assert first.post("/bob/go", data={"password": "wrong one"}).status_code == 403  # its first try
    assert first.post("/bob/go", data={"password": "wrong two"}).status_code == 403
    assert first.post("/bob/go", data={"password": "wrong three"}).status_code == 403
    # Another visitor from that address is limited too, even with the right password...
    assert second.post("/bob/go", data={"password": LINK_PASSWORD}).status_code == 429
    assert counts(app, link_id)[0] == 0
    # ... but not one from elsewhere (tests/redirects/test_password_throttle.py).
    assert second.post("/bob/go", data={"password": LINK_PASSWORD},
                       environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200


def test_wrong_passwords_are_rate_limited_per_address(make_app, auth):
    app = make_app(RATELIMIT_LINK_PASSWORD="100 per minute", RATELIMIT_LINK_PASSWORD_IP="2 per minute")
    owner = auth.create_user("bob")
    add_link(app, owner, "one", password_hash=hash_password(LINK_PASSWORD))
    add_link(app, owner, "two", password_hash=hash_password(LINK_PASSWORD))
    client = app.test_client()
    assert client.post("/bob/one", data={"password": "wrong one"}).status_code == 403
    assert client.post("/bob/two", data={"password": "wrong two"}).status_code == 403
    assert client.post("/bob/one", data={"password": LINK_PASSWORD}).status_code == 429
    other_address = {"REMOTE_ADDR": "198.51.100.7"}
    assert client.post("/bob/one", data={"password": LINK_PASSWORD},
                       environ_base=other_address).status_code == 200


def test_right_passwords_do_not_use_up_the_allowance(make_app, auth):
    app = make_app(RATELIMIT_LINK_PASSWORD="2 per minute", RATELIMIT_LINK_PASSWORD_IP="2 per minute")
    add_link(app, auth.create_user("bob"), "go", password_hash=hash_password(LINK_PASSWORD))
    for _ in range(4):
        assert app.test_client().post("/bob/go", data={"password": LINK_PASSWORD}).status_code == 200


def test_the_password_form_needs_its_csrf_token(make_app, auth):
    app = make_app(WTF_CSRF_ENABLED=True)
    link_id = add_link(app, auth.create_user("bob"), "go", password_hash=hash_password(LINK_PASSWORD))
    client = app.test_client()
    assert client.post("/bob/go", data={"password": LINK_PASSWORD}).status_code == 400
    token = csrf_token(client.get("/bob/go").get_data(as_text=True))
    response = client.post("/bob/go", data={"password": LINK_PASSWORD, "csrf_token": token})
    assert response.status_code == 200
    assert counts(app, link_id)[0] == 1


def test_a_protected_link_at_its_limit_answers_410_before_any_password(app, client, owner):
    add_link(app, owner, "go", password_hash=hash_password(LINK_PASSWORD), click_limit=1, click_count=1)
    assert client.get("/bob/go").status_code == 410
    assert client.post("/bob/go", data={"password": LINK_PASSWORD}).status_code == 410


def test_posting_to_an_unprotected_link_sends_back_to_it_without_a_click(app, client, owner):
    link_id = add_link(app, owner, "go", forward_query=True)
    response = client.post("/bob/go?a=1")
    assert response.status_code == 200  # no redirect of a POST (see above)
    assert continues_to(response) == "/bob/go?a=1"
    assert counts(app, link_id)[0] == 0
    assert client.post("/bob/missing").status_code == 404


def test_redirect_never_looks_at_the_login(app, auth):
    link_owner = auth.create_user("alice")
    add_link(app, link_owner, "go", "https://example.com/")
    visitor = app.test_client()
    assert AuthActions(app, visitor).login("alice", remember="y").status_code == 302
    with recorded_statements(app) as statements:
        response = visitor.get("/alice/go")
    assert response.status_code == 302
    # Tracking is "sync" in tests: the lookup, then the click's own writes; no login row.
    assert "FROM links" in statements[0]
    assert not [sql for sql in statements if "user_sessions" in sql]


# --- a trailing slash ----------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_trailing_slash_reaches_the_link(app, client, owner, method):
    link_id = add_link(app, owner, "promo", "https://example.com/promo")
    response = client.open("/bob/promo/?utm_source=x", method=method)
    assert response.status_code == 308
    assert response.headers["Location"] == "/bob/promo?utm_source=x"
    followed = client.open(response.headers["Location"], method=method)
    assert followed.status_code == 302
    assert followed.headers["Location"] == "https://example.com/promo"
    assert counts(app, link_id)[0] == (1 if method == "GET" else 0)  # once, at the short URL


def test_a_trailing_slash_on_a_missing_link_still_ends_in_404(client, owner):
    response = client.get("/bob/nothing/", follow_redirects=True)
    assert response.status_code == 404


@pytest.mark.parametrize(("path", "location"), [
    ("/bob/a%3Fb/", "/bob/a%3Fb"),  # a "?" in the slug stays in the path
    ("/%5Cevil.example/x/", "/%5Cevil.example/x"),  # never "/\evil.example": a browser's //evil.example
])
def test_the_slashs_redirect_stays_on_this_site_and_quotes_the_path(client, path, location):
    assert client.get(path).headers["Location"] == location
