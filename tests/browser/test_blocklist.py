"""/admin/blocklist as an admin at both widths: block a domain with a note, see the link that led
there answer its 410 page, unblock it."""

import pytest

from shortener.extensions import db
from shortener.links.models import Link
from tests.browser.conftest import page_of, signed_in


@pytest.fixture(scope="module")
def admin(live, checker, viewport):
    user_id, context = signed_in(checker, f"blocker{viewport}", admin=True)
    with live.app.app_context():
        db.session.add(Link(owner_id=user_id, slug="promo", target_url=f"https://{viewport}.evil.example/deal"))
        db.session.commit()
    yield f"blocker{viewport}", context
    context.close()


@pytest.fixture
def page(admin):
    yield from page_of(admin[1])


def test_an_admin_blocks_a_domain_and_the_link_stops_redirecting(checker, live, admin, page, viewport):
    page.goto(f"{live.url}/admin/blocklist")
    checker.check_page(page, "admin-blocklist-empty")
    page.fill("input[name=entry]", f"{viewport}.evil.example")
    page.fill("input[name=note]", "phishing reported by a visitor, ticket 1234")
    page.click("main form button:has-text('Block')")
    page.wait_for_url("**/admin/blocklist")
    row = page.locator(f"tr[data-entry='{viewport}.evil.example']")
    assert "ticket 1234" in row.inner_text()
    checker.check_page(page, "admin-blocklist")

    visitor = page.context.new_page()
    visitor.goto(f"{live.url}/{admin[0]}/promo")
    assert "disabled" in visitor.inner_text("main")
    checker.check_page(visitor, "link-blocked", status=410)
    visitor.close()

    row.locator("button").click()
    page.wait_for_url("**/admin/blocklist")
    assert f"Unblocked {viewport}.evil.example." in page.inner_text("main")
    checker.check_page(page, "admin-blocklist-unblocked")


def test_the_form_shows_a_bad_entry_s_reason(checker, live, page):
    page.goto(f"{live.url}/admin/blocklist")
    page.fill("input[name=entry]", "ftp://evil.example")
    page.click("main form button:has-text('Block')")
    assert "Only http:// and https://" in page.inner_text("main")
    checker.check_page(page, "admin-blocklist-error")
