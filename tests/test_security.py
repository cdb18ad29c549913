"""Security headers: every route of the URL map, anonymous and logged in; the redirect's own few."""

import re
from pathlib import Path

import pytest
from werkzeug.routing import IntegerConverter

from shortener.accounts.users import find_by_username, hash_password, set_admin
from shortener.admin.routes import CONTENT_SECURITY_POLICY as ADMIN_CSP
from shortener.admin.routes import DASHBOARD_CSP
from tests.conftest import PROJECT_ROOT, AuthActions
from tests.helpers import add_link, issue_token

STRICT_DIRECTIVES = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                     "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'")
# Plausible values for the URL map's variables, by name (rq-dashboard's included).
SAMPLE_VALUES = {"filename": "style.css", "username": "boss", "slug": "abc", "queue_name": "clicks",
                 "registry_name": "queued", "order": "asc", "per_page": "10", "page": "1", "job_id": "x",
                 "kind": "svg"}


@pytest.fixture
def app(make_app, redis_server, real_redis):
    # A real Redis: the admin's rq-dashboard pages read it.
    return make_app(REDIS_URL=redis_server.url, APP_ENV="production")


def get_urls(app, link_id: int, token: str) -> list[str]:
    """One URL per GET rule of the URL map, its variables filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = {}
        for name, converter in rule._converters.items():
            if name == "link_id":
                values[name] = link_id
            elif name == "token":
                values[name] = token
            else:
                # Instance 0: rq-dashboard's only one (1 is a 404 now, not a LookupError's 500).
                values[name] = 0 if isinstance(converter, IntegerConverter) else SAMPLE_VALUES[name]
        urls.append(rule.build(values, append_unknown=False)[1])
    return urls


def page_headers_problems(response) -> list[str]:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    problems = [] if policy == ADMIN_CSP else [  # the admin's own is stricter still
        f"CSP lacks {d}" for d in STRICT_DIRECTIVES if d not in policy.split("; ")]
    if "unsafe-inline" in policy:
        problems.append("CSP allows unsafe-inline")
    expected = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                "Strict-Transport-Security": "max-age=31536000"}
    problems += [f"{name}: {headers.get(name)!r}" for name, value in expected.items()
                 if headers.get(name) != value]
    if headers.get("Referrer-Policy") not in ("strict-origin-when-cross-origin", "no-referrer"):
        problems.append(f"Referrer-Policy: {headers.get('Referrer-Policy')!r}")
    return problems


def log_in(app, client, auth, who: str) -> int:
    user_id = auth.create_user("boss")
    if who == "admin":
        with app.app_context():
            set_admin(find_by_username("boss"), True)
    if who != "anonymous":
        assert auth.login("boss").status_code == 302
    return user_id


@pytest.mark.parametrize("who", ["anonymous", "user", "admin"])
def test_every_route_carries_the_security_headers(app, client, auth, who):
    user_id = log_in(app, client, auth, who)
    link_id = add_link(app, user_id, slug="abc")
    token = issue_token(app, user_id)
    checked = 0
    for url in get_urls(app, link_id, token):
        with client.get(url) as response:
            pass
        assert response.status_code < 500, (url, response.status_code)
        if url in ("/boss/abc", "/boss/abc/", "/boss/abc/q"):
            continue  # the redirect and its QR code twin: their own few headers (below)
        checked += 1
        if url.startswith("/admin/rq") and who == "admin" and response.status_code < 400:
            continue  # rq-dashboard: its own looser policy (test below)
        assert page_headers_problems(response) == [], (url, response.status_code)
        if who != "anonymous" and response.mimetype == "text/html":
            # Pages; static files and the owner's QR images keep their own (private) caching.
            assert response.headers["Cache-Control"] == "no-store", url
    assert checked >= 25


def test_logged_in_pages_are_not_stored(client, auth):
    log_in(client.application, client, auth, "user")
    for url in ("/", "/links/new"):
        assert client.get(url).headers["Cache-Control"] == "no-store"


def test_error_pages_and_posts_carry_the_headers_too(app, client, auth):
    auth.create_user("boss")
    assert page_headers_problems(auth.login("boss", "wrong password")) == []
    assert page_headers_problems(client.get("/no/such/page/here")) == []
    assert page_headers_problems(client.post("/healthz")) == []  # 405


def test_the_reset_pages_keep_no_referrer(app, client, auth):
    token = issue_token(app, auth.create_user("boss"))
    assert client.get(f"/auth/reset-password/{token}").headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/auth/reset-password/bogus").headers["Referrer-Policy"] == "no-referrer"


def test_the_admin_pages_keep_their_stricter_policy(app, client, auth):
    log_in(app, client, auth, "admin")
    assert client.get("/admin/status").headers["Content-Security-Policy"] == ADMIN_CSP


def test_a_strangers_404_under_admin_looks_like_any_other_404(app, client, auth):
    log_in(app, client, auth, "user")
    headers = client.get("/admin/status").headers
    assert headers["Content-Security-Policy"] == client.get("/nothing/here/at-all").headers[
        "Content-Security-Policy"]


def test_the_rq_dashboard_keeps_its_own_policy(app, client, auth):
    log_in(app, client, auth, "admin")
    response = client.get("/admin/rq/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == DASHBOARD_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_redirect_sends_only_its_own_few_headers(app, client, auth):
    add_link(app, auth.create_user("boss"), slug="abc")
    response = client.get("/boss/abc")
    assert response.status_code == 302
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Content-Security-Policy" not in response.headers  # nothing to render: no policy to parse


def test_the_redirects_404_page_is_a_page_like_the_others(app, client):
    response = client.get("/nobody/nothing")
    assert response.status_code == 404
    assert page_headers_problems(response) == []


@pytest.mark.parametrize("env, sent", [("production", True), ("development", False)])
def test_hsts_only_in_production(make_app, env, sent):
    app = make_app(APP_ENV=env)
    response = app.test_client().get("/auth/login")
    assert ("Strict-Transport-Security" in response.headers) is sent


@pytest.mark.parametrize("env, sent", [("production", True), ("development", False)])
def test_hsts_on_the_redirects_too_in_production(make_app, env, sent):
    # For most visitors a redirect is the only response they ever get from us.
    app = make_app(APP_ENV=env, SECRET_KEY="k" * 32)
    owner = AuthActions(app, None).create_user("boss")
    for code in (301, 302, 307, 308):
        add_link(app, owner, slug=f"r{code}", redirect_code=code)
    add_link(app, owner, slug="gone", click_limit=1, click_count=1)
    add_link(app, owner, slug="locked", password_hash=hash_password("open sesame"))
    client = app.test_client()
    responses = {path: client.get(path) for path in
                 ("/boss/r301", "/boss/r302", "/boss/r307", "/boss/r308", "/boss/r302/q", "/boss/r302/",
                  "/boss/gone", "/boss/locked", "/boss/missing")}
    responses["right password"] = client.post("/boss/locked", data={"password": "open sesame"})
    assert [response.status_code for response in responses.values()] == [
        301, 302, 307, 308, 302, 308, 410, 200, 404, 200]
    for what, response in responses.items():
        assert (response.headers.get("Strict-Transport-Security") == "max-age=31536000") is sent, what


TEMPLATES = Path(PROJECT_ROOT, "templates")
INLINE = re.compile(r"""\sstyle\s*=|<script(?![^>]*\ssrc=)|\son[a-z]+\s*=|javascript:""", re.IGNORECASE)


# Not rq_dashboard/: overrides of rq-dashboard's own pages, which run under its own policy.
@pytest.mark.parametrize("path", sorted(p for p in TEMPLATES.rglob("*.html")
                                        if not {"email", "rq_dashboard"} & set(p.parts)),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_style_or_script(path):
    # Mail clients need inline styles; the web pages run under a CSP without 'unsafe-inline'.
    assert INLINE.findall(path.read_text()) == []
