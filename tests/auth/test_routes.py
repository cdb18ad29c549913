"""The auth blueprint: registration, login and logout, throttling, CSRF, cookies, `next`."""

import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from shortener.accounts import mail as mailer
from shortener.accounts import users as accounts
from shortener.accounts.models import PendingRegistration, User, UserSession
from shortener.auth.next_url import safe_next_url
from shortener.extensions import db, limiter
from tests.conftest import PASSWORD, AuthActions
from tests.helpers import NEW_PASSWORD, csrf_token, email_queue, register


def logged_in_user_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def is_session_id(value) -> bool:
    """A server-side login's random id, never the user id (which would outlive a logout)."""
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{43}", value) is not None


def is_logged_in(client) -> bool:
    """Whether the site sees ``client`` as logged in (the login page then sends it on)."""
    return client.get("/auth/login").status_code == 302


def app_with_alice(make_app, **config):
    """An app built with ``config`` that has a user alice (password PASSWORD)."""
    app = make_app(**config)
    AuthActions(app, app.test_client()).create_user("alice")
    return app


def users(app) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(select(User).order_by(User.id)))


# --- registration ------------------------------------------------------------

def test_register_page_renders(client):
    page = client.get("/auth/register").get_data(as_text=True)
    assert 'name="username"' in page and 'autocomplete="new-password"' in page


def test_register_asks_to_check_the_email_and_creates_no_account_yet(app, client, fake_redis):
    response = register(client, "  Bob ", email="Bob@Example.COM")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert users(app) == [] and logged_in_user_id(client) is None
    [job] = email_queue(fake_redis).jobs
    assert job.func_name == "jobs.email.send_registration_email"
    with app.app_context():
        [pending] = db.session.scalars(select(PendingRegistration))
        assert (pending.username, pending.email) == ("bob", "bob@example.com")
        assert job.args == (pending.id,) and PASSWORD not in pending.password_hash


INVALID_REGISTRATIONS = [
    ("bob", None, "password", None, "password", "most common"),
    ("bob", None, "12345678", None, "password", "most common"),
    ("bob", None, " " * 8, None, "password", "repeated"),
    ("bobby_tables", None, "bobby_tables", None, "password", "username or email"),
    ("bob", None, "bob@example.com", None, "password", "username or email"),
    # (username, email, password, confirm, field in error, message fragment)
    ("ab", None, PASSWORD, None, "username", "3 to 32 characters"),
    ("a" * 33, "long@example.com", PASSWORD, None, "username", "3 to 32 characters"),
    ("bad name", "bad@example.com", PASSWORD, None, "username", "3 to 32 characters"),
    ("bob.smith", None, PASSWORD, None, "username", "3 to 32 characters"),
    ("jürgen", "j@example.com", PASSWORD, None, "username", "3 to 32 characters"),
    ("", "empty@example.com", PASSWORD, None, "username", "required"),
    ("admin", None, PASSWORD, None, "username", "reserved"),
    ("Auth", None, PASSWORD, None, "username", "reserved"),
    ("links", None, PASSWORD, None, "username", "reserved"),
    ("static", None, PASSWORD, None, "username", "reserved"),
    ("api", None, PASSWORD, None, "username", "reserved"),
    ("alice", "other@example.com", PASSWORD, None, "username", "taken"),
    ("ALICE", "other@example.com", PASSWORD, None, "username", "taken"),
    ("bob", "not-an-email", PASSWORD, None, "email", "Invalid email"),
    ("bob", "bob@localhost", PASSWORD, None, "email", "Invalid email"),
    ("bob", "bob@exa\x00mple.com", PASSWORD, None, "email", "not allowed"),
    ("bob", "b" * 250 + "@example.com", PASSWORD, None, "email", "254"),
    ("bob", "", PASSWORD, None, "email", "required"),
    ("bob", None, "short12", None, "password", "at least 8"),
    ("bob", None, "x" * 1025, None, "password", "at most 1024"),
    ("bob", None, "", "", "password", "required"),
    ("bob", None, PASSWORD, PASSWORD + "!", "confirm", "do not match"),
]


@pytest.mark.parametrize(
    "username, email, password, confirm, field, message", INVALID_REGISTRATIONS
)
def test_registration_is_refused(app, client, auth, fake_redis,
                                 username, email, password, confirm, field, message):
    auth.create_user("alice")
    response = register(client, username, email, password, confirm)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    errors = re.search(rf'<label for="{field}">.*?</div>', page, re.S).group(0)
    assert message.lower() in errors.lower()
    assert [user.username for user in users(app)] == ["alice"]
    assert logged_in_user_id(client) is None
    assert email_queue(fake_redis).jobs == []


def test_the_mail_job_is_queued_only_after_the_sign_up_is_committed(app, client, monkeypatch):
    seen_from_another_connection = []
    real_enqueue = mailer.enqueue

    def enqueue_and_look(queue_name, func, *args, **options):
        with db.engine.connect() as other:  # sees only what was committed
            row = other.execute(text("SELECT username FROM pending_registrations WHERE id = :id"),
                                {"id": args[0]}).one_or_none()
        seen_from_another_connection.append((func.rpartition(".")[2], row))
        return real_enqueue(queue_name, func, *args, **options)

    monkeypatch.setattr(mailer, "enqueue", enqueue_and_look)
    assert register(client).status_code == 200
    assert seen_from_another_connection == [("send_registration_email", ("bob",))]


def test_registration_answers_when_redis_is_down(make_app, app, caplog):
    broken = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # the real clients, to a closed port
    response = register(broken.test_client())
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert "could not queue jobs.email.send_registration_email" in caplog.text


def test_register_page_redirects_logged_in_users(client, logged_in):
    response = client.get("/auth/register")
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- login and logout --------------------------------------------------------

@pytest.mark.parametrize("login", ["alice", "ALICE", " alice ", "alice@example.com",
                                   "Alice@Example.com"])
def test_login_with_username_or_email(app, client, auth, login):
    auth.create_user("alice")
    response = auth.login(login)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert is_session_id(logged_in_user_id(client))


@pytest.mark.parametrize("login, password", [("alice", "wrong password"), ("nobody", PASSWORD),
                                             ("nobody@example.com", PASSWORD)])
def test_wrong_credentials_get_one_vague_message(client, auth, login, password):
    auth.create_user("alice")
    response = auth.login(login, password)
    assert response.status_code == 200
    assert "Wrong username, email or password." in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None


@pytest.mark.parametrize("data", [
    {"login": "", "password": ""},
    {"login": "alice\x00", "password": PASSWORD},
    {"login": "x" * 5000, "password": PASSWORD},
    {"login": "alice", "password": "p" * 5000},
    {"login": "alice\r\nX-Injected: 1", "password": PASSWORD},
    {},
])
def test_malformed_login_is_a_form_error_not_a_crash(client, auth, data):
    auth.create_user("alice")
    response = client.post("/auth/login", data=data)
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)


def test_logout_is_post_only(client, logged_in):
    # A GET falls through to the /<username>/<slug> rule ("auth" is a reserved name): 404.
    assert client.get("/auth/logout").status_code == 404
    assert logged_in_user_id(client) is not None
    response = client.post("/auth/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert logged_in_user_id(client) is None


def test_login_page_redirects_logged_in_users(client, logged_in):
    response = client.get("/auth/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_password_change_logs_out_other_sessions(app, auth, logged_in):
    other_device = app.test_client()
    assert AuthActions(app, other_device).login("alice", remember="y").status_code == 302
    assert is_logged_in(auth.client) and is_logged_in(other_device)
    with app.app_context():
        accounts.set_password(db.session.get(User, logged_in), NEW_PASSWORD)
    assert not is_logged_in(auth.client)
    assert not is_logged_in(other_device)
    assert auth.login("alice").status_code == 200
    assert auth.login("alice", NEW_PASSWORD).status_code == 302


def test_remember_cookie_alone_does_not_survive_a_password_change(app, auth, logged_in):
    client = app.test_client()
    assert AuthActions(app, client).login("alice", remember="y").status_code == 302
    with client.session_transaction() as session:
        session.clear()  # the browser was closed: only the remember cookie is left
    assert is_logged_in(client)
    with app.app_context():
        accounts.set_password(db.session.get(User, logged_in), NEW_PASSWORD)
    with client.session_transaction() as session:
        session.clear()
    assert not is_logged_in(client)


# --- where to go after logging in --------------------------------------------

OPEN_REDIRECTS = [
    "//evil.com", "//evil.com/path", "https://evil.com", "http://evil.com/", "/\\evil.com",
    "\\\\evil.com", "/\\/evil.com", "javascript:alert(1)", "JavaScript:alert(1)",
    "data:text/html,hi", "evil.com", " /x", "/\t/evil.com", "/\n/evil.com", "/a\x00b",
    "///evil.com", "https:/evil.com", "ftp://evil.com", "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_to_another_site_goes_to_the_dashboard(client, auth, target):
    auth.create_user("alice")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"login": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/links/new", "/links/3?page=2", "/bob/go#top", "/"])
def test_next_to_a_local_path_is_followed(client, auth, target):
    auth.create_user("alice")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"login": "alice", "password": PASSWORD})
    assert response.headers["Location"] == target


def test_login_form_keeps_only_a_safe_next(client):
    page = client.get("/auth/login?next=/links/new").get_data(as_text=True)
    assert 'action="/auth/login?next=/links/new"' in page
    assert "evil" not in client.get("/auth/login?next=//evil.com").get_data(as_text=True)


@pytest.mark.parametrize("target", OPEN_REDIRECTS + [None, ""])
def test_safe_next_url_refuses_other_sites(target):
    assert safe_next_url(target) is None


def test_login_required_page_comes_back_after_login(client, auth):
    auth.create_user("alice")
    response = client.get("/links/new")
    assert response.status_code == 302
    login_page = response.headers["Location"]
    response = client.post(login_page, data={"login": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/links/new"


# --- CSRF and cookies --------------------------------------------------------

def test_form_post_without_csrf_token_is_refused(make_app):
    app = app_with_alice(make_app, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/auth/login", data={"login": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login",
                           data={"login": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_logout_without_csrf_token_is_refused(make_app):
    app = app_with_alice(make_app, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"login": "alice", "password": PASSWORD, "csrf_token": token})
    assert client.post("/auth/logout").status_code == 400
    assert logged_in_user_id(client) is not None


def cookie_flags(response, name: str) -> set[str]:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return {part.strip().lower() for part in header.split(";")[1:]}


@pytest.mark.parametrize("settings, secure", [
    ({}, False),
    ({"TESTING": False, "APP_ENV": "production", "SECRET_KEY": "s3cret-" * 8}, True),
])
def test_session_and_remember_cookies_are_locked_down(make_app, settings, secure):
    app = app_with_alice(make_app, **settings)
    response = app.test_client().post(
        "/auth/login", data={"login": "alice", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        flags = cookie_flags(response, name)
        assert {"httponly", "samesite=lax"} <= flags
        assert ("secure" in flags) is secure


def test_no_remember_cookie_unless_asked(client, auth):
    auth.create_user("alice")
    response = auth.login("alice")
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_")]


# --- throttling --------------------------------------------------------------

def attempt(client, login, password="wrong password", ip="192.0.2.1"):
    return client.post("/auth/login", data={"login": login, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_failed_logins_are_throttled_per_account_and_network(make_app):
    app = app_with_alice(make_app, RATELIMIT_LOGIN_ACCOUNT="3 per minute", RATELIMIT_LOGIN="100 per minute")
    client = app.test_client()
    for login, ip in [("alice", "192.0.2.1"), ("ALICE", "192.0.2.2"), ("alice@example.com", "192.0.2.3")]:
        assert attempt(client, login, ip=ip).status_code == 200  # one /24, every spelling
    blocked = attempt(client, "Alice@Example.com", PASSWORD, ip="192.0.2.4")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert attempt(client, "bob", ip="192.0.2.4").status_code == 200  # other accounts unaffected
    assert attempt(app.test_client(), "alice", PASSWORD, ip="198.51.100.7").status_code == 302


def test_wrong_passwords_from_many_addresses_do_not_lock_the_owner_out(make_app):
    app = app_with_alice(make_app)  # the default limits: 5 per minute per account and network
    attacker = app.test_client()
    for n in range(1, 6):
        assert attempt(attacker, "alice", ip=f"10.{n}.0.1").status_code == 200
    assert attempt(app.test_client(), "alice", PASSWORD, ip="10.6.0.1").status_code == 302


def test_ipv6_addresses_of_one_network_share_a_bucket(make_app):
    app = app_with_alice(make_app, RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    client = app.test_client()
    assert attempt(client, "alice", ip="2001:db8:1:2::1").status_code == 200
    assert attempt(client, "alice", ip="2001:db8:1:2::ffff").status_code == 200
    assert attempt(client, "alice", PASSWORD, ip="2001:db8:1:2:abcd::9").status_code == 429
    assert attempt(client, "alice", PASSWORD, ip="2001:db8:1:3::1").status_code == 302


def test_a_distributed_attack_slows_the_account_but_not_its_known_devices(make_app):
    app = app_with_alice(make_app, RATELIMIT_LOGIN_ACCOUNT_GLOBAL="4 per hour")
    owners_laptop = app.test_client()
    assert attempt(owners_laptop, "alice", PASSWORD, ip="203.0.113.5").status_code == 302
    owners_laptop.post("/auth/logout")
    attacker = app.test_client()
    for n in range(1, 5):
        assert attempt(attacker, "alice", ip=f"10.{n}.0.1").status_code == 200
    # Past the account's global allowance, a browser never used on it must wait ...
    assert attempt(app.test_client(), "alice", PASSWORD, ip="10.9.0.1").status_code == 429
    # ... while the owner's own browser (its device cookie) still gets in.
    assert attempt(owners_laptop, "alice", PASSWORD, ip="10.9.0.1").status_code == 302


def test_a_device_cookie_of_another_account_or_forged_is_not_trusted(make_app):
    app = app_with_alice(make_app, RATELIMIT_LOGIN_ACCOUNT_GLOBAL="1 per hour")
    AuthActions(app, app.test_client()).create_user("bob")
    bobs_laptop = app.test_client()
    assert attempt(bobs_laptop, "bob", PASSWORD).status_code == 302
    bobs_laptop.post("/auth/logout")
    assert attempt(app.test_client(), "alice", ip="10.1.0.1").status_code == 200
    assert attempt(bobs_laptop, "alice", PASSWORD, ip="10.2.0.1").status_code == 429
    forged = app.test_client()
    forged.set_cookie("login_device", "eyJ1c2VyIjoxfQ.forged", path="/auth/login")
    assert attempt(forged, "alice", PASSWORD, ip="10.3.0.1").status_code == 429


def test_failed_logins_are_throttled_per_ip(make_app):
    app = make_app(RATELIMIT_LOGIN="3 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute")
    client = app.test_client()
    for name in ("amy", "ben", "cid"):  # password spraying: one try per account
        assert attempt(client, name).status_code == 200
    assert attempt(client, "dan").status_code == 429
    assert attempt(client, "dan", ip="198.51.100.7").status_code == 200


def test_successful_logins_do_not_use_up_the_allowance(make_app):
    app = app_with_alice(make_app, RATELIMIT_LOGIN="2 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    client = app.test_client()
    for _ in range(5):
        assert attempt(client, "alice", PASSWORD).status_code == 302
        client.post("/auth/logout")


def test_login_page_views_are_not_counted(make_app):
    app = make_app(RATELIMIT_LOGIN="1 per minute")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/auth/login").status_code == 200


@pytest.fixture
def limiter_trusts_storage(app):
    """Flask-Limiter keeps "storage is down" on the module-level Limiter, across apps:
    start from a trusted storage so the test really goes through Redis, and leave it so.

    (``app`` runs the migrations now: alembic's logging setup would unhook caplog.)
    """
    limiter._storage_dead = False
    yield
    limiter._storage_dead = False


def test_login_works_when_the_rate_limit_storage_is_down(make_app, limiter_trusts_storage,
                                                          caplog):
    app = app_with_alice(make_app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                         RATELIMIT_LOGIN="2 per minute")
    client = app.test_client()
    assert attempt(client, "alice", PASSWORD).status_code == 302
    client.post("/auth/logout")
    assert "falling back to in-memory storage" in caplog.text
    # Throttling goes on, per process, in memory.
    assert attempt(client, "alice").status_code == 200
    assert attempt(client, "alice").status_code == 200
    assert attempt(client, "alice", PASSWORD).status_code == 429
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_login_does_not_hang_when_the_rate_limit_storage_hangs(make_app, limiter_trusts_storage,
                                                               caplog):
    with socket.socket() as black_hole:  # accepts connections, never answers
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(8)
        # No RATELIMIT_STORAGE_OPTIONS here: the default timeouts must do.
        app = app_with_alice(make_app,
                             RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{black_hole.getsockname()[1]}/0")
        started = time.monotonic()
        assert attempt(app.test_client(), "alice", PASSWORD).status_code == 302
        assert time.monotonic() - started < 15  # a hang, not a speed target: the timeouts are 0.25 s
    assert "falling back to in-memory storage" in caplog.text


def test_registrations_are_throttled_per_ip(make_app):
    app = make_app(RATELIMIT_REGISTER="2 per hour")
    client = app.test_client()
    statuses = [
        client.post("/auth/register", data={"username": f"u{n}x", "email": "bad"}).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


# --- server-side sessions ------------------------------------------------------

def saved_cookies(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def replay(app, cookies: dict[str, str]):
    """A fresh browser that presents ``cookies`` (copied earlier by an attacker)."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def test_replayed_session_cookie_is_anonymous_after_logout(app, client, auth, logged_in):
    stolen = saved_cookies(client)
    assert is_logged_in(replay(app, stolen))
    auth.logout()
    assert not is_logged_in(replay(app, stolen))


def test_replayed_remember_cookie_is_anonymous_after_logout(app, client, auth):
    auth.create_user("alice")
    assert auth.login("alice", remember="y").status_code == 302
    stolen = saved_cookies(client)
    only_remember = {"remember_token": stolen["remember_token"]}  # the browser was closed
    assert is_logged_in(replay(app, only_remember))
    auth.logout()
    assert not is_logged_in(replay(app, only_remember))
    assert not is_logged_in(replay(app, stolen))


def test_logout_ends_only_that_device(app, auth, logged_in):
    other_device = app.test_client()
    assert AuthActions(app, other_device).login("alice", remember="y").status_code == 302
    auth.logout()
    assert is_logged_in(other_device)


def test_every_login_gets_a_new_session_id(app, client, auth):
    auth.create_user("alice")
    ids = []
    for _ in range(2):
        auth.login("alice")
        ids.append(logged_in_user_id(client))
        auth.logout()
    assert all(map(is_session_id, ids)) and ids[0] != ids[1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 2


def test_login_records_the_device(app, auth):
    auth.create_user("alice")
    auth.client.post("/auth/login", data={"login": "alice", "password": PASSWORD, "remember": "y"},
                     headers={"User-Agent": DESKTOP_FIREFOX})
    with app.app_context():
        [login] = db.session.scalars(select(UserSession))
    assert (login.remember, login.user_agent, login.revoked_at) == (True, "Firefox on Windows", None)


DESKTOP_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


# --- throttling under concurrency ----------------------------------------------

def test_parallel_wrong_passwords_are_counted_before_they_are_checked(make_app, redis_server,
                                                                       real_redis, monkeypatch):
    app = app_with_alice(make_app, RATELIMIT_STORAGE_URI=redis_server.url,
                         RATELIMIT_LOGIN="10 per minute", RATELIMIT_LOGIN_ACCOUNT="5 per minute")
    checked = []
    real_verify = accounts.verify_password

    def slow_verify(user, password):
        checked.append(password)
        time.sleep(0.3)  # widens the window in which a check-then-count limit lets others in
        return real_verify(user, password)

    monkeypatch.setattr(accounts, "verify_password", slow_verify)
    start = threading.Barrier(24)

    def one_attempt(n: int) -> int:
        client = app.test_client()
        start.wait()
        return attempt(client, "alice", ip="192.0.2.1").status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(one_attempt, range(24)))
    assert len(checked) <= 5
    assert statuses.count(200) == len(checked) and statuses.count(429) == 24 - len(checked)
