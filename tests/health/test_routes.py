"""/healthz and /readyz: public, unthrottled, JSON; readiness 503 when a dependency is down."""

import pytest

from shortener import create_app
from shortener.extensions import db
from tests.conftest import base_config, use_redis


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_when_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok", "checks": {"database": {"ok": True}, "redis": {"ok": True}},
    }


def test_readyz_is_200_on_a_real_redis(make_app, redis_server, real_redis):
    app = make_app(REDIS_URL=redis_server.url)
    assert app.test_client().get("/readyz").status_code == 200


def test_readyz_is_503_when_redis_is_unreachable(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"]["ok"] is False


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-directory/for/shortener.db",
    "postgresql://nobody@127.0.0.1:1/nothing",
])
def test_readyz_is_503_when_the_database_is_unreachable(tmp_path, fake_redis, url):
    app = create_app({**base_config(url, tmp_path)})
    use_redis(app, fake_redis)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"]["ok"] is False
    assert checks["redis"] == {"ok": True}
    with app.app_context():
        db.engine.dispose()
