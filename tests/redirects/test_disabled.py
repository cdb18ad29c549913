"""The redirect of a link an admin disabled, or whose owner an admin disabled: 410, no click."""

import pytest

from shortener.accounts.models import User
from shortener.accounts.users import hash_password
from shortener.extensions import db
from shortener.links import lookup
from shortener.links.models import Link
from shortener.moderation import links as moderated_links
from shortener.moderation import users as moderated_users
from tests.helpers import add_link, counts, recorded_statements


@pytest.fixture
def people(app, auth):
    boss, bob = auth.create_user("boss", admin=True), auth.create_user("bob")
    return boss, bob


def _disable_link(app, admin_id, link_id):
    with app.app_context():
        moderated_links.disable(db.session.get(User, admin_id), db.session.get(Link, link_id), "phishing")


def _disable_user(app, admin_id, user_id):
    with app.app_context():
        moderated_users.disable(db.session.get(User, admin_id), db.session.get(User, user_id), "spam")


def _is_disabled_page(response) -> bool:
    return response.status_code == 410 and "This link was disabled" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/bob/go", "/bob/go/q", "/BOB/Go"])
def test_a_link_an_admin_disabled_answers_410_and_records_nothing(app, client, people, path):
    boss, bob = people
    link_id = add_link(app, bob, "go")
    _disable_link(app, boss, link_id)
    assert _is_disabled_page(client.get(path))
    assert client.head(path).status_code == 410
    assert counts(app, link_id) == (0, 0, 0)


def test_every_link_of_a_disabled_user_answers_410_until_enabled(app, client, people):
    boss, bob = people
    add_link(app, bob, "one")
    add_link(app, bob, "two", is_active=False)  # the owner's own switch: 404 as before, then 410
    assert client.get("/bob/two").status_code == 404
    _disable_user(app, boss, bob)
    assert _is_disabled_page(client.get("/bob/one")) and _is_disabled_page(client.get("/bob/two"))
    with app.app_context():
        moderated_users.enable(db.session.get(User, boss), db.session.get(User, bob), "appeal")
    assert client.get("/bob/one").status_code == 302 and client.get("/bob/two").status_code == 404


def test_the_owners_switch_does_not_undo_an_admins_disable(app, client, people):
    boss, bob = people
    link_id = add_link(app, bob, "go")
    _disable_link(app, boss, link_id)
    with app.app_context():
        link = db.session.get(Link, link_id)
        link.is_active = False
        db.session.commit()
        link.is_active = True
        db.session.commit()
    assert _is_disabled_page(client.get("/bob/go"))


def test_a_disabled_link_with_a_password_asks_for_none(app, client, people):
    boss, bob = people
    link_id = add_link(app, bob, "secret", password_hash=hash_password("open sesame"))
    _disable_link(app, boss, link_id)
    assert _is_disabled_page(client.get("/bob/secret"))
    assert _is_disabled_page(client.post("/bob/secret", data={"password": "open sesame"}))


def test_public_stats_of_a_disabled_link_are_gone(app, client, people):
    boss, bob = people
    link_id = add_link(app, bob, "pub", public_stats=True)
    assert client.get("/bob/pub/+stats").status_code == 200
    _disable_link(app, boss, link_id)
    assert client.get("/bob/pub/+stats").status_code == 404


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_real_redirect_answers_410_once_the_cache_lifetime_is_over(make_app, auth, monkeypatch):
    app = make_app(LINK_CACHE_SECONDS=2)
    clock = FakeClock()
    monkeypatch.setattr(lookup.time, "monotonic", clock)
    client = app.test_client()
    boss, bob = auth.create_user("boss"), auth.create_user("bob")
    add_link(app, bob, "go")
    assert client.get("/bob/go").status_code == 302
    _disable_user(app, boss, bob)
    assert client.get("/bob/go").status_code == 302  # within the cache's lifetime: as it was
    clock.now += 3
    assert _is_disabled_page(client.get("/bob/go"))
    with recorded_statements(app) as statements:
        assert _is_disabled_page(client.get("/bob/go"))
    assert statements == []  # the disable rides in the cached row: no query of its own
