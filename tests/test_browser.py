"""A real browser (Playwright driving Debian's chromium) through the whole journey, with the CSP on:
register, log in, create a link, copy it, follow it from a second browser, see the click, log out.

Skipped, with how to enable it, where no chromium is installed (`.ci/run` installs it in CI).
Screenshots of every step go to test-artifacts/browser/ (gitignored).
"""

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from shortener import create_app
from shortener.dev.embedded_redis import free_port
from shortener.dev.harness import base_config
from shortener.extensions import db
from tests.conftest import PROJECT_ROOT, _prepare_schema
from tests.helpers import DESKTOP_CHROME, mail_bodies, run_jobs, sent_mails

ARTIFACTS = Path(PROJECT_ROOT, "test-artifacts", "browser")
# A name for the link's target that passes the loop check (the app itself is on 127.0.0.1, so
# every loopback address is this site); chromium resolves it to 127.0.0.1.
TARGET_HOST = "target.test"
PASSWORD = "a long browser passphrase"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def serve(wsgi_app) -> tuple[str, callable]:
    """Serve ``wsgi_app`` on a free loopback port in a thread; (base URL, stop)."""
    server = make_server("127.0.0.1", free_port(), wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


def target_page(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<!doctype html><title>Target</title><h1>Target reached</h1>"]


@pytest.fixture
def live(sqlite_url, tmp_path, redis_server, real_redis):
    """The app for real: werkzeug's server in a thread, SQLite, the session's redis-server, clicks
    stored in the request, CSRF on, plain-HTTP cookies (development); (app, its URL)."""
    config = base_config(sqlite_url, tmp_path)
    config.update(APP_ENV="development", TESTING=False, WTF_CSRF_ENABLED=True, CLICK_TRACKING="sync",
                  REDIS_URL=redis_server.url, BASE_URL=None, LOG_LEVEL="WARNING")
    app = create_app(config)
    _prepare_schema(app)
    base_url, stop = serve(app)
    app.config["BASE_URL"] = base_url  # the mailed sign-up link points at this server
    yield app, base_url
    stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_app(live):
    return live[1]


@pytest.fixture
def target_url():
    base_url, stop = serve(target_page)
    yield base_url.replace("127.0.0.1", TARGET_HOST) + "/landing"
    stop()


@pytest.fixture
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium: `apt-get install chromium` (Debian/Ubuntu) or set CHROMIUM_PATH "
                    "to a Chromium/Chrome binary to run the browser journey")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[f"--host-resolver-rules=MAP {TARGET_HOST} 127.0.0.1", "--no-sandbox"],
        )
        yield browser
        browser.close()


class Watcher:
    """Collects CSP violations and page errors of every page it watches."""

    # Runs before the page's own scripts; Playwright's init scripts are not subject to the CSP.
    REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) =>
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`));"""

    def __init__(self):
        self.problems: list[str] = []

    def watch(self, context):
        context.add_init_script(self.REPORT_VIOLATIONS)
        context.on("page", self._attach)
        return context

    def _attach(self, page):
        page.on("console", lambda message: self._console(message))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text:
            self.problems.append(text)


def test_the_whole_journey_in_a_real_browser(browser, live, live_app, real_redis, target_url, capsys):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    watcher = Watcher()
    context = watcher.watch(browser.new_context())
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app)
    page = context.new_page()
    step = iter(range(1, 100))

    def shot(name: str):
        page.screenshot(path=ARTIFACTS / f"{next(step):02d}-{name}.png", full_page=True)

    # Register, follow the mailed link (it logs in), then log out and in again through the form.
    page.goto(f"{live_app}/auth/register")
    page.fill("input[name=username]", "walker")
    page.fill("input[name=email]", "walker@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    shot("register")
    page.click("form[action='/auth/register'] [type=submit]")
    expect(page.locator("h1")).to_have_text("Check your email")
    shot("register-sent")
    run_jobs(live[0], real_redis, "email")
    plain, _html = mail_bodies(sent_mails(live[0])[-1])
    page.goto(re.search(r"http://\S+/auth/register/confirm/\S+", plain).group(0))
    shot("register-confirm")
    page.click("main form button[type=submit]")
    assert "walker" in page.inner_text("header")
    page.click("text=Log out")
    page.wait_for_url("**/auth/login")
    page.fill("input[name=login]", "walker")
    page.fill("input[name=password]", PASSWORD)
    shot("login")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_app}/")
    shot("dashboard")

    # Create a link.
    page.click("text=New link")
    page.fill("input[name=target_url]", target_url)
    page.fill("input[name=slug]", "journey")
    shot("new-link")
    page.click("form.card [type=submit]")
    page.wait_for_url("**/links/*")
    short_url = f"{live_app}/walker/journey"
    assert page.inner_text(".short-url") == short_url
    shot("link-created")

    # Copy it with the page's own button, and read it back from the clipboard.
    copy = page.locator("button[data-copy]").first
    copy.click()
    expect(copy).to_have_text("Copied")  # set once the clipboard took it
    assert page.evaluate("navigator.clipboard.readText()") == short_url

    # Follow it from a second browser (another person, a desktop Chrome).
    visitor_context = watcher.watch(browser.new_context(user_agent=DESKTOP_CHROME))
    visitor = visitor_context.new_page()
    visitor.goto(short_url)
    assert visitor.url == target_url and visitor.inner_text("h1") == "Target reached"
    visitor.screenshot(path=ARTIFACTS / f"{next(step):02d}-target-reached.png")
    visitor_context.close()

    # The click is on the link page at once (tracking is synchronous here).
    page.reload()
    assert page.inner_text("[data-stat=total]") == "1"
    assert page.inner_text("[data-stat=humans]") == "1"
    shot("click-counted")

    page.click("text=Log out")
    page.wait_for_url("**/auth/login")
    assert "You are logged out" in page.inner_text("main")
    shot("logged-out")
    journey_problems = list(watcher.problems)

    # The watcher does hear violations: markup with an inline style is refused by the CSP.
    with page.expect_console_message(lambda message: "CSP violation" in message.text):
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    context.close()
    assert any("style-src" in problem for problem in watcher.problems), watcher.problems
    assert journey_problems == []
    with capsys.disabled():
        print(f"\nbrowser journey screenshots: {ARTIFACTS}")
