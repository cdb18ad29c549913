"""The visual pass, in a real browser (Debian's chromium through Playwright, the CSP on): at a
phone's 390 px nothing scrolls sideways, the dashboard cuts long targets to a line, recent clicks
keep their values readable; dark mode follows the system; every page has its icon.

Skipped, as the rest of tests/browser is, where no chromium is installed.
"""

from datetime import timedelta

import pytest

from shortener import create_app
from shortener.accounts.users import create_user
from shortener.clicks.events import new_event
from shortener.clicks.storage import save_clicks
from shortener.extensions import db
from shortener.links.models import Link
from shortener.timeutil import utcnow
from tests.browser.conftest import PASSWORD
from tests.conftest import _prepare_schema
from tests.helpers import serve
from tests.support.harness import base_config

PHONE = {"width": 390, "height": 844}
LONG_TARGET = "https://example.com/" + "/".join(["a-rather-long-path-segment"] * 8) + "?utm_source=newsletter"
AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 "
         "Safari/604.1")


@pytest.fixture
def seeded(sqlite_url, tmp_path, redis_server, real_redis):
    """The app served for real (as tests/browser/conftest.py does), with a user, a long link and clicks."""
    config = base_config(sqlite_url, tmp_path)
    config.update(APP_ENV="development", TESTING=False, WTF_CSRF_ENABLED=True, CLICK_TRACKING="sync",
                  REDIS_URL=redis_server.url, BASE_URL=None, LOG_LEVEL="WARNING")
    app = create_app(config)
    _prepare_schema(app)
    base_url, stop = serve(app)
    with app.app_context():
        user = create_user("viewer", "viewer@example.com", PASSWORD)
        link = Link(owner_id=user.id, slug="long", target_url=LONG_TARGET, title="A long one")
        db.session.add(link)
        db.session.commit()
        now = utcnow()
        save_clicks([new_event(link.id, now - timedelta(minutes=m), "https://news.example/item?id=1", AGENT,
                               "81.2.69.1") for m in range(5)])
        link_id = link.id
    yield base_url, link_id
    stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def logged_in_page(browser, base_url, **context):  # noqa: F811  (the fixture's name)
    page = browser.new_context(**context).new_page()
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=login]", "viewer")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_nothing_scrolls_sideways_on_a_phone(browser, seeded):  # noqa: F811
    base_url, link_id = seeded
    page = logged_in_page(browser, base_url, viewport=PHONE)
    for path in ("/", f"/links/{link_id}", f"/links/{link_id}?range=all", "/settings/tokens", "/api/v1/docs",
                 f"/links/{link_id}/edit"):
        page.goto(base_url + path)
        assert scroll_width(page) <= PHONE["width"], path


def test_the_dashboard_cuts_a_long_target_to_one_line_on_a_phone(browser, seeded):  # noqa: F811
    base_url, _link_id = seeded
    page = logged_in_page(browser, base_url, viewport=PHONE)
    target = page.locator("table.dashboard .target")
    assert target.get_attribute("title") == LONG_TARGET
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.target')).lineHeight)")
    assert target.bounding_box()["height"] <= line * 1.5
    assert page.locator("table.dashboard tr").nth(1).bounding_box()["height"] < 160


def test_the_link_page_on_a_phone_shows_numbers_first_and_clicks_as_lines(browser, seeded):  # noqa: F811
    base_url, link_id = seeded
    page = logged_in_page(browser, base_url, viewport=PHONE)
    page.goto(f"{base_url}/links/{link_id}")
    numbers = page.locator("[data-stat=humans]").bounding_box()["y"]
    assert numbers < page.locator("section.qr").bounding_box()["y"]
    assert numbers < PHONE["height"]  # on the first screen
    assert page.locator("svg.chart-narrow").is_visible() and not page.locator("svg.chart-wide").is_visible()
    row = page.locator("table.clicks tbody tr").first
    for cell in ("Mobile Safari", "iOS", "mobile", "GB"):
        assert cell in row.inner_text()
    assert row.bounding_box()["height"] < 120


def test_dark_mode_follows_the_system(browser, seeded):  # noqa: F811
    base_url, _link_id = seeded
    background = "getComputedStyle(document.body).backgroundColor"
    light = logged_in_page(browser, base_url, color_scheme="light")
    dark = logged_in_page(browser, base_url, color_scheme="dark")
    assert light.evaluate(background) == "rgb(246, 247, 249)"
    assert dark.evaluate(background) == "rgb(15, 20, 32)"


def test_every_page_finds_its_icon(browser, seeded):  # noqa: F811
    base_url, _link_id = seeded
    page = logged_in_page(browser, base_url)
    icons = page.eval_on_selector_all("link[rel=icon]", "links => links.map(link => link.href)")
    assert len(icons) == 2
    for href in [*icons, f"{base_url}/favicon.ico"]:  # browsers ask for /favicon.ico whatever the page says
        assert page.request.get(href).status == 200, href
