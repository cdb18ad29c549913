"""A link's click limit, held to the click under concurrency by one atomic counter in Redis."""

import http.client
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from shortener.accounts.users import hash_password
from tests.conftest import AuthActions
from tests.helpers import DESKTOP_CHROME, SLACKBOT, add_link, counts, serve

HUMAN = {"User-Agent": DESKTOP_CHROME}
BOT = {"User-Agent": SLACKBOT}


@pytest.fixture
def live(make_app, redis_server, real_redis):
    """The app on the session's real redis-server, clicks queued as jobs that no worker takes
    (so the stored click_count never moves), links cached 5 s: the worst case for a limit."""
    return make_app(REDIS_URL=redis_server.url, CLICK_TRACKING="job", LINK_CACHE_SECONDS=5)


@pytest.fixture
def owner(live):
    return AuthActions(live, None).create_user("bob")


def get(base_url: str, path: str, headers: dict = HUMAN) -> int:
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_fifty_concurrent_visits_are_served_exactly_the_limit(live, owner):
    add_link(live, owner, "five", click_limit=5)
    base_url, stop = serve(live)
    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(lambda _: get(base_url, "/bob/five"), range(50)))
    finally:
        stop()
    assert statuses.count(302) == 5, statuses
    assert statuses.count(410) == 45


def test_the_counter_starts_from_the_stored_count(live, owner, real_redis):
    add_link(live, owner, "go", click_limit=5, click_count=3)  # e.g. after Redis lost its data
    client = live.test_client()
    statuses = [client.get("/bob/go", headers=HUMAN).status_code for _ in range(4)]
    assert statuses == [302, 302, 410, 410]


def test_the_counter_survives_a_flush_of_redis(make_app, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url, CLICK_TRACKING="sync")  # clicks stored at once
    link_id = add_link(app, AuthActions(app, None).create_user("bob"), "go", click_limit=3)
    client = app.test_client()
    assert client.get("/bob/go", headers=HUMAN).status_code == 302
    assert client.get("/bob/go", headers=HUMAN).status_code == 302
    real_redis.flushall()
    assert client.get("/bob/go", headers=HUMAN).status_code == 302
    assert client.get("/bob/go", headers=HUMAN).status_code == 410
    assert counts(app, link_id)[0] == 3


def test_bots_and_head_requests_do_not_use_it_up_but_are_refused_past_it(live, owner):
    add_link(live, owner, "one", click_limit=1)
    client = live.test_client()
    assert client.get("/bob/one", headers=BOT).status_code == 302
    assert client.head("/bob/one", headers=HUMAN).status_code == 302
    assert client.get("/bob/one", headers=HUMAN).status_code == 302
    assert client.get("/bob/one", headers=BOT).status_code == 410
    assert client.head("/bob/one", headers=HUMAN).status_code == 410


def test_the_right_password_uses_a_click_and_the_form_does_not(live, owner):
    add_link(live, owner, "vault", click_limit=1, password_hash=hash_password("open sesame"))
    client = live.test_client()
    assert client.get("/bob/vault", headers=HUMAN).status_code == 200  # the form
    assert client.post("/bob/vault", data={"password": "open sesame"}, headers=HUMAN).status_code == 200
    assert client.get("/bob/vault", headers=HUMAN).status_code == 410  # remembered, but used up
    other = live.test_client()
    assert other.post("/bob/vault", data={"password": "open sesame"}, headers=HUMAN).status_code == 410


def test_without_redis_a_limited_link_is_unavailable_and_others_still_redirect(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", CLICK_TRACKING="job")  # nothing listens there
    owner = AuthActions(app, None).create_user("bob")
    limited = add_link(app, owner, "limited", click_limit=10)
    plain = add_link(app, owner, "plain")
    client = app.test_client()
    response = client.get("/bob/limited", headers=HUMAN)
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
    assert client.get("/bob/plain", headers=HUMAN).status_code == 302
    assert counts(app, limited)[0] == 0
    assert counts(app, plain)[0] == 1  # written directly, as without Redis before


def test_links_without_a_limit_cost_no_more_redis(live, owner, real_redis):
    add_link(live, owner, "plain")
    add_link(live, owner, "options", redirect_code=307)
    client = live.test_client()
    client.get("/bob/plain", headers=HUMAN)  # the first enqueue loads RQ's own scripts

    def commands() -> int:
        return sum(stats["calls"] for stats in real_redis.info("commandstats").values())

    before = commands()
    assert client.get("/bob/plain", headers=HUMAN).status_code == 302
    plain = commands() - before
    before = commands()
    assert client.get("/bob/options", headers=HUMAN).status_code == 307
    with_options = commands() - before
    assert with_options == plain
    assert not real_redis.keys("click-limit:*")
