"""jobs/imports.py and shortener/links/imports.py: CSV import from the upload to the report,
the job run by a real in-process RQ worker on the real Redis."""

import csv
import io
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import event, func, insert, select

from shortener.background.worker import InProcessWorker
from shortener.extensions import db
from shortener.links import imports, service
from shortener.links.models import Link, LinkImport, Tag
from shortener.links.rules import LinkOptions
from shortener.timeutil import utcnow
from tests.conftest import AuthActions, use_redis
from tests.helpers import add_link, csrf_token, database_fault, run_jobs

FUTURE = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
GOOD = f"""target,slug,title,expiry
https://example.com/one,one,First,{FUTURE}
https://example.com/two,two,,
https://example.com/three,,Random slug,
"""
BAD = """target,slug,title,expiry
https://example.com/ok,ok,,
not a url,bad1,,
https://example.com/x,bad slug!,,
https://example.com/y,y,,2001-01-01 00:00
https://example.com/z,z,,next tuesday
,empty-target,,
https://example.com/other,ok,,
"""


@pytest.fixture
def job_app(make_app, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url, IMPORT_BATCH_SIZE=2)
    use_redis(app, real_redis)
    return app


@pytest.fixture
def alice(job_app):
    """A logged-in client of user alice, and her id."""
    client = job_app.test_client()
    actions = AuthActions(job_app, client)
    user_id = actions.create_user("alice")
    assert actions.login("alice").status_code == 302
    return client, user_id


def upload(client, text: str | bytes, filename="links.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/links/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def run_import_jobs(app, connection) -> None:
    """Run the queued import jobs with a real (in-process) RQ worker, in burst mode."""
    with app.app_context():
        InProcessWorker(["imports"], connection=connection).work(burst=True, with_scheduler=True)


def the_import(app, import_id: int) -> LinkImport:
    with app.app_context():
        link_import = db.session.get(LinkImport, import_id)
        db.session.expunge(link_import)
        return link_import


def import_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def links_of(app, owner_id: int) -> dict[str, str]:
    with app.app_context():
        query = select(Link.slug, Link.target_url).where(Link.owner_id == owner_id)
        return dict(db.session.execute(query).all())


# --- a good file, through the page and the worker -------------------------------------------

def test_a_good_file_is_imported_by_the_worker_with_progress(job_app, alice, real_redis):
    client, owner = alice
    import_id = import_id_of(upload(client, GOOD))
    assert Queue("imports", connection=real_redis).count == 1
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert 'data-reload-seconds="2"' in page
    assert "<script>" not in page  # no inline script (static files only)
    assert the_import(job_app, import_id).status == "queued"
    run_import_jobs(job_app, real_redis)
    done = the_import(job_app, import_id)
    assert (done.status, done.total_rows, done.processed_rows) == ("done", 3, 3)
    assert (done.created_count, done.skipped_count, done.rejected_count, done.report) == (3, 0, 0, [])
    links = links_of(job_app, owner)
    assert links["one"] == "https://example.com/one" and links["two"] == "https://example.com/two"
    assert "https://example.com/three" in links.values()
    with job_app.app_context():
        one = db.session.scalar(select(Link).where(Link.slug == "one"))
        assert one.title == "First" and one.expires_at is not None
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Done." in page and 'data-reload-seconds' not in page
    assert 'value="3" max="3"' in page


def test_a_file_with_bad_rows_reports_each_row_and_why(job_app, alice, real_redis):
    client, owner = alice
    import_id = import_id_of(upload(client, BAD))
    run_import_jobs(job_app, real_redis)
    done = the_import(job_app, import_id)
    assert (done.created_count, done.skipped_count, done.rejected_count) == (2, 0, 5)
    reasons = {item["row"]: item["reason"] for item in done.report if "reason" in item}
    assert sorted(reasons) == [3, 4, 6, 7, 8]
    assert "not a date" in reasons[6]
    assert "already used for another link" in reasons[8]
    # An expiry in the past is restored as it was (an export of an expired link imports back).
    notes = {item["row"]: item["note"] for item in done.report if "note" in item}
    assert "expiry has passed" in notes[5]
    assert links_of(job_app, owner) == {"ok": "https://example.com/ok", "y": "https://example.com/y"}
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Rejected rows" in page and "not a date" in page


def test_the_same_file_twice_creates_nothing_twice(job_app, alice, real_redis):
    client, owner = alice
    first = import_id_of(upload(client, GOOD))
    run_import_jobs(job_app, real_redis)
    second = import_id_of(upload(client, GOOD))
    run_import_jobs(job_app, real_redis)
    again = the_import(job_app, second)
    assert (again.created_count, again.skipped_count, again.rejected_count) == (0, 3, 0)
    assert len(links_of(job_app, owner)) == 3
    assert the_import(job_app, first).created_count == 3


def test_a_retried_job_resumes_and_creates_nothing_twice(job_app, alice, real_redis):
    client, owner = alice
    import_id = import_id_of(upload(client, GOOD))
    with job_app.app_context():  # as if a first run died after its first batch of two rows
        link_import = db.session.get(LinkImport, import_id)
        for _number, row, columns in list(imports._data_rows(link_import.csv_text))[:2]:
            imports.import_row(owner, imports._cells(row, columns), frozenset())
        link_import.processed_rows, link_import.created_count, link_import.status = 2, 2, "running"
        db.session.commit()
        imports.run_import(import_id)
        imports.run_import(import_id)  # a redelivery after it finished
    done = the_import(job_app, import_id)
    assert (done.status, done.processed_rows, done.created_count) == ("done", 3, 3)
    assert len(links_of(job_app, owner)) == 3


@pytest.mark.parametrize(("header", "row"), [
    # Kutt: its "link" is the short URL and must not be taken for the target.
    ("id,address,target,link,description,expire_in,visit_count,created_at",
     "7,kutt-one,https://example.com/kutt,https://kutt.it/kutt-one,From Kutt,,12,2024-01-01T00:00:00Z"),
    # YOURLS: keyword,url,title,timestamp,ip,clicks (timestamp is the creation time).
    ("keyword,url,title,timestamp,ip,clicks",
     "kutt-one,https://example.com/kutt,From Kutt,2012-01-01 10:00:00,127.0.0.1,4"),
])
def test_kutt_and_yourls_exports_are_recognised(job_app, alice, real_redis, header, row):
    client, owner = alice
    import_id = import_id_of(upload(client, f"{header}\n{row}\n"))
    run_import_jobs(job_app, real_redis)
    assert the_import(job_app, import_id).created_count == 1
    assert links_of(job_app, owner) == {"kutt-one": "https://example.com/kutt"}
    with job_app.app_context():
        link = db.session.scalar(select(Link))
        assert (link.title, link.expires_at) == ("From Kutt", None)


# --- rows that cannot be saved are reported, the rest imported ------------------------------

def test_slugs_differing_only_in_case_are_rejected_per_row_and_the_rest_imported(job_app, alice, real_redis):
    client, owner = alice
    add_link(job_app, owner, "Promo", "https://example.com/promo")
    text = ("target,slug\n"
            "https://example.com/a,promo\n"  # an existing link's slug in another case
            "https://example.com/b,NEW\n"
            "https://example.com/c,new\n"  # the row above's, in another case
            "https://example.com/d,fine\n"
            "https://example.com/promo,PROMO\n")  # the same link: already there
    import_id = import_id_of(upload(client, text))
    run_import_jobs(job_app, real_redis)
    done = the_import(job_app, import_id)
    assert (done.status, done.created_count, done.skipped_count, done.rejected_count) == ("done", 2, 1, 2)
    reasons = {item["row"]: item["reason"] for item in done.report}
    assert sorted(reasons) == [2, 4]
    assert all("already used for another link" in reason for reason in reasons.values())
    assert links_of(job_app, owner) == {"Promo": "https://example.com/promo", "NEW": "https://example.com/b",
                                        "fine": "https://example.com/d"}


@pytest.fixture
def slug_race(job_app, alice):
    """Another link of alice's takes the slug "RACE" just before the import inserts "race", from
    another connection: the unique key refuses the import's row, as in a real race."""
    _, owner = alice
    with job_app.app_context():
        engine = db.engine
    raced = []

    def take_the_slug(_conn, _cursor, statement, parameters, *_):
        inserts_race = statement.upper().startswith("INSERT INTO LINKS") and "race" in repr(parameters)
        if raced or not inserts_race:
            return
        raced.append(True)
        with engine.begin() as other:
            other.execute(insert(Link).values(owner_id=owner, slug="RACE", slug_key="race",
                                              target_url="https://example.com/theirs", click_count=0))

    event.listen(engine, "before_cursor_execute", take_the_slug)
    yield raced
    event.remove(engine, "before_cursor_execute", take_the_slug)


def test_a_row_refused_by_the_database_is_reported_and_its_batch_kept(job_app, alice, real_redis, slug_race):
    client, owner = alice
    text = ("target,slug\n"  # batches of two: the race is the first row of the second batch
            "https://example.com/1,one\nhttps://example.com/2,two\n"
            "https://example.com/3,race\nhttps://example.com/4,four\n"
            "https://example.com/5,five\n")
    import_id = import_id_of(upload(client, text))
    run_import_jobs(job_app, real_redis)
    assert slug_race == [True]
    done = the_import(job_app, import_id)
    assert (done.status, done.failure_reason, done.processed_rows) == ("done", None, 5)
    assert (done.created_count, done.rejected_count) == (4, 1)
    assert [(item["row"], item["target"]) for item in done.report] == [(4, "https://example.com/3")]
    assert "already used for another link" in done.report[0]["reason"]
    assert set(links_of(job_app, owner)) == {"one", "two", "RACE", "four", "five"}
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "could not be reached" not in page and "Rejected rows" in page


# --- the links export imports back ---------------------------------------------------------

EXPORTED_FIELDS = ("slug", "title", "target_url", "expires_at", "starts_at", "click_limit", "redirect_code",
                   "forward_query", "public_stats", "is_active")


def every_option_links(app, owner: int) -> None:
    now = utcnow().replace(microsecond=0)
    start, end = now + timedelta(days=1), now + timedelta(days=9)
    with app.app_context():
        service.create_link(owner, "https://example.com/all?a=1", "Launch, \"day\" one", end, "Launch",
                            LinkOptions(starts_at=start, click_limit=100, redirect_code=301,
                                        forward_query=True, public_stats=True))
        service.create_link(owner, "https://example.com/formula", "=1+1; @A1,\uff1d2", None, "formula",
                            LinkOptions(redirect_code=308))
        off = service.create_link(owner, "https://example.com/off", None, None, "off",
                                  LinkOptions(redirect_code=307))
        service.update_link(off, is_active=False)
        service.create_link(owner, "https://example.com/secret", "Secret", None, "secret",
                            LinkOptions(password="open sesame", click_limit=5))
        service.create_link(owner, "https://example.com/random")


def link_fields(app, owner: int) -> dict[str, tuple]:
    with app.app_context():
        links = db.session.scalars(select(Link).where(Link.owner_id == owner)).all()
        return {link.target_url: tuple(getattr(link, name) for name in EXPORTED_FIELDS) for link in links}


def test_the_links_export_imports_back_with_every_field_the_owner_set(job_app, alice, real_redis):
    client, owner = alice
    every_option_links(job_app, owner)
    before = link_fields(job_app, owner)
    exported = client.get("/links.csv").get_data()
    with job_app.app_context():
        for link in db.session.scalars(select(Link)).all():
            service.delete_link(link)
    import_id = import_id_of(upload(client, exported, "links.csv"))
    run_import_jobs(job_app, real_redis)
    done = the_import(job_app, import_id)
    assert (done.status, done.created_count, done.rejected_count) == ("done", 5, 0), done.report
    after = link_fields(job_app, owner)
    secret = "https://example.com/secret"
    assert {target: fields for target, fields in after.items() if target != secret} == {
        target: fields for target, fields in before.items() if target != secret}
    # A password cannot be exported (only its hash is kept): the link comes back switched off,
    # so it is never public, and the report says to set the password again.
    assert after[secret] == before[secret][:-1] + (False,)
    with job_app.app_context():
        assert db.session.scalar(select(Link.password_hash).where(Link.target_url == secret)) is None
    (note,) = done.report
    assert note["target"] == secret and "password" in note["note"] and "set it again" in note["note"]
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "set it again" in page and "Rejected rows" not in page


def test_the_links_export_has_every_option_and_says_which_links_had_a_password(job_app, alice):
    client, owner = alice
    every_option_links(job_app, owner)
    exported = client.get("/links.csv").get_data(as_text=True)
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert {(row["has_password"], row["active"]) for slug, row in rows.items() if slug != "secret"} == {
        ("false", "true"), ("false", "false")}
    assert (rows["secret"]["has_password"], rows["secret"]["click_limit"]) == ("true", "5")
    launch = rows["Launch"]
    assert (launch["redirect_code"], launch["forward_query"], launch["click_limit"]) == ("301", "true", "100")
    assert (launch["public_stats"], rows["formula"]["public_stats"]) == ("true", "false")
    assert launch["starts_at_utc"] and launch["expires_at_utc"]


# --- uploads refused before any job --------------------------------------------------------

def test_an_oversized_file_is_refused_with_a_clear_error(make_app, real_redis, redis_server):
    app = make_app(REDIS_URL=redis_server.url, IMPORT_MAX_BYTES=10_000)
    use_redis(app, real_redis)
    client = app.test_client()
    AuthActions(app, client).create_user("alice")
    AuthActions(app, client).login("alice")
    # Under 500 KB, so the test client keeps the body in memory.
    big = "target\n" + "https://example.com/a-long-enough-path\n" * 4_000
    response = upload(client, big)
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)
    # Just over the file limit but under the request's: refused by the same rule.
    response = upload(client, "target\n" + "https://example.com/x\n" * 500)
    assert response.status_code == 200 and "larger than" in response.get_data(as_text=True)
    assert Queue("imports", connection=real_redis).count == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LinkImport)) == 0


@pytest.mark.parametrize(("content", "message"), [
    ("target\n" + "https://example.com/\n" * 11, "at most 10 can be imported"),
    ("title,slug\nx,y\n", "one for the destination"),
    ("target\n", "no rows"),
    ("", "empty"),
    (b"target\n\xff\xfe\n", "not UTF-8"),
    ("target\nhttps://example.com/\x00\n", "not a CSV"),
])
def test_files_that_cannot_be_imported_are_form_errors(make_app, real_redis, redis_server, content, message):
    app = make_app(REDIS_URL=redis_server.url, IMPORT_MAX_ROWS=10)
    use_redis(app, real_redis)
    client = app.test_client()
    AuthActions(app, client).create_user("alice")
    AuthActions(app, client).login("alice")
    response = upload(client, content)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert Queue("imports", connection=real_redis).count == 0


def test_imports_waiting_per_user_are_bounded_and_a_done_file_is_not_kept(make_app, real_redis, redis_server):
    app = make_app(REDIS_URL=redis_server.url, IMPORT_PENDING_MAX=2)
    use_redis(app, real_redis)
    client = app.test_client()
    actions = AuthActions(app, client)
    actions.create_user("alice")
    actions.login("alice")
    first, _second = import_id_of(upload(client, GOOD)), import_id_of(upload(client, GOOD))
    response = upload(client, GOOD)
    assert response.status_code == 200
    assert "2 imports waiting or running" in response.get_data(as_text=True)
    assert Queue("imports", connection=real_redis).count == 2
    # Another user's imports are theirs.
    other = AuthActions(app, app.test_client())
    other.create_user("bob")
    other.login("bob")
    assert upload(other.client, GOOD).status_code == 302
    run_import_jobs(app, real_redis)
    done = the_import(app, first)
    assert (done.status, done.csv_text) == ("done", "")  # the file is stored only while it is needed
    assert upload(client, GOOD).status_code == 302


def test_the_limits_default_to_ten_thousand_rows_and_five_megabytes(app):
    assert (app.config["IMPORT_MAX_ROWS"], app.config["IMPORT_MAX_BYTES"]) == (10_000, 5 * 1024 * 1024)


def test_the_upload_needs_its_csrf_token(make_app, real_redis, redis_server):
    app = make_app(REDIS_URL=redis_server.url, WTF_CSRF_ENABLED=True)
    use_redis(app, real_redis)
    client = app.test_client()
    AuthActions(app, client).create_user("alice")
    page = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"login": "alice", "password": "correct horse battery",
                                     "csrf_token": csrf_token(page)})
    response = upload(client, GOOD)
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert Queue("imports", connection=real_redis).count == 0


def test_another_users_import_is_404(job_app, alice, real_redis):
    client, _ = alice
    bob = AuthActions(job_app, job_app.test_client()).create_user("bob")
    with job_app.app_context():
        link_import = LinkImport(owner_id=bob, filename="b.csv", csv_text="target\n", report=[])
        db.session.add(link_import)
        db.session.commit()
        bobs = link_import.id
    assert client.get(f"/imports/{bobs}").status_code == 404
    assert client.get("/imports/999999").status_code == 404


def test_an_import_skips_links_that_already_exist(job_app, alice, real_redis):
    client, owner = alice
    add_link(job_app, owner, "one", "https://example.com/one")
    import_id = import_id_of(upload(client, GOOD))
    run_import_jobs(job_app, real_redis)
    done = the_import(job_app, import_id)
    assert (done.created_count, done.skipped_count) == (2, 1)


# --- an import that fails for good -----------------------------------------------------------

@pytest.fixture
def retrying_app(make_app, redis_server, real_redis):
    # One retry, at once (no scheduler needed): the worker's burst runs both attempts.
    app = make_app(REDIS_URL=redis_server.url, IMPORT_RETRY_MAX=1, IMPORT_RETRY_INTERVALS=[0])
    use_redis(app, real_redis)
    return app


def test_an_import_failing_after_its_retries_is_marked_failed_with_the_reason(retrying_app, real_redis):
    client = retrying_app.test_client()
    actions = AuthActions(retrying_app, client)
    owner = actions.create_user("alice")
    actions.login("alice")
    import_id = import_id_of(upload(client, GOOD))
    with database_fault(retrying_app, "INSERT INTO links") as fault:
        run_jobs(retrying_app, real_redis, "imports")
    assert fault.hits == 2  # the first attempt and its one retry
    failed = the_import(retrying_app, import_id)
    assert (failed.status, failed.failure_reason) == ("failed", "The database could not be reached.")
    assert failed.finished_at is not None and links_of(retrying_app, owner) == {}
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Failed: The database could not be reached." in page
    assert 'data-status="failed"' in page and 'data-reload-seconds' not in page
    assert "database is down" not in page  # the exception's text stays in the log


def test_a_failed_attempt_with_a_retry_left_is_not_marked_failed(retrying_app, real_redis):
    client = retrying_app.test_client()
    actions = AuthActions(retrying_app, client)
    actions.create_user("alice")
    actions.login("alice")
    import_id = import_id_of(upload(client, GOOD))
    with database_fault(retrying_app, "INSERT INTO links", times=1) as fault:
        run_jobs(retrying_app, real_redis, "imports")
    assert fault.hits == 1
    done = the_import(retrying_app, import_id)
    assert (done.status, done.failure_reason, done.created_count) == ("done", None, 3)


@pytest.mark.parametrize(("error", "reason"), [
    (imports.JobTimeoutException("timeout"), "It took longer than the time allowed."),
    (ValueError("boom"), "An unexpected error stopped it."),
    (None, "An unexpected error stopped it."),
])
def test_failure_reasons_say_what_happened_without_details(error, reason):
    assert imports.failure_reason(error) == reason


# --- tags ----------------------------------------------------------------------------------

def tags_of(app, owner: int) -> dict[str, list[str]]:
    with app.app_context():
        links = db.session.scalars(select(Link).where(Link.owner_id == owner)).all()
        return {link.slug: [tag.name for tag in link.tags] for link in links}


def test_the_links_export_and_import_keep_the_tags(job_app, alice, real_redis):
    client, owner = alice
    with job_app.app_context():
        service.create_link(owner, "https://example.com/1", slug="one", tags=["Work", "news"])
        service.create_link(owner, "https://example.com/2", slug="two", tags=["work"])
        service.create_link(owner, "https://example.com/3", slug="three")
    before = tags_of(job_app, owner)
    exported = client.get("/links.csv").get_data()
    rows = {row["slug"]: row["tags"] for row in csv.DictReader(io.StringIO(exported.decode()))}
    assert rows == {"one": "news, Work", "two": "Work", "three": ""}
    with job_app.app_context():
        for link in db.session.scalars(select(Link)).all():
            service.delete_link(link)
    import_id = import_id_of(upload(client, exported))
    run_import_jobs(job_app, real_redis)
    assert the_import(job_app, import_id).created_count == 3
    assert tags_of(job_app, owner) == before


def test_the_export_of_one_tag_holds_its_links_only(job_app, alice):
    client, owner = alice
    with job_app.app_context():
        service.create_link(owner, "https://example.com/1", slug="one", tags=["work"])
        service.create_link(owner, "https://example.com/2", slug="two")
    exported = client.get("/links.csv?tag=WORK").get_data(as_text=True)
    assert [row["slug"] for row in csv.DictReader(io.StringIO(exported))] == ["one"]


def test_imported_tags_follow_the_rules_and_a_bad_row_is_rejected_alone(job_app, alice, real_redis):
    client, owner = alice
    many = ",".join(f"t{number}" for number in range(11))
    text = ("target,slug,tags\n"
            "https://example.com/1,one,\"Work, news\"\n"
            "https://example.com/2,two,WORK|more\n"
            "https://example.com/3,three,two words\n"
            f"https://example.com/4,four,\"{many}\"\n")
    import_id = import_id_of(upload(client, text))
    run_import_jobs(job_app, real_redis)
    done = the_import(job_app, import_id)
    assert (done.created_count, done.rejected_count) == (2, 2)
    assert [row["row"] for row in done.report] == [4, 5]
    assert "is not a tag" in done.report[0]["reason"] and "at most 10 tags" in done.report[1]["reason"]
    assert tags_of(job_app, owner) == {"one": ["news", "Work"], "two": ["more", "Work"]}
    with job_app.app_context():  # a rejected row leaves no tag behind
        assert sorted(db.session.scalars(select(Tag.name)), key=str.lower) == ["more", "news", "Work"]
