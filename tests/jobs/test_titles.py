"""jobs/titles.py: a link made without a title (by the form, the API or the CSV import) gets its
target page's title from a job on the ``titles`` queue; the page comes from a local server.

The target's host, ``pages.test``, resolves (in these tests) to the local server's 127.0.0.1 and
is in TITLE_FETCH_ALLOWED_HOSTS, as an intranet host would be.
"""

import logging
import socket

import pytest
from rq import Queue

from jobs.titles import fetch_link_title
from shortener.extensions import db
from shortener.links import resolver, service
from shortener.links.models import Link
from tests.conftest import AuthActions, use_redis
from tests.helpers import add_link, make_api_token, run_jobs
from tests.jobs.test_imports import import_id_of, run_import_jobs, upload
from tests.support.pages import html, serving

HOST = "pages.test"


def lookup(host: str) -> list[str]:
    if host != HOST:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return ["127.0.0.1"]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(resolver, "lookup", lookup)
    with serving() as httpd:
        httpd.pages["/"] = html("<html><head><title>The  Landing &amp; Page</title></head></html>")
        yield httpd


def target(server, path="/") -> str:
    return f"http://{HOST}:{server.server_port}{path}"


@pytest.fixture
def title_app(make_app):
    return make_app(TITLE_FETCH=True, TITLE_FETCH_ALLOWED_HOSTS=[HOST])


@pytest.fixture
def owner(title_app):
    return AuthActions(title_app, title_app.test_client()).create_user("alice")


def title_of(app, link_id: int) -> str | None:
    with app.app_context():
        return db.session.get(Link, link_id).title


def run_title_job(app, link_id: int) -> None:
    with app.app_context():
        fetch_link_title(link_id)


def title_jobs(connection) -> list[tuple[str, tuple]]:
    queue = Queue("titles", connection=connection)
    return [(job.func_name, job.args) for job in queue.jobs]


# --- the job -----------------------------------------------------------------------------

def test_job_fills_an_empty_title(title_app, owner, server):
    link_id = add_link(title_app, owner, "go", target(server))
    run_title_job(title_app, link_id)
    assert title_of(title_app, link_id) == "The Landing & Page"


def test_job_fills_a_title_left_as_an_empty_string(title_app, owner, server):
    link_id = add_link(title_app, owner, "go", target(server), title="")
    run_title_job(title_app, link_id)
    assert title_of(title_app, link_id) == "The Landing & Page"


def test_job_leaves_a_typed_title_and_fetches_nothing(title_app, owner, server):
    link_id = add_link(title_app, owner, "go", target(server), title="Mine")
    run_title_job(title_app, link_id)
    assert title_of(title_app, link_id) == "Mine"
    assert server.requested == []


def test_a_title_typed_during_the_fetch_is_kept(title_app, owner, server):
    def page_while_the_owner_types(handler):
        with title_app.app_context():
            db.session.get(Link, link_id).title = "Typed meanwhile"
            db.session.commit()
        handler.wfile.write(b"<title>Fetched</title>")

    server.pages["/slow"] = html(page_while_the_owner_types)
    link_id = add_link(title_app, owner, "go", target(server, "/slow"))
    run_title_job(title_app, link_id)
    assert title_of(title_app, link_id) == "Typed meanwhile"


def test_job_survives_a_dead_host_with_one_log_line(title_app, owner, caplog):
    with serving() as dead:
        port = dead.server_port
    link_id = add_link(title_app, owner, "go", f"http://127.0.0.1:{port}/")
    with caplog.at_level(logging.INFO, logger="shortener.links.titles"):
        run_title_job(title_app, link_id)
    assert title_of(title_app, link_id) is None
    lines = [r for r in caplog.records if r.name == "shortener.links.titles"]
    assert len(lines) == 1 and f"link {link_id}" in lines[0].getMessage()


def test_job_refuses_a_private_target_not_allowed(make_app, server):
    app = make_app(TITLE_FETCH=True)  # pages.test is not allowed here
    owner = AuthActions(app, app.test_client()).create_user("alice")
    link_id = add_link(app, owner, "go", target(server))
    run_title_job(app, link_id)
    assert title_of(app, link_id) is None
    assert server.requested == []


def test_job_of_a_deleted_link_does_nothing(title_app, owner, server):
    link_id = add_link(title_app, owner, "go", target(server))
    with title_app.app_context():
        service.delete_link(db.session.get(Link, link_id))
    run_title_job(title_app, link_id)
    assert server.requested == []


# --- creation enqueues it -------------------------------------------------------------------

def test_a_link_created_without_a_title_enqueues_one_title_job(title_app, owner, fake_redis):
    with title_app.app_context():
        link_id = service.create_link(owner, "https://example.com/", None).id
        service.create_link(owner, "https://example.com/titled", "Given")
    assert title_jobs(fake_redis) == [("jobs.titles.fetch_link_title", (link_id,))]


def test_no_title_job_when_title_fetch_is_off(make_app, fake_redis):
    app = make_app(TITLE_FETCH=False)
    owner = AuthActions(app, app.test_client()).create_user("alice")
    with app.app_context():
        service.create_link(owner, "https://example.com/", None)
    assert title_jobs(fake_redis) == []


def test_redis_down_does_not_fail_the_creation(make_app):
    app = make_app(TITLE_FETCH=True, REDIS_URL="redis://127.0.0.1:1/0")
    owner = AuthActions(app, app.test_client()).create_user("alice")
    with app.app_context():
        link = service.create_link(owner, "https://example.com/", None)
        assert db.session.get(Link, link.id) is not None


# --- from the form, the API and the import, through a real worker ------------------------------

@pytest.fixture
def worker_app(make_app, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url, TITLE_FETCH=True, TITLE_FETCH_ALLOWED_HOSTS=[HOST])
    use_redis(app, real_redis)
    return app


@pytest.fixture
def alice(worker_app):
    client = worker_app.test_client()
    actions = AuthActions(worker_app, client)
    user_id = actions.create_user("alice")
    assert actions.login("alice").status_code == 302
    return client, user_id


def test_form_link_without_title_shows_the_page_title_after_the_job(worker_app, alice, server,
                                                                     real_redis):
    client, _user_id = alice
    response = client.post("/links/new", data={"target_url": target(server), "slug": "go"})
    assert response.status_code == 302, response.get_data(as_text=True)
    detail = response.headers["Location"]
    assert "The Landing &amp; Page" not in client.get(detail).get_data(as_text=True)
    run_jobs(worker_app, real_redis, "titles")
    assert "The Landing &amp; Page" in client.get(detail).get_data(as_text=True)
    assert "The Landing &amp; Page" in client.get("/").get_data(as_text=True)  # the dashboard


def test_api_link_without_title_gets_the_page_title(worker_app, alice, server, real_redis):
    client, user_id = alice
    _token_id, token = make_api_token(worker_app, user_id)
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/links", json={"target_url": target(server)}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["title"] is None
    run_jobs(worker_app, real_redis, "titles")
    assert client.get(created.headers["Location"], headers=headers).get_json()["title"] == (
        "The Landing & Page")


def test_import_enqueues_a_title_job_per_untitled_link_only(worker_app, alice, server, real_redis):
    client, user_id = alice
    csv_text = (f"target,slug,title\n{target(server)},untitled,\n"
                f"{target(server)},titled,Kept\n")
    import_id_of(upload(client, csv_text))
    run_import_jobs(worker_app, real_redis)
    assert len(title_jobs(real_redis)) == 1
    run_jobs(worker_app, real_redis, "titles")
    with worker_app.app_context():
        titles = dict(db.session.execute(
            db.select(Link.slug, Link.title).where(Link.owner_id == user_id)).all())
    assert titles == {"untitled": "The Landing & Page", "titled": "Kept"}
