"""shortener/errors.py: error pages, here the 413 of a body past MAX_CONTENT_LENGTH."""

import io

import pytest

from tests.helpers import register
from tests.support import procfile

BIG = "x" * (70 * 1024)


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/auth/forgot-password"])
def test_a_body_past_the_limit_is_refused_with_a_friendly_413(client, path):
    response = client.post(path, data={"login": BIG, "password": "x"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Too large" in page and "64 KB" in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_logged_in_posts_are_bounded_too(client, logged_in):
    response = client.post("/links/new", data={"target_url": "https://example.com/", "title": BIG})
    assert response.status_code == 413


def test_the_413_is_json_for_clients_that_ask(client):
    response = client.post("/auth/login", data={"login": BIG}, headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "Too large"


def test_a_body_of_unstated_length_is_bounded_as_well(client):
    body = ("login=" + BIG).encode()
    response = client.post("/auth/login", input_stream=io.BytesIO(body),
                           content_type="application/x-www-form-urlencoded",
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413


def test_ordinary_forms_fit_under_the_limit(client):
    assert register(client, "bob").status_code == 200


def test_the_limit_is_a_setting(make_app):
    app = make_app(MAX_CONTENT_LENGTH=200 * 1024)
    assert app.test_client().post("/auth/login", data={"login": BIG}).status_code == 200


def test_gunicorn_bounds_how_long_a_worker_and_a_connection_may_hang():
    args = procfile.argv("web", {"HOST": "127.0.0.1", "PORT": "5001"})
    for option in ("--timeout", "--graceful-timeout", "--keep-alive"):
        assert option in args, option
        assert 0 < int(args[args.index(option) + 1]) <= 60


def test_the_413_comes_before_the_csrf_check(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert client.post("/auth/login", data={"login": BIG}).status_code == 413
