"""The browser suite's parts: one live app per module, Debian's chromium driven by Playwright,
a context per viewport, and `check_page`, the checks every page passes after each navigation.

Skipped, with how to enable it, where no chromium is installed (`.ci/run` installs it in CI).
Screenshots of every page at both widths go to test-artifacts/browser/ (gitignored).
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from shortener import create_app
from shortener.accounts.users import create_user, set_admin
from shortener.extensions import db
from tests.conftest import PROJECT_ROOT, _prepare_schema
from tests.helpers import serve
from tests.support.harness import base_config

ARTIFACTS = Path(PROJECT_ROOT, "test-artifacts", "browser")
# A name for link targets that passes the loop check (the app itself is on 127.0.0.1, so every
# loopback address is this site); chromium resolves it to 127.0.0.1.
TARGET_HOST = "target.test"
PASSWORD = "a long browser passphrase"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# axe-core impacts that fail a page; "moderate" and "minor" are left to Lighthouse and review.
FAILING_IMPACTS = {"serious", "critical"}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def target_page(environ, start_response):
    """Where links lead: it shows the query it got, so forwarding can be read off the page."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    shown = "".join(f"<li>{name}={values[0]}</li>" for name, values in sorted(query.items()))
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [f'<!doctype html><html lang="en"><title>Target</title><main><h1>Target reached</h1>'
            f'<ul id="query">{shown}</ul></main></html>'.encode()]


@dataclass
class LiveApp:
    url: str
    app: object

    def seed_user(self, username: str, admin: bool = False) -> int:
        with self.app.app_context():
            user = create_user(username, f"{username}@example.com", PASSWORD)
            if admin:
                set_admin(user, True)
            return user.id


@pytest.fixture(scope="module")
def live(sqlite_url, tmp_path_factory, redis_server):
    """The app for real, shared by a module: werkzeug's threaded server in a thread, SQLite, the
    session's redis-server, clicks stored in the request, CSRF on, plain-HTTP cookies."""
    client = redis_server.client()
    client.flushall()
    config = base_config(sqlite_url, tmp_path_factory.mktemp("live"))
    config.update(APP_ENV="development", TESTING=False, WTF_CSRF_ENABLED=True, CLICK_TRACKING="sync",
                  REDIS_URL=redis_server.url, BASE_URL=None, LOG_LEVEL="WARNING")
    app = create_app(config)
    _prepare_schema(app)
    base_url, stop = serve(app)
    app.config["BASE_URL"] = base_url  # mailed links (sign-up, reset) point at this server
    yield LiveApp(base_url, app)
    stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    client.flushall()
    client.close()


@pytest.fixture(scope="module")
def target_url():
    base_url, stop = serve(target_page)
    yield base_url.replace("127.0.0.1", TARGET_HOST) + "/landing"
    stop()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium: `apt-get install chromium` (Debian/Ubuntu) or set CHROMIUM_PATH "
                    "to a Chromium/Chrome binary to run the browser suite")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's screenshots only
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[f"--host-resolver-rules=MAP {TARGET_HOST} 127.0.0.1", "--no-sandbox"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def viewport(request) -> str:
    """Every test of the suite runs at 1280 px and at 390 px."""
    return request.param


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@dataclass
class Watched:
    """What happened on one page since its last check."""

    problems: list[str] = field(default_factory=list)
    responses: list[tuple[str, int, bool]] = field(default_factory=list)  # url, status, main document?


class Checker:
    """Watches pages (console errors, CSP violations, page errors, failed responses) and checks
    each page after a navigation: `check_page`."""

    # Runs before the page's own scripts; Playwright's init scripts are not subject to the CSP.
    REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) =>
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`));"""

    def __init__(self, browser, axe: Axe, viewport: str, live: LiveApp):
        self.browser, self.axe, self.viewport, self.live = browser, axe, viewport, live
        self.watched: dict[object, Watched] = {}
        self.shots: dict[str, int] = {}

    def new_context(self, **options):
        context = self.browser.new_context(viewport=VIEWPORTS[self.viewport], **options)
        context.set_default_timeout(10_000)  # a step that hangs fails in seconds, not 30
        context.add_init_script(self.REPORT_VIOLATIONS)
        context.on("page", self._attach)
        return context

    def _attach(self, page) -> None:
        watched = self.watched.setdefault(page, Watched())
        page.on("console", lambda message: self._console(watched, message))
        page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
        page.on("response", lambda response: watched.responses.append(
            (response.url, response.status, response.request.is_navigation_request()
             and response.frame == page.main_frame)))

    @staticmethod
    def _console(watched: Watched, message) -> None:
        # A failed load also logs "Failed to load resource": the responses say which, and whether meant.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            watched.problems.append(f"console error: {message.text}")

    def check_page(self, page, name: str, status: int = 200) -> None:
        """Fail on anything wrong with the page now shown; ``status`` is its main document's."""
        page.wait_for_load_state("load")
        watched = self.watched.setdefault(page, Watched())
        problems = list(watched.problems)
        problems += self._failed_responses(watched, status)
        problems += self._overflow(page)
        problems += self._accessibility(page)
        self._screenshot(page, name)
        watched.problems.clear()
        watched.responses.clear()
        assert not problems, f"{name} ({self.viewport}, {page.url}):\n  " + "\n  ".join(problems)

    @staticmethod
    def _failed_responses(watched: Watched, status: int) -> list[str]:
        """Any response >= 400, except the page's own main document when that status is meant."""
        documents = [index for index, (_url, got, main) in enumerate(watched.responses) if main and got < 300
                     or main and got >= 400]
        shown = documents[-1] if documents else None
        problems = [f"response {got} for {url}" for index, (url, got, _main) in enumerate(watched.responses)
                    if got >= 400 and index != shown]
        if shown is not None and watched.responses[shown][1] != status:
            url, got, _main = watched.responses[shown]
            problems.append(f"the page answered {got}, not {status}: {url}")
        return problems

    @staticmethod
    def _overflow(page) -> list[str]:
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if widths[0] > widths[1]:
            return [f"horizontal overflow: scrollWidth {widths[0]} > clientWidth {widths[1]}"]
        return []

    def _accessibility(self, page) -> list[str]:
        results = self.axe.run(page).response
        return [f"axe {violation['impact']}: {violation['id']} ({violation['help']}) at "
                + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
                for violation in results["violations"] if violation["impact"] in FAILING_IMPACTS]

    def _screenshot(self, page, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        count = self.shots[slug] = self.shots.get(slug, 0) + 1
        suffix = "" if count == 1 else f"-{count}"
        # A full-page shot waits for a layout that an image document (the QR code's SVG) never has.
        html = page.evaluate("document.contentType") == "text/html"
        page.screenshot(path=ARTIFACTS / f"{slug}{suffix}-{self.viewport}.png", full_page=html)


@pytest.fixture(scope="module")
def checker(browser, axe, viewport, live) -> Checker:
    return Checker(browser, axe, viewport, live)


def log_in(checker: Checker, username: str):
    """A browser context logged in as ``username`` through the login form."""
    context = checker.new_context()
    page = context.new_page()
    page.goto(f"{checker.live.url}/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{checker.live.url}/")
    page.close()
    return context


def signed_in(checker: Checker, username: str, admin: bool = False):
    """(user id, a browser context logged in as ``username``, a new user seeded for it)."""
    user_id = checker.live.seed_user(username, admin=admin)
    return user_id, log_in(checker, username)


def page_of(context):
    """A new page of ``context``, closed after the test: ``yield from page_of(...)`` in a fixture."""
    page = context.new_page()
    yield page
    page.close()


def path_of(url: str) -> str:
    return urlsplit(url).path
