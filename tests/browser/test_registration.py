"""The issue's journey, at both widths: an admin closes registration on /admin/registration, and
the sign-up page then says registration is closed, with no form; the admin opens it again."""

import pytest

from shortener.accounts import registration_modes
from tests.browser.conftest import page_of, signed_in


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
