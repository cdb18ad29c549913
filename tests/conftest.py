"""Shared fixtures: the app on SQLite (and PostgreSQL when TEST_DATABASE_URL is
set), a client, a CLI runner, a login helper, fakeredis for fast unit tests,
and a real redis-server of our own for integration tests."""

import os
import sys

import fakeredis
import pytest
import redis
from flask_migrate import upgrade

from shortener import create_app
from shortener.background.redis_clients import CircuitBreaker, RedisState
from shortener.dev.embedded_redis import free_port, start_redis, stop_redis
from shortener.extensions import db
from tests.support.harness import base_config, empty_tables
from tests.support.postgres import throwaway_schema

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "correct horse battery"


# The slowest file first: xdist hands files out in collection order, and a worker that took this
# one last would run alone for its minutes at the end of the suite.
SLOW_FIRST = ("test_bench.py",)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in SLOW_FIRST)  # stable: the rest keep their order


# --- databases -------------------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def postgresql_url():
    """A schema of its own in TEST_DATABASE_URL, so parallel runs never collide."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    with throwaway_schema(base, "test") as url:
        yield url


_migrated: set[str] = set()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request):
    """Each database test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    return request.getfixturevalue(f"{request.param}_url")


# --- redis -----------------------------------------------------------------

class RedisServer:
    """A redis-server process of our own on a free port; safe to flush, stop and restart."""

    def __init__(self, workdir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = str(workdir)
        self.process = None

    def start(self) -> None:
        self.process = start_redis(self.port, self.workdir)

    def stop(self) -> None:
        if self.process is not None:
            stop_redis(self.process)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def real_redis(redis_server):
    """The session's own redis-server, running and empty (it is ours to flush)."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    client = redis_server.client()
    client.flushall()
    yield client
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()  # a test stopped it: bring it back for the next one
    client.flushall()
    client.close()


@pytest.fixture
def fake_redis():
    return fakeredis.FakeRedis(server=fakeredis.FakeServer())


# --- the app ---------------------------------------------------------------

def _prepare_schema(app) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        if url not in _migrated:
            upgrade()
            _migrated.add(url)
        empty_tables()


def use_redis(app, client: redis.Redis) -> None:
    """Point the app's web and worker clients at ``client``."""
    app.extensions["redis"] = RedisState(
        web=client, worker=client, breaker=CircuitBreaker(app.config["REDIS_BREAKER_SECONDS"])
    )


@pytest.fixture
def make_app(database_url, tmp_path, fake_redis):
    """Build an app with config overrides, on the parametrized database and fakeredis."""
    apps = []

    def factory(**overrides):
        config = base_config(database_url, tmp_path)
        config.update(overrides)
        app = create_app(config)
        if "REDIS_URL" not in overrides:
            use_redis(app, fake_redis)
        _prepare_schema(app)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        state = app.extensions["redis"]
        state.web.close()
        state.worker.close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Create users directly and log in through the real login form."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def create_user(self, username="alice", email=None, password=PASSWORD, admin=False):
        from shortener.accounts.users import create_user, set_admin

        with self.app.app_context():
            user = create_user(username, email or f"{username}@example.com", password)
            if admin:
                set_admin(user, True)
            return user.id

    def login(self, login="alice", password=PASSWORD, **extra):
        return self.client.post("/auth/login", data={"login": login, "password": password, **extra})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)


@pytest.fixture
def logged_in(auth):
    """A user 'alice', logged in on ``client``; returns the user id."""
    user_id = auth.create_user("alice")
    response = auth.login("alice")
    assert response.status_code == 302, response.get_data(as_text=True)
    return user_id


# --- subprocesses ----------------------------------------------------------

def subprocess_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "CLICK_"))}
    env.update({"PYTHONPATH": PROJECT_ROOT, "SECRET_KEY": "test-secret-key-" + "x" * 32})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def python_bin(name: str) -> str:
    """A console script of this virtualenv (rq, rqscheduler, flask, gunicorn)."""
    return os.path.join(os.path.dirname(sys.executable), name)
