"""The admin area as an admin, at both widths: the status page, its way to rq-dashboard, and every
rq-dashboard page with its data loaded (queues, workers, jobs of a queue, one job)."""

import pytest
from playwright.sync_api import expect

from shortener.background.queues import enqueue
from tests.browser.conftest import page_of, signed_in


@pytest.fixture(scope="module")
def admin(live, checker, viewport):
    _user_id, context = signed_in(checker, f"admin{viewport}", admin=True)
    with live.app.app_context():  # a job waiting on a queue, for the job pages to show
        job = enqueue("email", "jobs.email.send_password_reset_for", "nobody@example.com")
    yield context, job.id
    context.close()


@pytest.fixture
def page(admin):
    yield from page_of(admin[0])


def test_the_status_page(checker, live, page, viewport, request):
    page.goto(f"{live.url}/admin/")
    page.wait_for_url("**/admin/status")
    assert "Queues" in page.inner_text("main")
    checker.check_page(page, "admin-status")


def test_the_status_page_leads_to_the_dashboard(live, page):
    page.goto(f"{live.url}/admin/status")
    dashboard = page.locator("main a[href^='/admin/rq']")
    assert dashboard.count() >= 1
    dashboard.first.click()
    page.wait_for_url("**/admin/rq/**")


DASHBOARD_PAGES = {
    "rq-queues": ("/admin/rq/0/view/queues", "email"),
    "rq-workers": ("/admin/rq/0/view/workers", "No workers"),
    "rq-jobs": ("/admin/rq/0/view/jobs/email/queued/8/asc/1", "send_password_reset_for"),
}


@pytest.mark.parametrize("name", list(DASHBOARD_PAGES))
def test_each_dashboard_page_loads_its_data(checker, live, page, name):
    path, shown = DASHBOARD_PAGES[name]
    page.goto(f"{live.url}{path}")
    # Its tables are filled by its scripts from JSON: wait for the data, not for the page's load.
    expect(page.locator("body")).to_contain_text(shown, ignore_case=True, timeout=3000)
    checker.check_page(page, name)


def test_the_dashboard_job_page(checker, live, admin, page):
    page.goto(f"{live.url}/admin/rq/0/view/job/{admin[1]}")
    expect(page.locator("body")).to_contain_text("send_password_reset_for", timeout=3000)
    checker.check_page(page, "rq-job")


def test_a_non_admin_gets_a_404(checker, live, page, browser):
    context = checker.new_context()
    stranger = context.new_page()
    stranger.goto(f"{live.url}/admin/status")
    checker.check_page(stranger, "admin-stranger", status=404)
    context.close()
