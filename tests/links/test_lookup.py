"""shortener/links/lookup.py: resolving a short link, with the per-process cache."""

from datetime import timedelta

from shortener.accounts.models import User
from shortener.extensions import db
from shortener.links import lookup
from shortener.links.lookup import resolve
from shortener.links.models import Link
from shortener.timeutil import utcnow
from tests.helpers import add_link


def test_a_cached_link_is_served_without_a_query_until_it_expires(make_app, auth):
    app = make_app(LINK_CACHE_SECONDS=60)
    link_id = add_link(app, auth.create_user("bob"), "go", "https://old.example/")
    with app.app_context():
        assert resolve("Bob", "go").target_url == "https://old.example/"
        db.session.get(Link, link_id).target_url = "https://new.example/"
        db.session.commit()
        assert resolve("bob", "go").target_url == "https://old.example/"  # within the TTL
        app.extensions["link_cache"].clear()
        assert resolve("bob", "go").target_url == "https://new.example/"


def test_the_cache_shares_one_entry_for_every_case(make_app, auth):
    app = make_app(LINK_CACHE_SECONDS=60)
    add_link(app, auth.create_user("bob"), "Go")
    with app.app_context():
        for spelling in ("Go", "go", "GO"):
            assert resolve("bob", spelling) is not None
        assert list(app.extensions["link_cache"]) == [("bob", "go")]


def test_unknown_links_are_not_cached(make_app, auth):
    app = make_app(LINK_CACHE_SECONDS=60)
    user_id = auth.create_user("bob")
    with app.app_context():
        assert resolve("bob", "later") is None
    add_link(app, user_id, "later")
    with app.app_context():
        assert resolve("bob", "later") is not None


def test_expiry_is_exact_even_when_cached(make_app, auth, monkeypatch):
    app = make_app(LINK_CACHE_SECONDS=60)
    expires_at = utcnow() + timedelta(minutes=5)
    add_link(app, auth.create_user("bob"), "go", expires_at=expires_at)
    with app.app_context():
        assert resolve("bob", "go") is not None
        # Step the clock past the expiry, well within the cache's 60 seconds.
        monkeypatch.setattr(lookup, "utcnow", lambda: expires_at)
        assert ("bob", "go") in app.extensions["link_cache"]
        assert resolve("bob", "go") is None


def test_a_nul_in_the_path_is_a_404_not_a_database_error(app, client, auth):
    # PostgreSQL refuses NUL in text parameters; found by tests/test_fuzz.py.
    add_link(app, auth.create_user("bob"), "go")
    for path in ("/bob/%00", "/%00/go", "/bob/go%00"):
        assert client.get(path).status_code == 404
    with app.test_request_context():
        assert resolve("bob", "go\x00") is None


def test_the_row_says_which_disable_stopped_the_link(app, auth):
    owner = auth.create_user("bob")
    link_id = add_link(app, owner, "go", is_active=False, admin_disabled_at=utcnow())
    add_link(app, owner, "other")
    with app.app_context():
        assert resolve("bob", "go").disabled == lookup.DISABLED_LINK  # whatever the owner's switch says
        assert resolve("bob", "other").disabled is None
        db.session.get(Link, link_id).admin_disabled_at = None
        db.session.get(User, owner).disabled_at = utcnow()
        db.session.commit()
        assert resolve("bob", "go").disabled == lookup.DISABLED_OWNER  # every link of the owner
        assert resolve("bob", "other").disabled == lookup.DISABLED_OWNER
