"""The account's own pages at both widths: log in, the password form, sessions, API tokens (create
one, then read the API docs), the password-reset request, logout."""

import pytest

from tests.browser.conftest import PASSWORD, log_in, page_of, signed_in


@pytest.fixture(scope="module")
def member(live, checker, viewport):
    username = f"member{viewport}"
    _user_id, context = signed_in(checker, username)
    yield username, context
    context.close()


@pytest.fixture
def page(member):
    yield from page_of(member[1])


@pytest.fixture
def stranger(checker):
    context = checker.new_context()
    yield context.new_page()
    context.close()


def test_the_login_and_password_reset_pages(checker, live, stranger):
    stranger.goto(f"{live.url}/auth/login")
    checker.check_page(stranger, "login")
    stranger.fill("input[name=login]", "nobody-here")
    stranger.fill("input[name=password]", "not a password at all")
    stranger.click("main form button[type=submit]")
    assert stranger.locator(".error, .flash-error").count() >= 1
    checker.check_page(stranger, "login-failed", status=page_status(stranger))
    stranger.goto(f"{live.url}/auth/forgot-password")
    checker.check_page(stranger, "forgot-password")
    stranger.fill("input[name=email]", "nobody@example.com")
    stranger.click("main form button[type=submit]")
    checker.check_page(stranger, "forgot-password-sent")


def test_a_missing_page_is_a_404_page(checker, live, stranger):
    stranger.goto(f"{live.url}/no/such/page/here")
    checker.check_page(stranger, "not-found", status=404)


def test_the_password_page_changes_nothing_on_a_wrong_current_password(checker, live, page):
    page.goto(f"{live.url}/settings/password")
    checker.check_page(page, "settings-password")
    page.fill("input[name=current_password]", "not my password at all")
    page.fill("input[name=password]", PASSWORD + " new")
    page.fill("input[name=confirm]", PASSWORD + " new")
    page.click("main form button[type=submit]")
    assert page.locator(".error").count() >= 1
    checker.check_page(page, "settings-password-wrong", status=page_status(page))


def test_the_sessions_page_lists_this_login(checker, live, page):
    page.goto(f"{live.url}/settings/sessions")
    assert "Log out everywhere else" in page.inner_text("main")
    checker.check_page(page, "settings-sessions")


def test_a_new_api_token_then_the_api_docs(checker, live, page, viewport, request):
    page.goto(f"{live.url}/settings/tokens")
    checker.check_page(page, "settings-tokens")
    page.fill("input[name=name]", "deploy script")
    page.click("main form button[type=submit]")
    token = page.inner_text("#new-token")
    assert len(token) > 20 and "deploy script" in page.inner_text("table")
    checker.check_page(page, "settings-token-created")
    page.click("text=JSON API")
    page.wait_for_url("**/api/v1/docs")
    checker.check_page(page, "api-docs")
    assert page.request.get(f"{live.url}/api/v1/links", headers={"Authorization": f"Bearer {token}"}).ok


def test_logging_out(checker, live, member):
    context = log_in(checker, member[0])
    page = context.new_page()
    page.goto(f"{live.url}/")
    page.click("text=Log out")
    page.wait_for_url("**/auth/login")
    assert "You are logged out" in page.inner_text("main")
    checker.check_page(page, "logged-out")
    context.close()


def page_status(page) -> int:
    """The status of the page now shown (a form error may be a 400 or a 429 on purpose)."""
    return page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")
