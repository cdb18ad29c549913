"""Only admins reach anything under /admin; everyone else gets the 404 of a missing page."""

import pytest

from tests.admin.conftest import admin_urls


def test_there_are_admin_urls_to_check(app):
    assert ("GET", "/admin/") in admin_urls(app)


@pytest.mark.parametrize("who", ["anonymous", "other user"])
def test_non_admins_get_404_on_every_admin_url(app, client, auth, who):
    if who == "other user":
        auth.create_user("carol")
        assert auth.login("carol").status_code == 302
    for method, url in admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 404, (method, url)


def test_an_admin_reaches_every_admin_url(app, client, admin_logged_in):
    # rq-dashboard's own routes (/admin/rq/) are tested on a real Redis in test_rq_dashboard.py.
    for method, url in [(method, url) for method, url in admin_urls(app) if not url.startswith("/admin/rq/")]:
        response = client.open(url, method=method, data={"queue": "clicks"})
        # Pages of a user or link (id 1 may be no one: 404) ask a reason of every action (400).
        allowed = (200, 302, 400, 404) if "/1" in url else (200, 302)
        assert response.status_code in allowed, (method, url, response.status_code)


def test_admin_pages_have_a_strict_csp(client, admin_logged_in):
    response = client.get("/admin/status")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy


def test_the_nav_shows_admin_only_to_admins(client, auth, make_admin):
    auth.create_user("carol")
    auth.login("carol")
    assert 'href="/admin/"' not in client.get("/").get_data(as_text=True)
    make_admin("carol")
    assert 'href="/admin/"' in client.get("/").get_data(as_text=True)
