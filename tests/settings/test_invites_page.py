"""/settings/invites (shortener/settings/routes.py): admins and users with an allowance create
codes, shown once; everyone else gets a 404."""

import re

from shortener.accounts import invites
from shortener.accounts.users import find_by_username, set_admin
from tests.conftest import AuthActions


def test_an_admin_creates_a_code_shown_once(app, client, logged_in):
    with app.app_context():
        set_admin(find_by_username("alice"), True)
    response = client.post("/settings/invites")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    code = re.search(r'id="new-invite">([^<]+)<', response.get_data(as_text=True)).group(1)
    with app.app_context():
        assert invites.find_usable(code) is not None
    page = client.get("/settings/invites").get_data(as_text=True)
    assert code not in page and "not yet" in page


def test_a_user_without_an_allowance_gets_a_404(client, logged_in):
    assert client.get("/settings/invites").status_code == 404
    assert client.post("/settings/invites").status_code == 404
    assert "/settings/invites" not in client.get("/").get_data(as_text=True)


def test_a_user_past_the_allowance_is_told(make_app):
    app = make_app(INVITES_PER_USER=1)
    client = app.test_client()
    actions = AuthActions(app, client)
    actions.create_user("alice")
    actions.login("alice")
    assert 'id="new-invite"' in client.post("/settings/invites").get_data(as_text=True)
    page = client.post("/settings/invites").get_data(as_text=True)
    assert "handed out all your invites" in page and 'id="new-invite"' not in page
