"""shortener/api/routes.py: the JSON API over links, their stats and clicks."""

import json
from datetime import datetime, timedelta

import pytest

from shortener.accounts.users import check_password_hash
from shortener.api import tokens
from shortener.clicks import stats
from shortener.extensions import db
from shortener.links.models import Link
from shortener.timeutil import utcnow
from tests.helpers import add_link, csrf_token, login_with_csrf, make_api_token, make_event, store_events

LINK_ROUTES = [
    ("get", "/links/{id}"), ("patch", "/links/{id}"), ("delete", "/links/{id}"),
    ("get", "/links/{id}/stats"), ("get", "/links/{id}/clicks.csv"), ("get", "/links/{id}/clicks.jsonl"),
]
ALL_ROUTES = [("get", "/links"), ("post", "/links"), *LINK_ROUTES]


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def stored(app, link_id) -> Link | None:
    with app.app_context():
        link = db.session.get(Link, link_id)
        if link is not None:
            db.session.expunge(link)
        return link


# --- authentication -------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
@pytest.mark.parametrize("header", [None, "Bearer shr_" + "x" * 43, "Basic YWxpY2U6eA==", "Bearer", "shr_x"])
def test_every_route_needs_a_valid_token(app, client, alice, method, path, header):
    link_id = add_link(app, alice)
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)("/api/v1" + path.format(id=link_id), headers=headers, json={})
    assert response.status_code == 401 and error_code(response) == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored(app, link_id) is not None


def test_a_revoked_token_gets_401(app, client, api, alice):
    assert api.get("/links").status_code == 200
    client.post("/auth/login", data={"login": "alice", "password": "correct horse battery"})
    with app.app_context():
        token_id = tokens.list_tokens(alice)[0].id
    client.post(f"/settings/tokens/{token_id}/revoke")
    response = api.get("/links")
    assert response.status_code == 401


def test_a_cookie_session_does_not_authenticate_the_api(app, make_app, auth):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    auth.app, auth.client = app, client
    auth.create_user("alice")
    login_with_csrf(client)
    assert client.get("/").status_code == 200  # logged in on the site
    assert client.get("/api/v1/links").status_code == 401
    form_token = csrf_token(client.get("/links/new").get_data(as_text=True))
    response = client.post("/api/v1/links", json={"target_url": "https://example.com/"},
                           headers={"X-CSRFToken": form_token})
    assert response.status_code == 401


def test_an_api_response_sets_no_cookie(api):
    assert "Set-Cookie" not in api.get("/links").headers


# --- another user's link ---------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), LINK_ROUTES)
def test_another_users_link_is_404(app, auth, api, method, path):
    bob = auth.create_user("bob")
    link_id = add_link(app, bob, title="bob's")
    response = getattr(api, method)(path.format(id=link_id), json={"title": "mine now"})
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert stored(app, link_id).title == "bob's"


@pytest.mark.parametrize(("method", "path"), LINK_ROUTES)
def test_a_missing_or_huge_link_id_is_404(api, method, path):
    for link_id in (12345, 2**31, 10**30):
        assert getattr(api, method)(path.format(id=link_id), json={}).status_code == 404


# --- create ----------------------------------------------------------------------------------------

def test_create_with_every_field(app, api):
    response = api.post("/links", json={"target_url": " https://Example.COM./docs ", "slug": "docs",
                                        "title": " Docs ", "expires_at": "2099-01-01T02:00:00+02:00"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/links/{body['id']}"
    assert body["short_url"] == "http://sho.rt.test/alice/docs"
    assert (body["target_url"], body["title"], body["expires_at"]) == (
        "https://example.com/docs", "Docs", "2099-01-01T00:00:00Z")
    assert body["is_active"] and body["is_live"] and body["click_count"] == 0
    assert stored(app, body["id"]).expires_at == datetime(2099, 1, 1)


def test_create_with_a_random_slug(api):
    body = api.post("/links", json={"target_url": "https://example.com/"}).get_json()
    assert len(body["slug"]) == 7


def test_a_taken_slug_is_409(api):
    api.post("/links", json={"target_url": "https://example.com/", "slug": "x"})
    response = api.post("/links", json={"target_url": "https://example.com/2", "slug": "x"})
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "slug_taken", "field": "slug", "message": "You already have a link at /x. Pick another name."}


@pytest.mark.parametrize(("body", "code", "field"), [
    ({}, "missing_field", "target_url"),
    ({"target_url": "ftp://example.com/"}, "invalid_target_url", "target_url"),
    ({"target_url": "http://sho.rt.test/alice/x"}, "invalid_target_url", "target_url"),
    ({"target_url": 42}, "invalid_field", "target_url"),
    ({"target_url": "https://example.com/", "slug": "a b"}, "invalid_slug", "slug"),
    ({"target_url": "https://example.com/", "slug": ["x"]}, "invalid_field", "slug"),
    ({"target_url": "https://example.com/", "title": "x" * 201}, "invalid_field", "title"),
    ({"target_url": "https://example.com/", "title": "a\x00b"}, "invalid_field", "title"),
    ({"target_url": "https://example.com/", "expires_at": "2000-01-01T00:00:00Z"}, "invalid_field",
     "expires_at"),
    ({"target_url": "https://example.com/", "expires_at": "tomorrow"}, "invalid_field", "expires_at"),
    ({"target_url": "https://example.com/", "expires_at": "0001-01-01T00:00:00+05:00"}, "invalid_field",
     "expires_at"),
    ({"target_url": "https://example.com/", "is_active": False}, "unknown_field", "is_active"),
    ({"target_url": "https://example.com/", "click_count": 5}, "unknown_field", "click_count"),
    ({"target_url": "https://example.com/", "surprise": 1}, "unknown_field", "surprise"),
])
def test_invalid_fields_are_422_with_a_code(app, api, alice, body, code, field):
    response = api.post("/links", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == code and response.get_json()["error"]["field"] == field


@pytest.mark.parametrize(("data", "content_type", "status", "code"), [
    ("{bad", "application/json", 400, "invalid_json"),
    (b"\xff\xfe\xff", "application/json", 400, "invalid_json"),
    ("[" * 30_000 + "]" * 30_000, "application/json", 400, "invalid_json"),
    ('{"target_url": ' + "9" * 5000 + "}", "application/json", 400, "invalid_json"),
    ("[1, 2]", "application/json", 422, "invalid_body"),
    ("null", "application/json", 422, "invalid_body"),
    ("target_url=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ('{"title": "' + "x" * 70_000 + '"}', "application/json", 413, "payload_too_large"),
])
def test_bad_bodies_are_4xx_with_a_code(api, data, content_type, status, code):
    response = api.post("/links", data=data, content_type=content_type)
    assert response.status_code == status and error_code(response) == code


# --- list ------------------------------------------------------------------------------------------

def test_list_pages_searches_and_sorts(app, api, alice):
    now = utcnow()
    for number in range(5):
        add_link(app, alice, slug=f"s{number}", title=f"Title {number}", click_count=10 - number,
                 target=f"https://example.com/{number}", created_at=now - timedelta(hours=5 - number))
    body = api.get("/links?per_page=2&page=2").get_json()
    assert [link["slug"] for link in body["links"]] == ["s2", "s1"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 5, 3)
    by_clicks = api.get("/links?sort=clicks&per_page=3").get_json()["links"]
    assert [link["slug"] for link in by_clicks] == ["s0", "s1", "s2"]
    assert [link["slug"] for link in api.get("/links?q=TITLE 3").get_json()["links"]] == ["s3"]
    assert [link["slug"] for link in api.get("/links?q=example.com/4").get_json()["links"]] == ["s4"]
    assert api.get("/links?q=50%25_").get_json()["links"] == []  # wildcards are literal


def test_list_shows_only_the_owners_links(app, auth, api):
    add_link(app, auth.create_user("bob"), slug="bobs")
    assert api.get("/links").get_json()["total"] == 0


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=x", "page=99999999999999999999", "per_page=0",
                                   "per_page=101", "sort=oldest", "q=" + "x" * 201, "q=%00",
                                   "per-page=5", "=null"])
def test_bad_list_parameters_are_400(api, query):
    response = api.get(f"/links?{query}")
    assert response.status_code == 400 and error_code(response) == "invalid_parameter"


# --- read, update, delete --------------------------------------------------------------------------

def test_read(app, api, alice):
    link_id = add_link(app, alice, slug="r", title="Read me")
    body = api.get(f"/links/{link_id}").get_json()
    assert (body["id"], body["slug"], body["title"]) == (link_id, "r", "Read me")


def test_update_changes_only_what_is_sent(app, api, alice):
    link_id = add_link(app, alice, slug="u", title="Old", expires_at=datetime(2099, 1, 1))
    response = api.patch(f"/links/{link_id}", json={"is_active": False, "title": None})
    assert response.status_code == 200
    link = stored(app, link_id)
    assert (link.is_active, link.title, link.expires_at) == (False, None, datetime(2099, 1, 1))
    assert response.get_json()["is_live"] is False


@pytest.mark.parametrize(("body", "code"), [
    ({"slug": "new"}, "unknown_field"), ({"is_active": "yes"}, "invalid_field"),
    ({"is_active": 1}, "invalid_field"), ({"target_url": "javascript:alert(1)"}, "invalid_target_url"),
    ({"id": 5}, "unknown_field"),
])
def test_invalid_updates_are_422_and_change_nothing(app, api, alice, body, code):
    link_id = add_link(app, alice)
    response = api.patch(f"/links/{link_id}", json=body)
    assert response.status_code == 422 and error_code(response) == code
    assert stored(app, link_id).is_active


def test_delete(app, api, alice):
    link_id = add_link(app, alice)
    assert api.delete(f"/links/{link_id}").status_code == 204
    assert stored(app, link_id) is None
    assert api.delete(f"/links/{link_id}").status_code == 404


# --- stats and clicks ------------------------------------------------------------------------------

def test_stats_are_the_link_pages_figures(app, api, alice):
    link_id = add_link(app, alice)
    store_events(app, [make_event(link_id, utcnow() - timedelta(hours=1)) for _ in range(3)])
    for range_name in stats.RANGES:
        body = api.get(f"/links/{link_id}/stats?range={range_name}").get_json()
        with app.app_context():
            expected = stats.link_stats(link_id, range_name)
        assert body["range"] == range_name
        assert body["totals"] == expected.totals._asdict()
        assert [point["humans"] for point in body["points"]] == [point.humans for point in expected.points]
    assert api.get(f"/links/{link_id}/stats").get_json()["range"] == stats.DEFAULT_RANGE


@pytest.mark.parametrize("query", ["range=1y", "range=7d&extra=1"])
def test_an_unknown_stats_range_or_parameter_is_400(app, api, alice, query):
    response = api.get(f"/links/{add_link(app, alice)}/stats?{query}")
    assert response.status_code == 400 and error_code(response) == "invalid_parameter"


@pytest.mark.parametrize(("method", "path"), LINK_ROUTES)
def test_link_routes_take_no_unknown_parameters(app, api, alice, method, path):
    response = getattr(api, method)(path.format(id=add_link(app, alice)) + "?x=1", json={})
    assert response.status_code == 400 and error_code(response) == "invalid_parameter"


def test_clicks_as_csv_and_json_lines(app, api, alice):
    link_id = add_link(app, alice, slug="c")
    store_events(app, [make_event(link_id, datetime(2026, 1, 1, 12, minute)) for minute in range(3)])
    csv_response = api.get(f"/links/{link_id}/clicks.csv")
    assert csv_response.mimetype == "text/csv" and csv_response.is_streamed
    assert csv_response.get_data(as_text=True).count("\n") == 4
    jsonl = api.get(f"/links/{link_id}/clicks.jsonl")
    assert jsonl.mimetype == "application/jsonl" and jsonl.is_streamed
    rows = [json.loads(line) for line in jsonl.get_data(as_text=True).splitlines()]
    assert [row["clicked_at_utc"] for row in rows] == [f"2026-01-01T12:0{minute}:00" for minute in range(3)]
    assert rows[0]["referrer"] == "https://ref.test/" and rows[0]["is_bot"] is False


# --- errors anywhere under /api --------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/nothing/here", 404), ("put", "/links", 405), ("post", "/links/1", 405),
    ("get", "/links/abc", 404),
])
def test_routing_errors_under_the_api_are_json(api, method, path, status):
    response = getattr(api, method)(path)
    assert response.status_code == status
    assert error_code(response) == {404: "not_found", 405: "method_not_allowed"}[status]


def test_errors_outside_the_api_stay_pages(client):
    response = client.get("/no/such/thing/here")
    assert response.status_code == 404 and response.mimetype == "text/html"


# --- rate limits -----------------------------------------------------------------------------------

def test_rate_limit_per_token_with_retry_after(make_app, auth, real_redis, redis_server):
    app = make_app(RATELIMIT_API="2 per minute", RATELIMIT_STORAGE_URI=redis_server.url)
    auth.app = app
    alice = auth.create_user("alice")
    client = app.test_client()
    first_id, first_token = make_api_token(app, alice)
    first = {"Authorization": f"Bearer {first_token}"}
    second = {"Authorization": f"Bearer {make_api_token(app, alice)[1]}"}
    assert [client.get("/api/v1/links", headers=first).status_code for _ in range(2)] == [200, 200]
    response = client.post("/api/v1/links", headers=first, json={"target_url": "https://example.com/"})
    assert response.status_code == 429 and error_code(response) == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert client.get("/api/v1/links", headers=second).status_code == 200  # each token has its own
    assert any(f"token:{first_id}".encode() in key for key in real_redis.scan_iter())  # kept in Redis


def test_requests_without_a_valid_token_are_limited_per_address(make_app, auth, real_redis, redis_server):
    app = make_app(RATELIMIT_API_UNAUTHENTICATED="3 per minute", RATELIMIT_STORAGE_URI=redis_server.url)
    auth.app = app
    alice = auth.create_user("alice")
    client = app.test_client()
    guessing = {"Authorization": "Bearer shr_" + "x" * 43}
    here, elsewhere = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.9"}
    statuses = [client.get("/api/v1/links", headers=guessing, environ_base=here).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 401]
    response = client.get("/api/v1/links", headers=guessing, environ_base=here)
    assert response.status_code == 429 and error_code(response) == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    # Another address still gets its 401s; a valid token is not counted or refused here.
    assert client.get("/api/v1/links", headers=guessing, environ_base=elsewhere).status_code == 401
    token = make_api_token(app, alice)[1]
    for _ in range(4):
        ok = client.get("/api/v1/links", headers={"Authorization": f"Bearer {token}"}, environ_base=here)
        assert ok.status_code == 200
    assert client.get("/api/v1/openapi.json", headers=guessing, environ_base=here).status_code == 200
    assert any(b"api-unauthenticated" in key for key in real_redis.scan_iter())  # kept in Redis


def test_the_unauthenticated_limit_defaults_to_sixty_a_minute(app):
    assert app.config["RATELIMIT_API_UNAUTHENTICATED"] == "60 per minute"


def test_a_storage_outage_still_answers_401(make_app, auth):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                   RATELIMIT_API_UNAUTHENTICATED="1 per minute")
    response = app.test_client().get("/api/v1/links")
    assert response.status_code == 401


# --- link options ------------------------------------------------------------------------------------

def test_create_with_every_option(app, api):
    response = api.post("/links", json={
        "target_url": "https://example.com/", "slug": "opts", "expires_at": "2099-01-01T00:00:00Z",
        "starts_at": "2098-06-01T12:00:00+02:00", "click_limit": 100, "redirect_code": 308,
        "forward_query": True, "password": "open sesame", "public_stats": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["starts_at"], body["click_limit"], body["redirect_code"], body["forward_query"],
            body["has_password"], body["public_stats"]) == (
                "2098-06-01T10:00:00Z", 100, 308, True, True, True)
    assert body["is_live"] is False  # not started yet
    assert "password" not in body and "open sesame" not in response.get_data(as_text=True)
    link = stored(app, body["id"])
    assert link.starts_at == datetime(2098, 6, 1, 10) and link.password_hash.startswith("$argon2id$")
    assert check_password_hash(link.password_hash, "open sesame")
    assert api.get(f"/links/{body['id']}").get_json() == body


def test_options_default_to_a_plain_link(api):
    body = api.post("/links", json={"target_url": "https://example.com/", "password": None}).get_json()
    assert (body["starts_at"], body["click_limit"], body["redirect_code"], body["forward_query"],
            body["has_password"], body["public_stats"]) == (None, None, 302, False, False, False)


@pytest.mark.parametrize(("body", "field"), [
    ({"click_limit": 0}, "click_limit"), ({"click_limit": -3}, "click_limit"),
    ({"click_limit": 10**10}, "click_limit"), ({"click_limit": True}, "click_limit"),
    ({"click_limit": "5"}, "click_limit"), ({"click_limit": 2.5}, "click_limit"),
    ({"redirect_code": 303}, "redirect_code"), ({"redirect_code": "301"}, "redirect_code"),
    ({"redirect_code": None}, "redirect_code"), ({"forward_query": "yes"}, "forward_query"),
    ({"starts_at": "soon"}, "starts_at"),
    ({"starts_at": "2099-02-01T00:00:00Z", "expires_at": "2099-01-01T00:00:00Z"}, "starts_at"),
    ({"password": "abc"}, "password"), ({"password": 1234}, "password"),
    ({"password": "x" * 1025}, "password"),  # a lone surrogate: tests/api/test_json_body.py
])
def test_invalid_options_on_create_are_422_naming_the_field(app, api, body, field):
    response = api.post("/links", json={"target_url": "https://example.com/", **body})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_field", field)
    if "password" in body and isinstance(body["password"], str):
        assert body["password"] not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Link).count() == 0


def test_update_sets_options_and_keeps_those_not_sent(app, api, alice):
    link_id = add_link(app, alice, slug="o", click_limit=5, redirect_code=301)
    response = api.patch(f"/links/{link_id}", json={"forward_query": True, "password": "s3cret!"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["click_limit"], body["redirect_code"], body["forward_query"], body["has_password"]) == (
        5, 301, True, True)
    assert "s3cret!" not in response.get_data(as_text=True)
    first_hash = stored(app, link_id).password_hash
    response = api.patch(f"/links/{link_id}", json={"click_limit": None, "starts_at": "2030-01-01T00:00:00Z"})
    link = stored(app, link_id)
    assert (link.click_limit, link.starts_at, link.password_hash) == (None, datetime(2030, 1, 1), first_hash)


def test_a_null_password_removes_the_protection(app, api, alice):
    link_id = add_link(app, alice, slug="p")
    api.patch(f"/links/{link_id}", json={"password": "s3cret!"})
    assert stored(app, link_id).password_hash
    response = api.patch(f"/links/{link_id}", json={"password": None})
    assert response.status_code == 200 and response.get_json()["has_password"] is False
    assert stored(app, link_id).password_hash is None


@pytest.mark.parametrize("body", [
    {"redirect_code": 300, "title": "changed"}, {"click_limit": 0, "title": "changed"},
    {"expires_at": "2029-01-01T00:00:00Z"},  # before the start set below
])
def test_an_update_breaking_an_option_rule_is_422_and_changes_nothing(app, api, alice, body):
    link_id = add_link(app, alice, slug="k", starts_at=datetime(2030, 1, 1), expires_at=datetime(2099, 1, 1))
    response = api.patch(f"/links/{link_id}", json=body)
    assert response.status_code == 422 and error_code(response) == "invalid_field"
    link = stored(app, link_id)
    assert (link.title, link.redirect_code, link.click_limit, link.expires_at) == (
        None, 302, None, datetime(2099, 1, 1))


def test_options_of_another_users_link_cannot_be_changed(app, auth, api):
    bob = auth.create_user("bob")
    link_id = add_link(app, bob, slug="b")
    response = api.patch(f"/links/{link_id}", json={"password": "taken over", "click_limit": 1})
    assert response.status_code == 404
    link = stored(app, link_id)
    assert (link.password_hash, link.click_limit) == (None, None)


def test_has_password_is_read_only(app, api, alice):
    link_id = add_link(app, alice, slug="h")
    response = api.patch(f"/links/{link_id}", json={"has_password": True})
    assert response.status_code == 422 and error_code(response) == "unknown_field"
