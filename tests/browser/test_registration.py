"""The issue's journey, at both widths: an admin closes registration on /admin/registration, and
the sign-up page then says registration is closed, with no form; the admin asks for invites.
Also an open sign-up's banner and confirmation link, and the invites page."""

import re

import pytest

from shortener.accounts import registration_modes
from tests.browser.conftest import PASSWORD, page_of, signed_in
from tests.helpers import mail_bodies, run_jobs, sent_mails


@pytest.fixture(scope="module")
def admin(live, checker, viewport):
    _user_id, context = signed_in(checker, f"regadmin{viewport}", admin=True)
    yield context
    context.close()


@pytest.fixture
def page(admin):
    yield from page_of(admin)


@pytest.fixture
def visitor(checker):
    context = checker.new_context()
    yield from page_of(context)
    context.close()


def test_an_admin_closes_registration_and_the_sign_up_page_says_so(checker, live, page, visitor):
    with live.app.app_context():
        registration_modes.set_mode("verified", None)  # each width starts from a sign-up form
    visitor.goto(f"{live.url}/auth/register")
    assert visitor.locator("input[name=password]").count() == 1
    checker.check_page(visitor, "register-verified")

    page.goto(f"{live.url}/admin/status")
    page.click("main a[href='/admin/registration']")
    page.wait_for_url("**/admin/registration")
    checker.check_page(page, "admin-registration")
    page.check("input[name=mode][value=closed]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/admin/registration")
    assert "Registration is now closed." in page.inner_text("main")
    assert "Registration is closed" in page.inner_text("#registration-mode")
    checker.check_page(page, "admin-registration-closed")

    visitor.goto(f"{live.url}/auth/register")
    assert "Registration is closed" in visitor.inner_text("main")
    assert visitor.locator("main form").count() == 0
    checker.check_page(visitor, "register-closed")

    page.check("input[name=mode][value=invite]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/admin/registration")
    visitor.goto(f"{live.url}/auth/register")
    assert visitor.locator("input[name=invite_code]").count() == 1
    checker.check_page(visitor, "register-invite")


def test_an_open_sign_up_sees_the_banner_until_the_mailed_link_confirms(checker, live, redis_server,
                                                                        viewport):
    with live.app.app_context():
        registration_modes.set_mode("open", None)
    username = f"opener{viewport}"
    context = checker.new_context()
    page = context.new_page()
    page.goto(f"{live.url}/auth/register")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("form[action='/auth/register'] [type=submit]")
    page.wait_for_url(f"{live.url}/")
    assert "Your address is not confirmed yet" in page.inner_text("main")
    checker.check_page(page, "dashboard-unconfirmed")
    page.click("text=Send the link again")
    page.wait_for_url(f"{live.url}/")
    assert "We mailed a new link" in page.inner_text("main")

    run_jobs(live.app, redis_server.client(), "email")
    plain, _html = mail_bodies(sent_mails(live.app)[-1])
    page.goto(re.search(r"http://\S+/auth/verify-email/\S+", plain).group(0))
    assert page.locator("main form").count() == 1  # no banner here: this page is its link
    checker.check_page(page, "verify-email")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live.url}/")
    assert "your address is confirmed" in page.inner_text("main")
    assert "not confirmed yet" not in page.inner_text("main")
    context.close()


def test_the_invites_page_shows_a_new_code_once(checker, live, page):
    page.goto(f"{live.url}/settings/invites")
    checker.check_page(page, "invites-empty")
    page.click("main form button[type=submit]")
    code = page.inner_text("#new-invite")
    assert len(code) == 16
    checker.check_page(page, "invites-new")
    page.goto(f"{live.url}/settings/invites")
    assert code not in page.inner_text("main") and "not yet" in page.inner_text("main")
