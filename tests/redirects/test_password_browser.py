"""A protected link in a real browser (Playwright driving Debian's chromium), with the CSP on.

Chromium enforces ``form-action`` on every hop a form's POST is redirected along, so the right
password must lead off-site some other way than a redirect. Skipped without chromium, as
tests/test_browser.py is.
"""

import pytest
from werkzeug.security import gen_salt

from shortener import create_app
from shortener.accounts.users import create_user, hash_password
from shortener.dev.harness import base_config, counts
from shortener.extensions import db
from tests.conftest import _prepare_schema
from tests.helpers import DESKTOP_CHROME, add_link
from tests.test_browser import ARTIFACTS, Watcher, browser, serve, target_url  # noqa: F401  (fixtures)

LINK_PASSWORD = "open sesame " + gen_salt(8)


@pytest.fixture
def live(sqlite_url, tmp_path, redis_server, real_redis):
    """(app, base URL): werkzeug's server in a thread, CSRF on, clicks stored in the request."""
    config = base_config(sqlite_url, tmp_path)
    config.update(APP_ENV="development", TESTING=False, WTF_CSRF_ENABLED=True, CLICK_TRACKING="sync",
                  REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI=redis_server.url, LOG_LEVEL="WARNING")
    app = create_app(config)
    _prepare_schema(app)
    base_url, stop = serve(app)
    yield app, base_url
    stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def protected_link(app, target: str) -> int:
    with app.app_context():
        owner = create_user("keeper", "keeper@example.com", "a long owner passphrase").id
    return add_link(app, owner, "vault", target, password_hash=hash_password(LINK_PASSWORD))


def test_the_right_password_lands_on_the_target_and_counts_once(browser, live, target_url):  # noqa: F811
    app, base_url = live
    link_id = protected_link(app, target_url)
    watcher = Watcher()
    context = watcher.watch(browser.new_context(user_agent=DESKTOP_CHROME))
    page = context.new_page()
    page.goto(f"{base_url}/keeper/vault")
    assert page.inner_text("h1") == "This link is protected"
    page.fill("input[name=password]", LINK_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(target_url)
    assert page.inner_text("h1") == "Target reached"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "password-target-reached.png")
    # Remembered: straight through next time, and each visit is one click.
    page.goto(f"{base_url}/keeper/vault")
    page.wait_for_url(target_url)
    context.close()
    assert counts(app, link_id) == (2, 2, 2)
    assert watcher.problems == []


def test_a_wrong_password_stays_on_the_form_with_an_error(browser, live, target_url):  # noqa: F811
    app, base_url = live
    link_id = protected_link(app, target_url)
    context = browser.new_context(user_agent=DESKTOP_CHROME)
    page = context.new_page()
    page.goto(f"{base_url}/keeper/vault")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector("#password-errors")
    assert page.url == f"{base_url}/keeper/vault"
    assert "Wrong password." in page.inner_text("#password-errors")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "password-wrong.png")
    context.close()
    assert counts(app, link_id) == (0, 0, 0)
