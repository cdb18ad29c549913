"""Moderation as an admin does it, at both widths and in light and dark: find a user, disable
them (their link answers 410 "This link was disabled"), see it in the audit log; a link's page,
the links list and the confirmation of a delete."""

import pytest

from shortener.links.service import create_link
from tests.browser.conftest import page_of, signed_in


@pytest.fixture(scope="module")
def admin(checker, viewport):
    _user_id, context = signed_in(checker, f"mod{viewport}", admin=True)
    yield context
    context.close()


@pytest.fixture
def page(admin):
    yield from page_of(admin)


@pytest.fixture(scope="module")
def spammer(live, viewport, target_url):
    """A user with a link: (username, user id, link id)."""
    username = f"spam{viewport}"
    user_id = live.seed_user(username)
    with live.app.app_context():
        link_id = create_link(user_id, target_url, slug="deal", title="Too good a deal").id
    return username, user_id, link_id


def _both_schemes(checker, page, name: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        checker.check_page(page, f"{name}-{scheme}")
    page.emulate_media(color_scheme="light")


def test_the_admin_disables_a_user_and_their_link_answers_410(checker, live, page, spammer):
    username, _user_id, _link_id = spammer
    visitor = checker.new_context()
    visit = visitor.new_page()
    visit.goto(f"{live.url}/{username}/deal")
    assert "Target reached" in visit.inner_text("main")

    page.goto(f"{live.url}/admin/status")
    page.click("nav.admin-nav a:text('Users')")
    page.wait_for_url("**/admin/users")
    page.fill("input[name=q]", username)
    page.click("form.link-search [type=submit]")
    page.wait_for_url("**/admin/users?q=*")
    _both_schemes(checker, page, "admin-users")
    page.click(f"tr[data-user={username}] a")
    assert "1 link, 0 human clicks" in page.inner_text("[data-volume]")

    assert page.evaluate("document.querySelector('textarea[name=reason]').validity.valueMissing")
    # Past the browser's own check (a reason of spaces passes it): the page says so.
    page.fill("textarea[name=reason]", "   ")
    page.click("form.reason-form [type=submit]")
    page.wait_for_load_state("load")
    assert "Give a reason" in page.inner_text("form.reason-form")
    checker.check_page(page, "admin-user-no-reason", status=400)
    page.fill("textarea[name=reason]", "Spam links in comments")
    page.click("form.reason-form [type=submit]")
    page.wait_for_url("**/admin/users/*")
    assert "Enable this user" in page.inner_text("main")
    _both_schemes(checker, page, "admin-user-disabled")

    visit.goto(f"{live.url}/{username}/deal")
    assert "This link was disabled" in visit.inner_text("main")
    checker.check_page(visit, "link-disabled-410", status=410)
    visit.emulate_media(color_scheme="dark")
    checker.check_page(visit, "link-disabled-410-dark", status=410)
    visitor.close()

    page.click("nav.admin-nav a:text('Audit log')")
    page.wait_for_url("**/admin/audit")
    row = page.locator("table.audit-log tbody tr").first
    assert "disabled the user" in row.inner_text() and "Spam links in comments" in row.inner_text()
    assert username in row.inner_text()
    _both_schemes(checker, page, "admin-audit")


def test_the_links_list_and_a_links_page(checker, live, page, spammer):
    username, _user_id, link_id = spammer
    page.goto(f"{live.url}/admin/links?q=deal")
    assert f"{username}/deal" in page.inner_text("table.admin-links")
    _both_schemes(checker, page, "admin-links")
    page.click(f"tr[data-link='{username}/deal'] a")
    page.wait_for_url(f"**/admin/links/{link_id}")
    _both_schemes(checker, page, "admin-link")


def test_the_delete_confirmation_says_what_goes(checker, live, page, spammer):
    _username, user_id, _link_id = spammer
    page.goto(f"{live.url}/admin/users/{user_id}")
    page.click("a:text('Delete user…')")
    page.wait_for_url(f"**/admin/users/{user_id}/delete")
    assert "1 link:" in page.inner_text("[data-belongings]")
    _both_schemes(checker, page, "admin-user-delete")


def test_the_owner_of_a_link_an_admin_disabled_is_told_so(checker, live, page, viewport, target_url):
    owner_id, owner = signed_in(checker, f"owner{viewport}")
    with live.app.app_context():
        link_id = create_link(owner_id, target_url, slug="promo").id
    page.goto(f"{live.url}/admin/links/{link_id}")
    page.fill("textarea[name=reason]", "Phishing page")
    page.click("form.reason-form [type=submit]")
    page.wait_for_url(f"**/admin/links/{link_id}")
    assert "Enable this link" in page.inner_text("main")

    own = owner.new_page()
    own.goto(f"{live.url}/links/{link_id}")
    assert "only an administrator of this site can enable it again" in own.inner_text("[data-admin-disabled]")
    _both_schemes(checker, own, "owner-link-admin-disabled")
    owner.close()
