"""shortener/settings/routes.py, the token page: create (shown once), list, revoke."""

import re

from sqlalchemy import select

from shortener.api import tokens
from shortener.api.models import ApiToken
from shortener.extensions import db
from tests.conftest import AuthActions
from tests.helpers import csrf_token, login_with_csrf, make_api_token


def shown_token(html: str) -> str | None:
    found = re.search(r"shr_[A-Za-z0-9_-]{43}", html)
    return found.group(0) if found else None


def rows(app) -> list[ApiToken]:
    with app.app_context():
        found = list(db.session.scalars(select(ApiToken)))
        db.session.expunge_all()
        return found


def test_the_page_needs_login(client):
    response = client.get("/settings/tokens")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_a_created_token_is_shown_once(app, client, logged_in):
    response = client.post("/settings/tokens", data={"name": "backup"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = shown_token(response.get_data(as_text=True))
    [row] = rows(app)
    assert row.name == "backup" and row.token_hash == tokens.hash_token(token)
    again = client.get("/settings/tokens").get_data(as_text=True)
    assert "backup" in again and shown_token(again) is None and "never" in again


def test_an_empty_name_is_a_form_error(app, client, logged_in):
    response = client.post("/settings/tokens", data={"name": "  "})
    assert response.status_code == 200 and "Give the token a name" in response.get_data(as_text=True)
    assert rows(app) == []


def test_revoke(app, client, logged_in):
    token_id, _token = make_api_token(app, logged_in, "ci")
    response = client.post(f"/settings/tokens/{token_id}/revoke")
    assert response.status_code == 302
    assert rows(app)[0].revoked_at is not None
    assert "ci" not in client.get("/settings/tokens").get_data(as_text=True).split("Your tokens")[1]


def test_someone_elses_token_is_404(app, auth, client, logged_in):
    bob = auth.create_user("bob")
    token_id, _token = make_api_token(app, bob, "bobs")
    assert client.post(f"/settings/tokens/{token_id}/revoke").status_code == 404
    assert rows(app)[0].revoked_at is None


def test_forms_need_their_csrf_token(make_app, auth):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    auth.app, auth.client = app, client
    auth.create_user("alice")
    login_with_csrf(client)
    assert client.post("/settings/tokens", data={"name": "x"}).status_code == 400
    page = client.get("/settings/tokens").get_data(as_text=True)
    response = client.post("/settings/tokens", data={"name": "x", "csrf_token": csrf_token(page)})
    assert shown_token(response.get_data(as_text=True))
    [row] = rows(app)
    assert client.post(f"/settings/tokens/{row.id}/revoke").status_code == 400
    assert rows(app)[0].revoked_at is None


def test_the_list_asks_before_it_revokes(app, client, logged_in):
    """The list's Revoke is a link to a page that asks; only that page's form revokes (no script needed)."""
    token_id, _token = make_api_token(app, logged_in, "deploy")
    listing = client.get("/settings/tokens").get_data(as_text=True)
    assert f'href="/settings/tokens/{token_id}/revoke"' in listing
    assert f'action="/settings/tokens/{token_id}/revoke"' not in listing
    page = client.get(f"/settings/tokens/{token_id}/revoke")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Revoke this token?" in html and "deploy" in html
    assert f'action="/settings/tokens/{token_id}/revoke"' in html and 'method="post"' in html
    assert rows(app)[0].revoked_at is None  # asking changes nothing


def test_the_confirm_page_of_someone_elses_or_a_revoked_token_is_404(app, auth, client, logged_in):
    bob = auth.create_user("bob")
    bobs, _token = make_api_token(app, bob, "bobs")
    assert client.get(f"/settings/tokens/{bobs}/revoke").status_code == 404
    mine, _token = make_api_token(app, logged_in, "mine")
    client.post(f"/settings/tokens/{mine}/revoke")
    assert client.get(f"/settings/tokens/{mine}/revoke").status_code == 404


def test_past_the_token_bound_the_page_says_so(make_app):
    app = make_app(API_TOKENS_MAX=1)
    client = app.test_client()
    actions = AuthActions(app, client)
    actions.create_user("alice")
    actions.login("alice")
    assert shown_token(client.post("/settings/tokens", data={"name": "one"}).get_data(as_text=True))
    response = client.post("/settings/tokens", data={"name": "two"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and shown_token(page) is None
    assert "at most 1 API tokens" in page and len(rows(app)) == 1
