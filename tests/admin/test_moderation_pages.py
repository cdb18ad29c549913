"""shortener/moderation/routes.py: the admin pages of users, links and the audit log."""

import pytest
from sqlalchemy import select

from shortener.accounts.models import User
from shortener.extensions import db
from shortener.links.models import Link
from shortener.moderation.models import AuditEntry
from tests.conftest import AuthActions
from tests.helpers import add_link, csrf_token, login_with_csrf, make_event, store_events

PAGES = ["/admin/users", "/admin/links", "/admin/audit"]


@pytest.fixture
def alice(app, auth):
    """A user 'alice' with a link /alice/abc that has a click: (user id, link id)."""
    user_id = auth.create_user("alice")
    link_id = add_link(app, user_id, "abc", "https://example.com/spam")
    store_events(app, [make_event(link_id)])
    return user_id, link_id


def _entries(app) -> list[tuple[str, str, int, str]]:
    with app.app_context():
        return [(entry.admin_name, entry.action, entry.subject_id, entry.reason)
                for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


@pytest.mark.parametrize("path", [*PAGES, "/admin/users/1", "/admin/links/1", "/admin/users/1/delete"])
@pytest.mark.parametrize("who", ["anonymous", "other user"])
def test_non_admins_get_404(client, auth, alice, path, who):
    if who == "other user":
        assert auth.login("alice").status_code == 302
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/admin/users/{}", "/admin/links/{}", "/admin/users/{}/delete"])
def test_unknown_ids_are_404(client, admin_logged_in, path):
    assert client.get(path.format(10**9)).status_code == 404
    assert client.post(path.format(10**9).removesuffix("/delete") + "/disable",
                       data={"reason": "x"}).status_code == 404


def test_the_pages_and_the_nav(client, admin_logged_in, alice):
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert all(f'href="{page}"' in html for page in ["/admin/status", *PAGES]), path
    assert 'href="/admin/users"' in client.get("/admin/status").get_data(as_text=True)


def test_users_list_shows_links_and_human_clicks_and_searches(client, admin_logged_in, alice):
    html = client.get("/admin/users").get_data(as_text=True)
    assert 'data-user="alice"' in html and 'data-user="boss"' in html
    row = html.split('data-user="alice"')[1].split("</tr>")[0]
    assert '<td data-label="links">1</td>' in row and '<td data-label="human clicks">1</td>' in row
    found = client.get("/admin/users?q=ALICE@").get_data(as_text=True)
    assert 'data-user="alice"' in found and 'data-user="boss"' not in found
    assert "No user matches" in client.get("/admin/users?q=nobody").get_data(as_text=True)


def test_users_list_is_paged(make_app):
    app = make_app(LINKS_PER_PAGE=2)
    client = app.test_client()
    auth = AuthActions(app, client)
    for name in ("ann", "ben", "cat"):
        auth.create_user(name, admin=name == "ann")
    assert auth.login("ann").status_code == 302
    first = client.get("/admin/users").get_data(as_text=True)
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'data-user="cat"' in first and 'data-user="ann"' not in first
    assert 'data-user="ann"' in second
    assert "no users on this page" in client.get("/admin/users?page=99").get_data(as_text=True)
    assert client.get("/admin/users?page=x").status_code == 200


def test_the_user_page_lists_their_links(client, admin_logged_in, alice):
    user_id, _link = alice
    html = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert 'data-link="alice/abc"' in html and "1 link, 1 human click" in html


def test_links_list_searches_by_slug_target_or_owner(client, app, admin_logged_in, alice):
    add_link(app, admin_logged_in, "mine", "https://boss.test/")
    for query, shown, hidden in [("abc", "alice/abc", "boss/mine"), ("spam", "alice/abc", "boss/mine"),
                                 ("boss", "boss/mine", "alice/abc")]:
        html = client.get(f"/admin/links?q={query}").get_data(as_text=True)
        assert f'data-link="{shown}"' in html and f'data-link="{hidden}"' not in html, query


def test_disabling_a_user_needs_a_reason_then_logs_it(app, client, admin_logged_in, alice):
    user_id, _link = alice
    response = client.post(f"/admin/users/{user_id}/disable", data={"reason": "  "})
    assert response.status_code == 400 and "Give a reason" in response.get_data(as_text=True)
    assert _entries(app) == []
    response = client.post(f"/admin/users/{user_id}/disable", data={"reason": "spam links"})
    assert response.status_code == 302
    assert client.get("/alice/abc").status_code == 410
    html = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Enable this user" in html and "spam links" in html
    assert client.post(f"/admin/users/{user_id}/enable", data={"reason": "appeal"}).status_code == 302
    assert client.get("/alice/abc").status_code == 302
    assert _entries(app) == [("boss", "user.disable", user_id, "spam links"),
                             ("boss", "user.enable", user_id, "appeal")]


def test_an_admin_cannot_disable_or_delete_themselves(app, client, admin_logged_in):
    response = client.post(f"/admin/users/{admin_logged_in}/disable", data={"reason": "oops"})
    assert response.status_code == 400 and "your own account" in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{admin_logged_in}/delete", data={"reason": "oops"})
    assert response.status_code == 400 and "your own account" in response.get_data(as_text=True)
    assert _entries(app) == []


def test_deleting_a_user_confirms_what_goes_then_deletes(app, client, admin_logged_in, alice):
    user_id, link_id = alice
    page = client.get(f"/admin/users/{user_id}/delete").get_data(as_text=True)
    assert "1 link:" in page and "1 human click" in page and "cannot be undone" in page
    assert client.post(f"/admin/users/{user_id}/delete", data={"reason": ""}).status_code == 400
    response = client.post(f"/admin/users/{user_id}/delete", data={"reason": "spam network"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    with app.app_context():
        assert db.session.get(User, user_id) is None and db.session.get(Link, link_id) is None
    assert client.get("/alice/abc").status_code == 404
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "alice &lt;alice@example.com&gt;" in audit and "spam network" in audit


def test_disabling_a_link_and_the_owners_page_says_so(app, client, auth, admin_logged_in, alice):
    _user, link_id = alice
    assert client.post(f"/admin/links/{link_id}/disable", data={"reason": ""}).status_code == 400
    assert client.post(f"/admin/links/{link_id}/disable", data={"reason": "phishing"}).status_code == 302
    assert client.get("/alice/abc").status_code == 410
    assert "Enable this link" in client.get(f"/admin/links/{link_id}").get_data(as_text=True)
    auth.logout()
    auth.login("alice")
    page = client.get(f"/links/{link_id}").get_data(as_text=True)
    assert "An administrator disabled this link" in page and "Disabled by an admin" in page
    assert "whatever this switch says" in client.get(f"/links/{link_id}/edit").get_data(as_text=True)
    assert _entries(app) == [("boss", "link.disable", link_id, "phishing")]


def test_the_audit_log_is_newest_first_and_paged(make_app):
    app = make_app(LINKS_PER_PAGE=2)
    client = app.test_client()
    auth = AuthActions(app, client)
    auth.create_user("boss", admin=True)
    bob = auth.create_user("bob")
    auth.login("boss")
    for number in range(3):
        action = "disable" if number % 2 == 0 else "enable"
        response = client.post(f"/admin/users/{bob}/{action}", data={"reason": f"step {number}"})
        assert response.status_code == 302
    first = client.get("/admin/audit").get_data(as_text=True)
    assert first.index("step 2") < first.index("step 1") and "step 0" not in first
    assert "step 0" in client.get("/admin/audit?page=2").get_data(as_text=True)


def test_actions_need_the_csrf_token_and_strangers_still_get_404(make_app, alice_and_boss_csrf):
    app, client, user_id = alice_and_boss_csrf
    url = f"/admin/users/{user_id}/disable"
    assert client.post(url, data={"reason": "spam"}).status_code == 400
    token = csrf_token(client.get(f"/admin/users/{user_id}").get_data(as_text=True))
    assert client.post(url, data={"reason": "spam", "csrf_token": token}).status_code == 302
    stranger = app.test_client()
    assert stranger.post(url, data={"reason": "spam"}).status_code == 404


@pytest.fixture
def alice_and_boss_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    auth = AuthActions(app, client)
    auth.create_user("boss", admin=True)
    alice = auth.create_user("alice")
    assert login_with_csrf(client, "boss").status_code == 302
    return app, client, alice
