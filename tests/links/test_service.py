"""shortener/links/service.py: the owner's links, searched and ordered for the dashboard."""

from datetime import datetime, timedelta

import pytest

from shortener.links import service
from tests.helpers import add_link

START = datetime(2026, 1, 1)


@pytest.fixture
def owner_id(auth):
    return auth.create_user("alice")


def slugs(app, owner_id, **kwargs) -> list[str]:
    with app.app_context():
        return [link.slug for link in service.list_links(owner_id, 1, 50, **kwargs).items]


@pytest.mark.parametrize("query, found", [
    ("launch", ["launch"]),                 # slug
    ("SPRING sale", ["promo"]),             # title, any case
    ("docs.example", ["docs"]),             # target
    ("example", ["docs", "promo", "launch"]),
    ("nothing-like-it", []),
    ("%", ["pct"]),                         # LIKE wildcards are literal
    ("_", ["under_score"]),
    ("", ["under_score", "pct", "docs", "promo", "launch"]),
])
def test_search_matches_slug_title_or_target(app, owner_id, query, found):
    for day, (slug, title, target) in enumerate([
        ("launch", None, "https://example.com/launch"),
        ("promo", "Spring Sale 2026", "https://shop.example.com/"),
        ("docs", "Manual", "https://docs.example.org/"),
        ("pct", "100% off", "https://x.test/"),
        ("under_score", None, "https://y.test/"),
    ]):
        add_link(app, owner_id, slug=slug, title=title, target=target,
                 created_at=START + timedelta(days=day))
    assert slugs(app, owner_id, query=query) == found


def test_sort_orders(app, owner_id):
    add_link(app, owner_id, slug="old-popular", created_at=START, click_count=90,
             last_clicked_at=START + timedelta(days=1))
    add_link(app, owner_id, slug="recent-click", created_at=START + timedelta(days=1),
             click_count=5, last_clicked_at=START + timedelta(days=9))
    add_link(app, owner_id, slug="never", created_at=START + timedelta(days=2))
    assert slugs(app, owner_id, sort="newest") == ["never", "recent-click", "old-popular"]
    assert slugs(app, owner_id, sort="clicks") == ["old-popular", "recent-click", "never"]
    # Never clicked comes last on both engines (PostgreSQL puts NULL first in DESC by default).
    assert slugs(app, owner_id, sort="recent") == ["recent-click", "old-popular", "never"]


def test_another_owners_links_never_match(app, owner_id, auth):
    add_link(app, auth.create_user("bob"), slug="launch")
    assert slugs(app, owner_id, query="launch") == []
    assert all(slugs(app, owner_id, sort=sort) == [] for sort in service.SORTS)


@pytest.mark.parametrize("value, expected", [
    ("clicks", "clicks"), ("recent", "recent"), ("bogus", "newest"), (None, "newest"),
    (["clicks"], "newest"),
])
def test_unknown_sort_is_the_default(value, expected):
    assert service.parse_sort(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("  launch ", "launch"), (None, ""), ("a\x00b", "ab"), ("x" * 500, "x" * service.MAX_QUERY),
])
def test_clean_query(value, expected):
    assert service.clean_query(value) == expected
