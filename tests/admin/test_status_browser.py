"""/admin/status in chromium at a desktop's and a phone's width: nothing wider than the screen
(no sideways scrolling), with a live worker and failed jobs on the page. Screenshots go to
test-artifacts/admin-status/. Skipped without chromium, as tests/test_browser.py."""

from pathlib import Path

import pytest

from tests.admin.test_rq_dashboard_browser import PASSWORD, StrictWatcher, jobs, live_admin_app  # noqa: F401
from tests.conftest import PROJECT_ROOT
from tests.test_browser import browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration

ARTIFACTS = Path(PROJECT_ROOT, "test-artifacts", "admin-status")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_status_page_fits_the_screen(browser, live_admin_app, jobs, width):  # noqa: F811
    _app, base_url = live_admin_app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    watcher = StrictWatcher()
    context = watcher.watch(browser.new_context(viewport={"width": width, "height": 800}))
    page = context.new_page()
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=login]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    page.goto(f"{base_url}/admin/status")
    assert "email" in page.inner_text("[data-queue=email]")
    page.screenshot(path=ARTIFACTS / f"status-{width}.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow} px wider than the {width} px screen"
    context.close()
    assert watcher.problems == []
