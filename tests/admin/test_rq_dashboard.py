"""rq-dashboard under /admin/rq: admins only on every route (JSON and POST included), CSRF on POSTs."""

import pytest
from rq import Queue

from shortener.background.worker import InProcessWorker
from tests.admin.conftest import admin_urls
from tests.helpers import make_event, sign_in


@pytest.fixture
def app(make_app, redis_server, real_redis):
    return make_app(REDIS_URL=redis_server.url, CLICK_RETRY_MAX=0)


def dashboard_urls(app):
    return admin_urls(app, "/admin/rq/")


def test_every_dashboard_route_is_checked(app):
    urls = dashboard_urls(app)
    assert ("GET", "/admin/rq/") in urls and ("GET", "/admin/rq/1/data/queues.json") in urls
    assert any(method == "POST" for method, _ in urls)


@pytest.mark.parametrize("who", ["anonymous", "other user"])
def test_non_admins_get_404_on_every_dashboard_url(app, client, auth, who):
    if who == "other user":
        auth.create_user("carol")
        assert auth.login("carol").status_code == 302
    for method, url in dashboard_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "_csrf_token" not in response.headers.get("Set-Cookie", "")


def test_an_admin_sees_the_dashboard_and_its_json(app, client, admin_logged_in, real_redis):
    Queue("clicks", connection=real_redis).enqueue("jobs.clicks.record_click", make_event(1))
    page = client.get("/admin/rq/")
    assert page.status_code == 200 and "queues.json" in page.get_data(as_text=True)  # filled by its script
    queues = client.get("/admin/rq/0/data/queues.json").get_json()
    assert {queue["name"]: queue["count"] for queue in queues["queues"]}["clicks"] == 1
    assert client.get("/admin/rq/0/data/workers.json").status_code == 200
    assert client.get("/admin/rq/0/view/workers").status_code == 200
    jobs = client.get("/admin/rq/0/data/jobs/clicks/queued/10/asc/1.json")
    assert jobs.status_code == 200 and len(jobs.get_json()["jobs"]) == 1
    job_id = jobs.get_json()["jobs"][0]["id"]
    assert client.get(f"/admin/rq/0/data/job/{job_id}.json").get_json()["id"] == job_id


def test_requeue_all_by_get_is_refused(app, client, admin_logged_in):
    assert client.get("/admin/rq/requeue/clicks").status_code == 405


def test_dashboard_posts_need_the_csrf_header(make_app, redis_server, real_redis, auth, make_admin):
    app = make_app(REDIS_URL=redis_server.url, WTF_CSRF_ENABLED=True, CLICK_RETRY_MAX=0)
    client = app.test_client()
    user_id = auth.create_user("boss")
    make_admin("boss")
    sign_in(app, client, user_id)  # the login form itself needs a token here
    Queue("clicks", connection=real_redis).enqueue("jobs.clicks.record_click", {"bad": "event"})
    with app.app_context():
        InProcessWorker(["clicks"], connection=real_redis).work(burst=True)
    assert client.post("/admin/rq/requeue/clicks").status_code == 400
    assert client.get("/admin/rq/").status_code == 200  # sets the cookie its scripts read
    token = client.get_cookie("_csrf_token", path="/admin/rq").value
    response = client.post("/admin/rq/requeue/clicks", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["count"] == 1
    assert Queue("clicks", connection=real_redis).count == 1


@pytest.mark.parametrize("url", [
    "/admin/rq/5/view/workers",
    "/admin/rq/0/data/jobs/clicks/queued/0/asc/1.json",
    "/admin/rq/0/data/jobs/clicks/queued/x/asc/1.json",
    "/admin/rq/0/data/jobs/clicks/queued/10/asc/-1.json",
    "/admin/rq/0/data/jobs/clicks/queued/10/asc/99999999999999999999.json",
    "/admin/rq/0/view/jobs/clicks/queued/10/asc/0",
    "/admin/rq/0/view/job/no-such-job",
    "/admin/rq/0/data/job/no-such-job.json",
])
def test_dashboard_numbers_out_of_range_are_404_not_500(app, client, admin_logged_in, url):
    assert client.get(url).status_code == 404


# Every route of rq-dashboard that changes something (its blueprint's POST routes).
MUTATING = {"delete_job_view", "requeue_job_view", "requeue_all", "empty_queue", "compact_queue"}


def mutating_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("rq_dashboard.") and "POST" in rule.methods]


def test_the_mutating_routes_are_all_known(app):
    assert {rule.endpoint.split(".", 1)[1] for rule in mutating_rules(app)} == MUTATING


def failed_click_job(real_redis) -> str:
    job = Queue("clicks", connection=real_redis).enqueue("jobs.clicks.record_click", {"bad": "event"})
    InProcessWorker(["clicks"], connection=real_redis).work(burst=True)
    return job.id


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_mutating_routes_refuse_get_and_head(app, client, admin_logged_in, real_redis, method):
    with app.app_context():
        job_id = failed_click_job(real_redis)
    registry = Queue("clicks", connection=real_redis).failed_job_registry
    for rule in mutating_rules(app):
        values = {"job_id": job_id, "queue_name": "clicks", "registry_name": "failed"}
        url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]
        response = client.open(url, method=method)
        assert response.status_code == 405, (method, url, response.status_code)
        assert registry.get_job_ids(cleanup=False) == [job_id], (method, url)  # nothing changed
        assert Queue("clicks", connection=real_redis).count == 0


def test_only_the_dashboard_may_eval(app, client, admin_logged_in):
    # Its templates are compiled in the browser (underscore.js: new Function).
    dashboard = client.get("/admin/rq/").headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline' 'unsafe-eval'" in dashboard.split("; ")
    for path in ("/admin/status", "/", "/settings/tokens"):
        assert "unsafe-eval" not in client.get(path).headers["Content-Security-Policy"], path


def test_the_status_page_links_to_the_dashboard(app, client, admin_logged_in):
    assert 'href="/admin/rq/"' in client.get("/admin/status").get_data(as_text=True)
