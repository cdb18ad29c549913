"""Tags and bulk actions as people use them, at both widths and in light and dark: tags typed in
the link form, the dashboard filtered by one, two links selected then tagged, and disabled, each
behind its confirmation page."""

import pytest

from shortener.links.service import create_link
from tests.browser.conftest import page_of, signed_in


@pytest.fixture(scope="module")
def owner(live, checker, viewport):
    username = f"tagger{viewport}"
    user_id, context = signed_in(checker, username)
    yield username, user_id, context
    context.close()


@pytest.fixture
def owner_page(owner):
    yield from page_of(owner[2])


def _create_through_the_form(live, page, target_url, slug, typed_tags):
    page.goto(f"{live.url}/links/new")
    page.fill("input[name=target_url]", target_url)
    page.fill("input[name=slug]", slug)
    page.fill("input[name=tags]", typed_tags)
    page.click("form.card [type=submit]")
    page.wait_for_url("**/links/*")


def test_tags_typed_in_the_form_filter_the_dashboard(checker, live, owner_page, target_url):
    page = owner_page
    _create_through_the_form(live, page, target_url, "tagged-work", "work, Newsletter")
    _create_through_the_form(live, page, target_url, "tagged-news", "newsletter")
    page.goto(f"{live.url}/links/new")
    page.fill("input[name=target_url]", target_url)
    page.fill("input[name=tags]", "not a tag")
    page.click("form.card [type=submit]")
    assert "is not a tag" in page.inner_text("form.card")
    checker.check_page(page, "tags-form-error")

    page.goto(f"{live.url}/")
    checker.check_page(page, "tags-dashboard")
    page.click("nav.tag-totals a[data-tag=work]")
    page.wait_for_url("**/?tag=work*")
    listed = page.inner_text("table.dashboard")
    assert "tagged-work" in listed and "tagged-news" not in listed
    assert page.locator("nav.tag-totals a[aria-current=page]").inner_text().startswith("work")
    checker.check_page(page, "tags-dashboard-filtered")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        checker.check_page(page, f"tags-dashboard-filtered-{scheme}")


@pytest.fixture
def three(live, owner, target_url):
    _username, user_id, _context = owner
    with live.app.app_context():
        return [create_link(user_id, target_url, title=f"Bulk {name}", tags=["bulk"]).id
                for name in ("first", "second", "third")]


def _select(page, link_ids, action):
    for link_id in link_ids:
        page.check(f"#select-{link_id}")
    page.select_option("#bulk-action", action)
    page.click("form#bulk .bulk-bar [type=submit]")
    page.wait_for_url("**/links/bulk")


def test_two_selected_links_are_tagged_after_one_confirmation(checker, live, owner_page, three):
    page = owner_page
    page.goto(f"{live.url}/?tag=bulk")
    checker.check_page(page, "bulk-dashboard")
    _select(page, three[:2], "tag")
    assert "Add a tag to 2 links" in page.inner_text("h1")
    checker.check_page(page, "bulk-confirm-tag")
    page.fill("input[name=tag]", "chosen")
    page.click("main form [type=submit]")
    page.wait_for_url(f"{live.url}/")
    assert "Tagged 2 links “chosen”." in page.inner_text(".flash")
    checker.check_page(page, "bulk-tagged")
    page.goto(f"{live.url}/?tag=chosen")
    listed = page.inner_text("table.dashboard")
    assert "Bulk first" in listed and "Bulk second" in listed and "Bulk third" not in listed


def test_two_selected_links_are_disabled_after_one_confirmation(checker, live, owner_page, three):
    page = owner_page
    page.goto(f"{live.url}/?tag=bulk")
    _select(page, three[1:], "disable")
    assert "Disable 2 links?" in page.inner_text("h1")
    checker.check_page(page, "bulk-confirm-disable")
    page.click("main form [type=submit]")
    page.wait_for_url(f"{live.url}/")
    assert "Disabled 2 links" in page.inner_text(".flash")
    for link_id in three[1:]:
        row = page.locator("tr", has=page.locator(f"#select-{link_id}"))
        assert "Inactive" in row.inner_text()
    row = page.locator("tr", has=page.locator(f"#select-{three[0]}"))
    assert "Active" in row.inner_text() and "Inactive" not in row.inner_text()


def test_all_on_this_page_selects_every_link(checker, live, owner_page, three):
    page = owner_page
    page.goto(f"{live.url}/?tag=bulk")
    page.check("[data-select-all]")
    page.select_option("#bulk-action", "enable")
    page.click("form#bulk .bulk-bar [type=submit]")
    page.wait_for_url("**/links/bulk")
    assert page.locator("ul.bulk-links li").count() == page.locator("main input[name=link_id]").count() >= 3
    checker.check_page(page, "bulk-confirm-all")
