"""The redirect of a link whose target became blocked: 410 within the link cache's lifetime,
checked against the cached row, with no query per click."""

import pytest

from shortener.blocklist import manage
from tests.blocklist.conftest import block_elsewhere
from tests.helpers import add_link, recorded_statements


@pytest.fixture
def cached_app(make_app):
    # The link cache on, as in production (the tests' base config turns it off).
    return make_app(LINK_CACHE_SECONDS=5, BLOCKLIST_REFRESH_SECONDS=2, CLICK_TRACKING="off")


def test_a_link_whose_domain_is_blocked_later_stops_redirecting_within_the_cache_lifetime(
        cached_app, auth, clock):
    client = cached_app.test_client()
    add_link(cached_app, auth.create_user("alice"), "promo", "https://shop.evil.example/deal")
    assert client.get("/alice/promo").status_code == 302  # the row is cached now
    block_elsewhere(cached_app, "evil.example")
    assert client.get("/alice/promo").status_code == 302  # this process has not looked yet
    clock.now += 2  # within the link cache's 5 s: the cached row is what is checked
    with recorded_statements(cached_app) as statements:
        response = client.get("/alice/promo")
    assert response.status_code == 410
    assert "disabled" in response.get_data(as_text=True)
    assert "Location" not in response.headers
    assert not any("FROM links" in statement for statement in statements), statements
    with recorded_statements(cached_app) as statements:
        assert client.get("/alice/promo").status_code == 410
        assert client.get("/alice/promo/q").status_code == 410
    assert statements == []  # a click costs no query


def test_the_default_refresh_is_the_link_cache_s_lifetime(make_app):
    assert make_app(LINK_CACHE_SECONDS=7).config["BLOCKLIST_REFRESH_SECONDS"] == 7
    own = make_app(LINK_CACHE_SECONDS=7, BLOCKLIST_REFRESH_SECONDS=1)
    assert own.config["BLOCKLIST_REFRESH_SECONDS"] == 1


def test_a_url_prefix_blocks_only_the_links_under_it(app, client, auth):
    owner = auth.create_user("alice")
    add_link(app, owner, "bad", "https://example.com/free-money/now")
    add_link(app, owner, "good", "https://example.com/docs")
    with app.app_context():
        manage.add_entry("example.com/free-money", None, None)
    assert client.get("/alice/bad").status_code == 410
    assert client.get("/alice/good").status_code == 302


def test_a_protected_link_is_refused_before_its_password_is_asked(app, client, auth):
    add_link(app, auth.create_user("alice"), "secret", "https://evil.example/", password_hash="x")
    with app.app_context():
        manage.add_entry("evil.example", None, None)
    response = client.get("/alice/secret")
    assert response.status_code == 410 and "password" not in response.get_data(as_text=True).lower()


def test_unblocking_lets_the_link_redirect_again(app, client, auth):
    add_link(app, auth.create_user("alice"), "promo", "https://evil.example/")
    with app.app_context():
        entry_id = manage.add_entry("evil.example", None, None).id
        assert client.get("/alice/promo").status_code == 410
        manage.remove_entry(entry_id)
    assert client.get("/alice/promo").status_code == 302
