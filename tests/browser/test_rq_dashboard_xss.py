"""rq-dashboard in a real browser (Playwright driving Debian's chromium): every page fills itself
from its JSON (its templates are compiled in the browser, which its CSP must allow), with no
console error and no CSP violation, and job data that carries user input shows as text.

An admin logs in through the form; a real `rq worker` (the Procfile's class) runs real jobs: one
that fails with an exception text holding markup, one that succeeds, and one left queued.
Skipped without chromium, as the rest of tests/browser. Screenshots go to test-artifacts/rq-dashboard/.
"""

import os
import signal
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect
from rq import Queue

from shortener import create_app
from shortener.accounts.users import create_user, set_admin
from shortener.extensions import db
from tests.conftest import PROJECT_ROOT, _prepare_schema, python_bin, subprocess_env
from tests.helpers import serve, wait_until
from tests.support.harness import base_config


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


pytestmark = pytest.mark.integration

ARTIFACTS = Path(PROJECT_ROOT, "test-artifacts", "rq-dashboard")
PASSWORD = "a long admin passphrase"
MARKUP = "<img src=x onerror=alert(1)>"


class StrictWatcher(Watcher):
    """Also every console error, and any dialog (an injected alert would open one)."""

    def _attach(self, page):
        super()._attach(page)
        page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")
        else:
            super()._console(message)


@pytest.fixture
def live_admin_app(sqlite_url, tmp_path, redis_server, real_redis):
    """The app served for real (CSRF on, plain-HTTP cookies), with an admin 'boss'; (app, URL)."""
    config = base_config(sqlite_url, tmp_path)
    config.update(APP_ENV="development", TESTING=False, WTF_CSRF_ENABLED=True, REDIS_URL=redis_server.url,
                  BASE_URL=None, LOG_LEVEL="WARNING")
    app = create_app(config)
    _prepare_schema(app)
    with app.app_context():
        set_admin(create_user("boss", "boss@example.com", PASSWORD), True)
    base_url, stop = serve(app)
    yield app, base_url
    stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def jobs(live_admin_app, real_redis):
    """A real worker on `email` that has run a failing and a succeeding job, and is still alive;
    a job queued on `clicks`, which it does not listen to. Returns the job ids."""
    app, _base_url = live_admin_app
    email, clicks = Queue("email", connection=real_redis), Queue("clicks", connection=real_redis)
    failing = email.enqueue("builtins.int", f"user input {MARKUP}")  # ValueError quoting it
    succeeding = email.enqueue("builtins.len", "four")
    queued = clicks.enqueue("builtins.len", "waits")
    worker = subprocess.Popen(
        [python_bin("rq"), "worker", "--worker-class", "shortener.background.worker.InProcessWorker",
         "--url", app.config["REDIS_URL"], "email"],
        env=subprocess_env(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                           REDIS_URL=app.config["REDIS_URL"]),
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: email.failed_job_registry.count == 1 and email.finished_job_registry.count == 1,
                   timeout=60, what="the worker to run both jobs")
        yield {"failed": failing.id, "finished": succeeding.id, "queued": queued.id}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def test_every_dashboard_page_loads_its_data(browser, live_admin_app, jobs, capsys):  # noqa: F811
    _app, base_url = live_admin_app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    watcher = StrictWatcher()
    context = watcher.watch(browser.new_context(viewport={"width": 1280, "height": 900}))
    page = context.new_page()
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=login]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")

    def loaded(name: str, path: str | None, expected: str):
        if path is not None:
            page.goto(f"{base_url}{path}")
        expect(page.locator(".container").first).to_contain_text(expected, timeout=15_000)
        expect(page.get_by_text("Loading...")).to_have_count(0)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    # The status page links to the dashboard.
    page.goto(f"{base_url}/admin/status")
    page.click("a[href='/admin/rq/']")
    loaded("queues", None, "clicks")
    expect(page.locator("table#queues")).to_contain_text("email")
    loaded("workers", "/admin/rq/0/view/workers", "email")  # the live worker and its queue
    loaded("jobs-queued", "/admin/rq/0/view/jobs/clicks/queued/8/asc/1", jobs["queued"])
    loaded("jobs-finished", "/admin/rq/0/view/jobs/email/finished/8/asc/1", jobs["finished"])
    loaded("jobs-failed", "/admin/rq/0/view/jobs/email/failed/8/asc/1", jobs["failed"])
    expect(page.locator("table#jobs pre.exc_info")).to_contain_text(MARKUP)
    loaded("job-failed", f"/admin/rq/0/view/job/{jobs['failed']}", "ValueError")
    job_data = page.locator("#job-data")
    expect(job_data.locator("pre.exc_info")).to_contain_text(f"invalid literal for int() with base 10: "
                                                              f"'user input {MARKUP}'")
    expect(job_data).to_contain_text(f"builtins.int('user input {MARKUP}')")  # the description
    page.wait_for_timeout(3000)  # the page re-renders its data every 2.5 s: still text after that
    expect(job_data.locator("pre.exc_info")).to_contain_text(MARKUP)
    assert job_data.locator("img").count() == 0
    loaded("job-finished", f"/admin/rq/0/view/job/{jobs['finished']}", "finished")
    context.close()
    assert watcher.problems == []
    with capsys.disabled():
        print(f"\nrq-dashboard screenshots: {ARTIFACTS}")
