"""shortener/links/service.py: the owner's links (searched and ordered for the dashboard)
and the rules of their options."""

from datetime import datetime, timedelta

import pytest

from shortener.accounts.users import check_password_hash
from shortener.links import service
from shortener.links.models import Link
from shortener.links.service import LinkOptionError, LinkOptions
from tests.helpers import add_link

NOON = datetime(2026, 12, 1, 12, 0)
START = datetime(2026, 1, 1)


@pytest.mark.parametrize(("options", "expires_at", "field"), [
    (LinkOptions(starts_at=NOON), NOON, "starts_at"),
    (LinkOptions(starts_at=NOON + timedelta(hours=1)), NOON, "starts_at"),
    (LinkOptions(click_limit=0), None, "click_limit"),
    (LinkOptions(click_limit=-5), None, "click_limit"),
    (LinkOptions(click_limit=10**10), None, "click_limit"),
    (LinkOptions(redirect_code=303), None, "redirect_code"),
    (LinkOptions(password="abc"), None, "password"),
    (LinkOptions(password="x" * 1025), None, "password"),
])
def test_broken_option_rules_name_their_field(options, expires_at, field):
    problems = service.option_problems(options, expires_at)
    assert [problem.field for problem in problems] == [field]


def test_password_errors_never_repeat_the_password():
    (problem,) = service.option_problems(LinkOptions(password="abc"), None)
    assert "abc" not in str(problem)


@pytest.mark.parametrize("options", [
    LinkOptions(),
    LinkOptions(starts_at=NOON, click_limit=1, redirect_code=308, forward_query=True, password="abcd"),
    LinkOptions(starts_at=NOON - timedelta(days=1), redirect_code=301),
])
def test_valid_options_have_no_problems(options):
    assert service.option_problems(options, NOON + timedelta(seconds=1)) == []


def test_apply_options_hashes_the_password_and_can_remove_it():
    link = Link()
    service.apply_options(link, LinkOptions(password="open sesame", click_limit=5))
    assert link.password_hash != "open sesame"
    assert check_password_hash(link.password_hash, "open sesame")
    kept = link.password_hash
    service.apply_options(link, LinkOptions())  # no new password: the old one stays
    assert link.password_hash == kept
    service.apply_options(link, LinkOptions(remove_password=True))
    assert link.password_hash is None


def test_apply_options_raises_the_first_problem():
    with pytest.raises(LinkOptionError) as caught:
        service.apply_options(Link(), LinkOptions(click_limit=0))
    assert caught.value.field == "click_limit"


def test_create_link_stores_the_options(app, auth):
    owner = auth.create_user("bob")
    with app.app_context():
        link = service.create_link(owner, "https://example.com/", slug="go",
                                   options=LinkOptions(click_limit=100, redirect_code=307))
        assert (link.click_limit, link.redirect_code, link.forward_query) == (100, 307, False)
        assert service.options_of(link) == LinkOptions(None, 100, 307, False)


def test_update_link_refuses_a_start_after_the_new_expiry_and_changes_nothing(app, auth):
    owner = auth.create_user("bob")
    with app.app_context():
        link = service.create_link(owner, "https://example.com/", slug="go")
        with pytest.raises(LinkOptionError):
            service.update_link(link, LinkOptions(starts_at=NOON), expires_at=NOON - timedelta(days=1),
                                title="changed")
        assert link.title is None and link.starts_at is None


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
