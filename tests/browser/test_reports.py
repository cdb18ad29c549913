"""The issue's reports journey, at both widths and in light and dark: an admin closes
registration; a link is reported from three networks and the next visitor gets the warning
("This link was reported; continue to <host>?"), which goes on to the target; the admin
disables the link's owner and the link answers 410; the audit log lists the steps, the
registration change (with its reason) among them.

Three networks from one machine: the app trusts one X-Forwarded-For hop here (as behind a
proxy, PROXY_FIX_X_FOR=1) and each reporter's browser sends its own.
"""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from shortener.accounts import registration_modes
from shortener.links.service import create_link
from tests.browser.conftest import TARGET_HOST, page_of, signed_in

NETWORKS = ("203.0.113.10", "198.51.100.20", "2001:db8:7::30")


@pytest.fixture(scope="module", autouse=True)
def behind_a_proxy(live):
    plain = live.app.wsgi_app
    live.app.wsgi_app = ProxyFix(plain, x_for=1)
    yield
    live.app.wsgi_app = plain


@pytest.fixture(scope="module")
def admin(checker, viewport):
    _user_id, context = signed_in(checker, f"repadmin{viewport}", admin=True)
    yield context
    context.close()


@pytest.fixture
def page(admin):
    yield from page_of(admin)


def _both_schemes(checker, page, name: str, status: int = 200) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        checker.check_page(page, f"{name}-{scheme}", status=status)
    page.emulate_media(color_scheme="light")


def _visitor(checker, address: str):
    return checker.new_context(extra_http_headers={"X-Forwarded-For": address})


def _report(checker, live, short_path: str, address: str, first: bool) -> None:
    context = _visitor(checker, address)
    visit = context.new_page()
    visit.goto(f"{live.url}{short_path}/+report")
    if first:
        _both_schemes(checker, visit, "report-form")
        visit.click("main form button[type=submit]")  # no category: the browser asks first
        assert visit.evaluate("document.querySelector('input[name=category]').validity.valueMissing")
    visit.check("input[name=category][value=phishing]")
    visit.fill("textarea[name=details]", "asks for my bank password")
    visit.click("main form button[type=submit]")
    visit.wait_for_url(f"**{short_path}/+report/thanks")
    assert "Thank you for your report" in visit.inner_text("main")
    if first:
        _both_schemes(checker, visit, "report-thanks")
    context.close()


def test_reports_put_a_link_behind_a_warning_until_the_admin_disables_its_owner(
        checker, live, page, viewport, target_url):
    with live.app.app_context():
        registration_modes.set_mode("verified", None)
    page.goto(f"{live.url}/admin/registration")
    page.check("input[name=mode][value=closed]")
    page.fill("textarea[name=reason]", "Spam sign-ups overnight")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/admin/registration")
    assert "Registration is now closed." in page.inner_text("main")

    owner = f"repowner{viewport}"
    owner_id = live.seed_user(owner)
    with live.app.app_context():
        create_link(owner_id, target_url, slug="deal")
    short_path = f"/{owner}/deal"
    for index, address in enumerate(NETWORKS):
        _report(checker, live, short_path, address, first=index == 0)

    context = _visitor(checker, "192.0.2.40")
    visit = context.new_page()
    visit.goto(f"{live.url}{short_path}")
    assert "This link was reported" in visit.inner_text("main h1")
    assert f"Continue to {TARGET_HOST}?" in visit.inner_text("main")
    _both_schemes(checker, visit, "link-quarantined")
    visit.click(f"main form button:text('Continue to {TARGET_HOST}')")
    visit.wait_for_url(f"{target_url}*")
    assert "Target reached" in visit.inner_text("main")

    page.goto(f"{live.url}/admin/status")
    page.click("nav.admin-nav a:text('Reports')")
    page.wait_for_url("**/admin/reports")
    item = page.locator(f"section.report-item:has-text('{owner}/deal')")
    assert "3 open reports from 3 networks" in item.inner_text()
    assert "203.0.113.0" in item.inner_text() and "203.0.113.10" not in item.inner_text()
    _both_schemes(checker, page, "admin-reports")

    page.goto(f"{live.url}/admin/users/{owner_id}")
    page.fill("textarea[name=reason]", "Phishing links, reported by visitors")
    page.click("form.reason-form [type=submit]")
    page.wait_for_url(f"**/admin/users/{owner_id}")
    assert "Enable this user" in page.inner_text("main")

    visit.goto(f"{live.url}{short_path}")
    assert "This link was disabled" in visit.inner_text("main")
    assert visit.locator(f"main a[href='{short_path}/+report']").count() == 1
    checker.check_page(visit, "link-disabled-after-reports", status=410)
    context.close()

    page.goto(f"{live.url}/admin/audit")
    log = page.inner_text("table.audit-log")
    assert "disabled the user" in log and "Phishing links, reported by visitors" in log
    assert "put the link behind a warning" in log and "(reports)" in log and f"{owner}/deal" in log
    change = page.locator("table.audit-log tr[data-action='registration.mode']").first.inner_text()
    assert "repadmin" in change and "registration: verified → closed" in change
    assert "Spam sign-ups overnight" in change
    _both_schemes(checker, page, "admin-audit-reports")
    page.goto(f"{live.url}/admin/registration")
    assert "closed" in page.inner_text("main table")
