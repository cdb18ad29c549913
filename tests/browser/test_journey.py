"""The first journey as a person: register, confirm by the mailed link, log out, log in, create a
link, copy it with its button, follow it from a second browser, see the click, log out; every page
checked."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tests.helpers import DESKTOP_CHROME, mail_bodies, run_jobs, sent_mails


def test_register_create_copy_follow_count_and_log_out(checker, live, redis_server, target_url, viewport):
    username = f"walker{viewport}"
    context = checker.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page = context.new_page()

    page.goto(f"{live.url}/")
    checker.check_page(page, "landing")
    page.goto(f"{live.url}/auth/register")
    checker.check_page(page, "register")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("form[action='/auth/register'] [type=submit]")
    expect(page.locator("h1")).to_have_text("Check your email")
    checker.check_page(page, "register-sent")
    run_jobs(live.app, redis_server.client(), "email")
    plain, _html = mail_bodies(sent_mails(live.app)[-1])
    page.goto(re.search(r"http://\S+/auth/register/confirm/\S+", plain).group(0))
    checker.check_page(page, "register-confirm")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live.url}/")
    assert username in page.inner_text("header")
    checker.check_page(page, "dashboard-empty")

    page.click("text=Log out")
    page.wait_for_url("**/auth/login")
    assert "You are logged out" in page.inner_text("main")
    checker.check_page(page, "logged-out")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live.url}/")

    page.click("text=New link")
    page.wait_for_url("**/links/new")
    checker.check_page(page, "new-link")
    page.fill("input[name=target_url]", target_url)
    page.fill("input[name=slug]", "journey")
    page.click("form.card [type=submit]")
    page.wait_for_url("**/links/*")
    short_url = f"{live.url}/{username}/journey"
    assert page.inner_text(".short-url") == short_url
    # The link page itself is checked in test_links (its known bugs are marked there).

    # Copy it with the page's own button, and read it back from the clipboard.
    copy = page.locator("button[data-copy]").first
    copy.click()
    expect(copy).to_have_text("Copied")  # set once the clipboard took it
    assert page.evaluate("navigator.clipboard.readText()") == short_url

    # Follow it from a second browser (another person, a desktop Chrome).
    visitor = checker.new_context(user_agent=DESKTOP_CHROME).new_page()
    visitor.goto(short_url)
    assert visitor.url == target_url and visitor.inner_text("h1") == "Target reached"
    visitor.context.close()

    # The click is on the link page at once (tracking is synchronous here).
    page.reload()
    assert page.inner_text("[data-stat=total]") == "1"
    assert page.inner_text("[data-stat=humans]") == "1"

    page.click("text=Log out")
    page.wait_for_url("**/auth/login")
    checker.check_page(page, "logged-out")
    context.close()
