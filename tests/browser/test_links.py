"""Links as people use them, at both widths: create one of each kind through the form, visit each
from a second browser (password right and wrong, click limit reached, scheduled, expired, QR code,
query forwarding, redirect type), the stats page for every range, CSV export then import."""

from datetime import timedelta

import pytest

from shortener.background.worker import InProcessWorker
from shortener.links.service import LinkOptions, create_link
from shortener.timeutil import utcnow
from tests.browser.conftest import page_of, path_of, signed_in
from tests.helpers import DESKTOP_CHROME

LINK_PASSWORD = "open sesame please"


@pytest.fixture(scope="module")
def owner(live, checker, viewport):
    username = f"owner{viewport}"
    user_id, context = signed_in(checker, username)
    yield username, user_id, context
    context.close()


@pytest.fixture(scope="module")
def seeded(live, owner, target_url):
    """One link of each kind, made with the app's own domain function (creating is tested below)."""
    _username, user_id, _context = owner
    now = utcnow().replace(microsecond=0)
    kinds = {
        "plain": {},
        "locked": {"options": LinkOptions(password=LINK_PASSWORD)},
        "limited": {"options": LinkOptions(click_limit=1)},
        "scheduled": {"options": LinkOptions(starts_at=now + timedelta(days=1))},
        "expired": {"expires_at": now - timedelta(minutes=1)},
        "forwarding": {"options": LinkOptions(forward_query=True)},
        "moved": {"options": LinkOptions(redirect_code=301)},
        "temporary": {"options": LinkOptions(redirect_code=307)},
        "shared": {"options": LinkOptions(public_stats=True)},
    }
    with live.app.app_context():
        return {slug: create_link(user_id, target_url, slug=slug, **fields).id
                for slug, fields in kinds.items()}


@pytest.fixture
def owner_page(owner):
    yield from page_of(owner[2])


@pytest.fixture
def visitor(checker):
    """A second person: a browser context of their own, a desktop Chrome."""
    context = checker.new_context(user_agent=DESKTOP_CHROME)
    yield context.new_page()
    context.close()


def short(live, owner, slug: str) -> str:
    return f"{live.url}/{owner[0]}/{slug}"


# --- creating, one kind of link at a time -------------------------------------------------------

def _in(days=0, minutes=0) -> str:
    return (utcnow() + timedelta(days=days, minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


# Times are callables: the module is collected long before its tests run.
CREATIONS = {
    "slug": ({"slug": "made-by-hand"}, "made-by-hand"),
    "title": ({"title": "A page with a title"}, "A page with a title"),
    "click-limit": ({"click_limit": "5"}, "0 / 5 clicks"),
    "password": ({"password": LINK_PASSWORD}, "password protected"),
    "scheduled": ({"starts_at": lambda: _in(days=2)}, "Scheduled"),
    "expiring": ({"expires_at": lambda: _in(minutes=10)}, "expires"),
    "redirect-code": ({"redirect_code": "307"}, "307 redirect"),
    "forward-query": ({"forward_query": True}, "forwards the query"),
    "public-stats": ({"public_stats": True}, "/+stats"),
}


@pytest.mark.parametrize("kind", list(CREATIONS))
def test_create_each_kind_of_link_through_the_form(checker, live, owner_page, target_url, kind):
    fields, shown = CREATIONS[kind]
    page = owner_page
    page.goto(f"{live.url}/links/new")
    if kind == next(iter(CREATIONS)):  # the empty form is the same page every time
        checker.check_page(page, "new-link-form")
    page.fill("input[name=target_url]", target_url)
    for name, value in fields.items():
        value = value() if callable(value) else value
        if value is True:
            page.check(f"input[name={name}]")
        elif name == "redirect_code":
            page.select_option(f"select[name={name}]", value)
        else:
            page.fill(f"[name={name}]", value)
    page.click("form.card [type=submit]")
    page.wait_for_url("**/links/*")
    assert shown in page.inner_text("main")
    checker.check_page(page, f"created-{kind}")


def test_an_expiry_in_the_past_is_a_form_error(checker, live, owner_page, target_url):
    page = owner_page
    page.goto(f"{live.url}/links/new")
    page.fill("input[name=target_url]", target_url)
    page.fill("input[name=expires_at]", _in(minutes=-5))
    page.click("form.card [type=submit]")
    assert page.locator(".error").count() >= 1
    checker.check_page(page, "new-link-past-expiry")


# --- visiting, as a second person ---------------------------------------------------------------

def test_a_plain_link_leads_to_its_target(checker, live, owner, seeded, visitor, target_url):
    visitor.goto(short(live, owner, "plain"))
    assert visitor.url == target_url
    checker.check_page(visitor, "visit-target")


def test_a_password_link_refuses_a_wrong_password_then_lets_the_right_one_through(
        checker, live, owner, seeded, visitor, target_url):
    visitor.goto(short(live, owner, "locked"))
    checker.check_page(visitor, "visit-password")
    visitor.fill("input[name=password]", "not the password")
    visitor.click("main form [type=submit]")
    assert "Wrong password." in visitor.inner_text("main")
    checker.check_page(visitor, "visit-password-wrong", status=403)
    visitor.fill("input[name=password]", LINK_PASSWORD)
    visitor.click("main form [type=submit]")
    visitor.wait_for_url(target_url, timeout=3000)
    checker.check_page(visitor, "visit-password-target")


def test_a_link_past_its_click_limit_answers_410(checker, live, owner, seeded, visitor, target_url):
    visitor.goto(short(live, owner, "limited"))
    assert visitor.url == target_url
    visitor.goto(short(live, owner, "limited"))
    assert "reached its limit" in visitor.inner_text("h1")
    checker.check_page(visitor, "visit-limit-reached", status=410)


@pytest.mark.parametrize("slug", ["scheduled", "expired"])
def test_a_scheduled_or_expired_link_answers_404(checker, live, owner, seeded, visitor, slug):
    visitor.goto(short(live, owner, slug))
    assert "does not exist" in visitor.inner_text("h1")
    checker.check_page(visitor, f"visit-{slug}", status=404)


def test_an_unknown_link_answers_404(checker, live, owner, visitor):
    visitor.goto(short(live, owner, "no-such-link"))
    checker.check_page(visitor, "visit-unknown", status=404)


def test_the_query_is_forwarded(checker, live, owner, seeded, visitor, target_url):
    visitor.goto(short(live, owner, "forwarding") + "?utm_source=news&ref=browser")
    assert path_of(visitor.url) == "/landing"
    assert visitor.inner_text("#query") == "ref=browser\nutm_source=news"
    checker.check_page(visitor, "visit-forwarded")


@pytest.mark.parametrize(("slug", "code"), [("plain", 302), ("moved", 301), ("temporary", 307)])
def test_each_redirect_type_is_answered(checker, live, owner, seeded, visitor, target_url, slug, code):
    response = visitor.goto(short(live, owner, slug))
    assert visitor.url == target_url
    assert response.request.redirected_from.response().status == code


def test_the_qr_code_is_shown_downloadable_and_scans_to_the_target(
        checker, live, owner, owner_page, seeded, visitor, target_url):
    page = owner_page
    page.goto(f"{live.url}/links/{seeded['plain']}/qr.svg")
    checker.check_page(page, "qr-svg")
    page.goto(f"{live.url}/links/{seeded['plain']}")
    with page.expect_download() as download:
        page.click("text=Download PNG")
    assert download.value.suggested_filename == "plain-qr.png"
    visitor.goto(short(live, owner, "plain") + "/q")
    assert visitor.url == target_url


# --- the owner's pages --------------------------------------------------------------------------

@pytest.mark.parametrize("range_name", ["24h", "7d", "30d", "90d", "all"])
def test_the_stats_page_for_each_range(checker, live, owner, owner_page, seeded, visitor, range_name):
    visitor.goto(short(live, owner, "plain"))  # one more click, seen at once (sync tracking)
    page = owner_page
    page.goto(f"{live.url}/links/{seeded['plain']}?range={range_name}")
    assert page.locator("nav.range-picker [aria-current=page]").get_attribute("href").endswith(range_name)
    assert int(page.inner_text("[data-stat=total]")) >= 1
    checker.check_page(page, f"stats-{range_name}")


@pytest.mark.parametrize("range_name", ["24h", "all"])
def test_a_public_stats_page_shows_anyone_the_totals(checker, live, owner, seeded, visitor, range_name):
    visitor.goto(short(live, owner, "shared"))  # a click, seen at once (sync tracking)
    visitor.goto(f"{short(live, owner, 'shared')}/+stats?range={range_name}")
    assert int(visitor.inner_text("[data-stat=total]")) >= 1
    assert "Recent clicks" not in visitor.inner_text("main")  # never a single click
    checker.check_page(visitor, f"public-stats-{range_name}")
    visitor.goto(f"{short(live, owner, 'plain')}/+stats")  # not shared: as if it did not exist
    checker.check_page(visitor, "public-stats-not-shared", status=404)


def test_the_dashboard_lists_the_links(checker, live, owner_page, seeded):
    page = owner_page
    page.goto(f"{live.url}/")
    assert "plain" in page.inner_text("main")
    checker.check_page(page, "dashboard")


def test_the_csv_export_imports_back(checker, live, owner_page, seeded, redis_server, tmp_path):
    page = owner_page
    page.goto(f"{live.url}/")
    with page.expect_download() as download:
        page.click("text=Export CSV")
    exported = tmp_path / "links.csv"
    download.value.save_as(exported)
    assert "plain" in exported.read_text()

    page.click("text=Import CSV")
    page.wait_for_url("**/links/import")
    checker.check_page(page, "import-form")
    page.set_input_files("input[name=file]", exported)
    page.click("main form [type=submit]")
    page.wait_for_url("**/imports/*")
    checker.check_page(page, "import-queued")
    with live.app.app_context():
        InProcessWorker(["imports"], connection=redis_server.client()).work(burst=True)
    page.reload()
    assert page.get_attribute("[data-status]", "data-status") == "done"
    assert page.inner_text("[data-count=rejected]") == "0"
    rows = int(page.inner_text("[data-count=processed]"))
    assert rows >= len(seeded) and page.inner_text("[data-count=skipped]") == str(rows)  # all there
    checker.check_page(page, "import-done")


def test_the_edit_and_delete_pages(checker, live, owner_page, seeded):
    page = owner_page
    page.goto(f"{live.url}/links/{seeded['moved']}/edit")
    checker.check_page(page, "edit-link")
    page.goto(f"{live.url}/links/{seeded['moved']}/delete")
    checker.check_page(page, "delete-link")
