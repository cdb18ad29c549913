"""shortener/links/service.py: the owner's links and the rules of their options."""

from datetime import datetime, timedelta

import pytest

from shortener.accounts.users import check_password_hash
from shortener.links import service
from shortener.links.service import LinkOptionError, LinkOptions
from shortener.models import Link

NOON = datetime(2026, 12, 1, 12, 0)


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
