"""shortener/links/routes.py: the dashboard and the pages to create, edit and delete links."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from shortener.clicks import export
from shortener.clicks.events import new_event
from shortener.clicks.storage import store_clicks
from shortener.config import from_environ
from shortener.extensions import db
from shortener.links import slugs
from shortener.links.models import Link
from shortener.timeutil import utcnow
from tests.helpers import DESKTOP_CHROME, IPHONE, SLACKBOT, add_link, csrf_token, sign_in

LINK_PAGES = ["/links/{id}", "/links/{id}/edit", "/links/{id}/delete"]


def get_link(app, link_id) -> Link | None:
    with app.app_context():
        link = db.session.get(Link, link_id)
        if link is not None:
            db.session.expunge(link)
        return link


def links_of(app, owner_id) -> list[Link]:
    with app.app_context():
        found = list(db.session.scalars(select(Link).where(Link.owner_id == owner_id)))
        db.session.expunge_all()
        return found


def page_text(response) -> str:
    return response.get_data(as_text=True)


# --- landing and login --------------------------------------------------------

def test_anonymous_home_is_a_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200
    html = page_text(response)
    assert 'href="/auth/register"' in html and 'href="/auth/login"' in html
    assert "Your links" not in html


@pytest.mark.parametrize("path", ["/links/new", *[p.format(id=1) for p in LINK_PAGES]])
def test_link_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


# --- create -------------------------------------------------------------------

def test_create_form_shows_the_short_url_prefix(client, logged_in):
    html = page_text(client.get("/links/new"))
    assert "http://sho.rt.test/alice/" in html
    assert 'name="target_url"' in html and 'name="slug"' in html


def test_create_with_custom_slug(app, client, logged_in):
    response = client.post("/links/new", data={
        "target_url": "  https://Example.COM./docs  ", "slug": "docs", "title": "Docs",
    })
    [link] = links_of(app, logged_in)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/links/{link.id}"
    assert (link.slug, link.target_url, link.title) == ("docs", "https://example.com/docs", "Docs")
    assert link.is_active and link.expires_at is None
    detail = page_text(client.get(response.headers["Location"]))
    assert "Short link created: http://sho.rt.test/alice/docs" in detail


def test_create_with_random_slug(app, client, logged_in):
    response = client.post("/links/new", data={"target_url": "https://example.com/"})
    assert response.status_code == 302
    [link] = links_of(app, logged_in)
    assert re.fullmatch(r"[A-Za-z0-9]{7}", link.slug)
    assert link.title is None


def test_created_link_redirects(app, client, logged_in):
    client.post("/links/new", data={"target_url": "https://example.com/landing", "slug": "go"})
    response = client.get("/alice/go")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.com/landing"


def test_random_slug_collision_is_retried(app, client, logged_in, monkeypatch):
    add_link(app, logged_in, slug="Taken00")
    proposals = iter(["Taken00", "Fresh00"])
    monkeypatch.setattr(slugs, "random_slug", lambda: next(proposals))
    response = client.post("/links/new", data={"target_url": "https://example.com/"})
    assert response.status_code == 302
    assert sorted(link.slug for link in links_of(app, logged_in)) == ["Fresh00", "Taken00"]


def test_duplicate_custom_slug_is_a_form_error(app, client, logged_in):
    add_link(app, logged_in, slug="docs", target="https://example.com/old")
    data = {"target_url": "https://example.com/new", "slug": "docs"}
    response = client.post("/links/new", data=data)
    assert response.status_code == 200
    assert "You already have a link at /docs" in page_text(response)
    assert [link.target_url for link in links_of(app, logged_in)] == ["https://example.com/old"]


def test_same_slug_in_another_case_is_the_same_link(app, client, logged_in):
    add_link(app, logged_in, slug="docs")
    data = {"target_url": "https://example.com/", "slug": "Docs"}
    response = client.post("/links/new", data=data)
    assert response.status_code == 200
    assert "You already have a link at /Docs" in page_text(response)
    assert len(links_of(app, logged_in)) == 1


def test_a_link_is_followed_whatever_the_case_of_its_slug(app, client, logged_in):
    add_link(app, logged_in, slug="Launch", target="https://example.com/launch")
    for path in ("/alice/Launch", "/alice/launch", "/ALICE/LAUNCH"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "https://example.com/launch"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target_url": ""}, "Enter the address to shorten."),
        ({"target_url": "javascript:alert(1)"}, "Only http:// and https://"),
        ({"target_url": "data:text/html,hi"}, "Only http:// and https://"),
        ({"target_url": "http://user@"}, "needs a host name"),
        ({"target_url": "https://example.com/" + "a" * 2100}, "too long"),
        ({"target_url": "https://SHO.RT.TEST./alice/x"}, "this site"),
        ({"target_url": "http://localhost/alice/x"}, "this site"),  # the request's host
        ({"target_url": "https://example.com/", "slug": "has space"}, "Use 1 to 64 characters"),
        ({"target_url": "https://example.com/", "slug": "x" * 65}, "Use 1 to 64 characters"),
        ({"target_url": "https://example.com/", "title": "t" * 201}, "200 characters"),
        ({"target_url": "https://example.com/", "title": "a\x00b"}, "control characters"),
        ({"target_url": "https://example.com/", "expires_at": "2001-01-01T00:00"}, "future"),
        ({"target_url": "https://example.com/", "expires_at": "soon"}, "Not a valid datetime"),
    ],
)
def test_bad_input_is_a_form_error(app, client, logged_in, data, message):
    response = client.post("/links/new", data=data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert links_of(app, logged_in) == []


def test_create_with_expiry(app, client, logged_in):
    expires = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    client.post("/links/new", data={
        "target_url": "https://example.com/", "expires_at": expires.strftime("%Y-%m-%dT%H:%M"),
    })
    [link] = links_of(app, logged_in)
    assert link.expires_at == expires


# --- dashboard ----------------------------------------------------------------

def test_dashboard_lists_newest_first_with_pagination(app, client, logged_in):
    app.config["LINKS_PER_PAGE"] = 2
    start = datetime(2026, 1, 1)
    for day, slug in enumerate(["first", "second", "third"]):
        add_link(app, logged_in, slug=slug, created_at=start + timedelta(days=day))
    page1, page2 = page_text(client.get("/")), page_text(client.get("/?page=2"))
    assert page1.index("/alice/third") < page1.index("/alice/second")
    assert "/alice/first" not in page1 and "Page 1 of 2" in page1
    assert "/alice/first" in page2 and "/alice/third" not in page2
    assert 'href="/?page=2"' in page1 and 'href="/?page=1"' in page2


def test_dashboard_page_past_the_end_is_empty_not_an_error(client, logged_in):
    response = client.get("/?page=99")
    assert response.status_code == 200
    assert "no links on this page" in page_text(response)


def test_dashboard_shows_links_with_counts_badges_and_copy_buttons(app, client, logged_in):
    add_link(app, logged_in, slug="live", title="Live one", click_count=1234)
    add_link(app, logged_in, slug="off", is_active=False)
    add_link(app, logged_in, slug="old", expires_at=utcnow() - timedelta(days=1))
    html = page_text(client.get("/"))
    assert "Live one" in html and "1,234" in html
    assert 'data-copy="http://sho.rt.test/alice/live"' in html
    assert "https://example.com/" in html
    assert html.count("badge active") == 1
    assert "Inactive" in html and "Expired" in html


def test_dashboard_shows_only_my_links(app, client, auth, logged_in):
    bob_id = auth.create_user("bob")
    add_link(app, bob_id, slug="bobs")
    add_link(app, logged_in, slug="mine")
    html = page_text(client.get("/"))
    assert "/alice/mine" in html and "bobs" not in html


def test_dashboard_searches_and_sorts_and_keeps_both_across_pages(app, client, logged_in):
    app.config["LINKS_PER_PAGE"] = 1
    add_link(app, logged_in, slug="promo-a", click_count=1, created_at=datetime(2026, 1, 2))
    add_link(app, logged_in, slug="promo-b", click_count=9, created_at=datetime(2026, 1, 1))
    add_link(app, logged_in, slug="other")
    html = page_text(client.get("/?q=promo&sort=clicks"))
    assert "/alice/promo-b" in html and "promo-a" not in html and "/alice/other" not in html
    assert 'value="promo"' in html and '<option value="clicks" selected>' in html
    assert 'href="/?page=2&amp;q=promo&amp;sort=clicks"' in html
    assert "/alice/promo-a" in page_text(client.get("/?q=promo&sort=clicks&page=2"))


def test_dashboard_says_when_nothing_matches(app, client, logged_in):
    add_link(app, logged_in, slug="mine")
    assert "No link matches" in page_text(client.get("/?q=zzz"))


@pytest.mark.parametrize("args", [
    "q=%00", "q=" + "x" * 5000, "q=%25%5F%5C", "q=%E2%80%AE%F0%9F%98%80", "sort=bogus", "sort=",
    "sort=clicks&sort=recent", "q=a&q=b", "page=-1&sort=recent&q=x", "q=%ff%fe",
])
def test_any_search_or_sort_answers_without_an_error(app, client, logged_in, args):
    add_link(app, logged_in, slug="mine")
    assert client.get(f"/?{args}").status_code == 200
    assert client.get(f"/links.csv?{args}").status_code == 200


def test_dashboard_shows_sparklines_and_the_totals_of_humans(app, client, logged_in, auth):
    link_id = add_link(app, logged_in, slug="launch")
    theirs = add_link(app, auth.create_user("bob"), slug="bobs")
    now = utcnow()
    store_events(app, [new_event(link_id, now, None, IPHONE, None),
                       new_event(link_id, now, None, IPHONE, None),
                       new_event(link_id, now - timedelta(days=2), None, DESKTOP_CHROME, None),
                       new_event(link_id, now, None, SLACKBOT, None),
                       new_event(theirs, now, None, IPHONE, None)])
    html = page_text(client.get("/"))
    assert 'data-stat="today">2<' in html and 'data-stat="week">3<' in html
    assert 'aria-label="Human clicks per day, last 7 days: 0, 0, 0, 0, 1, 0, 2"' in html
    assert html.count('<svg class="sparkline"') == 1


def test_link_list_export_streams_my_matching_links_only(app, client, logged_in, auth):
    add_link(app, auth.create_user("bob"), slug="bobs-promo")
    add_link(app, logged_in, slug="promo", title="=cmd()", click_count=7,
             last_clicked_at=datetime(2026, 2, 3, 4, 5))
    add_link(app, logged_in, slug="other")
    response = client.get("/links.csv?q=promo")
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = page_text(response).splitlines()
    assert lines[0].startswith("short_url,slug,title,target_url,human_clicks,bot_clicks")
    assert lines[1:] == ["http://sho.rt.test/alice/promo,promo,'=cmd(),https://example.com/,7,0,"
                         + lines[1].split(",", 6)[6]]
    assert "2026-02-03T04:05:00" in lines[1]
    assert len(page_text(client.get("/links.csv")).splitlines()) == 3


def test_link_list_export_needs_login(client):
    response = client.get("/links.csv")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


# --- ownership ----------------------------------------------------------------

@pytest.fixture
def bobs_link(app, auth):
    bob_id = auth.create_user("bob")
    return add_link(app, bob_id, slug="bobs", target="https://example.com/bob", title="Bob's")


@pytest.mark.parametrize("path", LINK_PAGES)
def test_another_users_link_is_not_found_on_get(client, logged_in, bobs_link, path):
    response = client.get(path.format(id=bobs_link))
    assert response.status_code == 404
    assert "Bob" not in page_text(response)


@pytest.mark.parametrize("path", ["/links/{id}/edit", "/links/{id}/delete"])
def test_another_users_link_is_not_changed_on_post(app, client, logged_in, bobs_link, path):
    before = get_link(app, bobs_link)
    response = client.post(path.format(id=bobs_link), data={
        "target_url": "https://evil.example/", "title": "pwned", "is_active": "",
    })
    assert response.status_code == 404
    after = get_link(app, bobs_link)
    assert after is not None
    assert (after.target_url, after.title, after.is_active) == (
        before.target_url, before.title, before.is_active
    )


@pytest.mark.parametrize("path", LINK_PAGES)
@pytest.mark.parametrize("link_id", [424242, 2**31, 10**20])
def test_missing_link_is_not_found(client, logged_in, path, link_id):
    assert client.get(path.format(id=link_id)).status_code == 404


# --- edit ---------------------------------------------------------------------

def test_edit_form_is_prefilled(app, client, logged_in):
    expires = datetime(2030, 5, 1, 10, 30)
    link_id = add_link(app, logged_in, slug="docs", title="Docs", expires_at=expires)
    html = page_text(client.get(f"/links/{link_id}/edit"))
    assert 'value="https://example.com/"' in html and 'value="Docs"' in html
    assert 'value="2030-05-01T10:30"' in html  # the form a datetime-local input shows
    assert 'name="slug"' not in html  # a shared short name never changes


def test_edit_updates_the_link(app, client, logged_in):
    link_id = add_link(app, logged_in, slug="docs", title="Docs")
    response = client.post(f"/links/{link_id}/edit", data={
        "target_url": "https://EXAMPLE.org/new", "title": "", "expires_at": "2030-05-01T10:30",
    })  # an unchecked box is simply absent from the form
    assert response.status_code == 302
    link = get_link(app, link_id)
    assert (link.slug, link.target_url, link.title) == ("docs", "https://example.org/new", None)
    assert link.is_active is False and link.expires_at == datetime(2030, 5, 1, 10, 30)
    assert client.get("/alice/docs").status_code == 404  # inactive now
    assert "Link updated." in page_text(client.get(response.headers["Location"]))


def test_edit_rejects_a_bad_target(app, client, logged_in):
    link_id = add_link(app, logged_in)
    response = client.post(f"/links/{link_id}/edit", data={
        "target_url": "http://sho.rt.test/alice/abc", "is_active": "y",
    })
    assert response.status_code == 200
    assert "this site" in page_text(response)
    assert get_link(app, link_id).target_url == "https://example.com/"


# --- delete -------------------------------------------------------------------

def test_delete_asks_for_confirmation_first(app, client, logged_in):
    link_id = add_link(app, logged_in, slug="docs", click_count=3)
    response = client.get(f"/links/{link_id}/delete")
    html = page_text(response)
    assert response.status_code == 200
    assert "Delete this link?" in html and "http://sho.rt.test/alice/docs" in html
    assert f'action="/links/{link_id}/delete"' in html and 'method="post"' in html
    assert get_link(app, link_id) is not None


def test_delete_removes_the_link(app, client, logged_in):
    link_id = add_link(app, logged_in, slug="docs")
    response = client.post(f"/links/{link_id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert get_link(app, link_id) is None
    assert "Deleted http://sho.rt.test/alice/docs" in page_text(client.get("/"))
    assert client.get("/alice/docs").status_code == 404


def test_delete_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        from shortener.accounts.users import create_user

        user_id = create_user("alice", "alice@example.com", "correct horse battery").id
    link_id = add_link(app, user_id)
    sign_in(app, client, user_id)
    html = page_text(client.get(f"/links/{link_id}/delete"))
    assert client.post(f"/links/{link_id}/delete").status_code == 400
    assert get_link(app, link_id) is not None
    response = client.post(f"/links/{link_id}/delete", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert get_link(app, link_id) is None



def test_short_urls_use_base_url_else_the_request_host(make_app):
    with_base = make_app().test_client().get("/", base_url="http://other.test").get_data(as_text=True)
    assert "http://sho.rt.test/you/launch" in with_base
    app = make_app(BASE_URL=None)
    page = app.test_client().get("/", base_url="https://links.example:8443").get_data(as_text=True)
    assert "https://links.example:8443/you/launch" in page


@pytest.mark.parametrize("page", ["9223372036854775807", "99999999999999999999999", "-5", "0", "x"])
def test_any_page_number_answers_without_an_error(client, logged_in, page):
    response = client.get(f"/?page={page}")
    assert response.status_code == 200


# --- analytics: the link page's ranges, the CSV export --------------------------------------------


def store_events(app, events):
    with app.app_context():
        store_clicks(events)
        db.session.commit()


@pytest.mark.parametrize("range_name", ["24h", "7d", "30d", "90d", "all", "", "bogus", "7d%00", "x" * 500])
def test_every_range_of_the_page_answers(app, client, logged_in, range_name):
    link_id = add_link(app, logged_in)
    store_events(app, [new_event(link_id, utcnow(), "https://slack.com/", IPHONE, "203.0.113.0",
                                 visitor_key="a" * 32)])
    response = client.get(f"/links/{link_id}?range={range_name}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-stat="humans">1<' in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_a_bad_range_falls_back_to_thirty_days(app, client, logged_in):
    link_id = add_link(app, logged_in)
    html = client.get(f"/links/{link_id}?range=1y").get_data(as_text=True)
    assert 'aria-current="page" class="current">last 30 days<' in html


def test_another_users_stats_and_export_are_404(app, client, auth, logged_in):
    other = add_link(app, auth.create_user("mallory"), "theirs")
    assert client.get(f"/links/{other}?range=7d").status_code == 404
    assert client.get(f"/links/{other}/clicks.csv").status_code == 404


def test_the_export_needs_a_login(app, client, auth):
    link_id = add_link(app, auth.create_user("bob"))
    assert client.get(f"/links/{link_id}/clicks.csv").status_code == 302


def test_the_export_streams_enriched_clicks_without_addresses_or_keys(app, client, logged_in):
    link_id = add_link(app, logged_in)
    store_events(app, [new_event(link_id, datetime(2026, 5, 1, 8, 0, second), "=HYPERLINK(1)", IPHONE,
                                 "203.0.113.0", visitor_key="f" * 32) for second in range(5)])
    response = client.get(f"/links/{link_id}/clicks.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("clicked_at_utc,referrer,referrer_host,user_agent,browser,os,device")
    assert len(lines) == 6
    assert "'=HYPERLINK(1)" in lines[1] and "Mobile Safari" in lines[1] and "203.0.113.0" in lines[1]
    assert "f" * 32 not in response.get_data(as_text=True)


def test_the_export_yields_before_reading_every_row(app, logged_in):
    link_id = add_link(app, logged_in)
    store_events(app, [new_event(link_id, datetime(2026, 5, 1, 8, 0, s), None, IPHONE, None)
                       for s in range(30)])
    with app.app_context():
        chunks = export.clicks_csv(link_id, batch=10)
        assert next(chunks).startswith("clicked_at_utc")
        first_rows = next(chunks)
        assert first_rows.count("\n") == 10  # one partition, not the whole table
        assert sum(chunk.count("\n") for chunk in chunks) == 20


def test_done_when_journey(app, client, logged_in):
    """An iPhone and a desktop Chrome from Slack, plus Slack's preview fetch."""
    app.config["CLICK_TRACKING"] = "sync"
    link_id = add_link(app, logged_in, slug="launch")
    visits = [(IPHONE, "198.51.100.7"), (DESKTOP_CHROME, "203.0.113.9"), (SLACKBOT, "192.0.2.44")]
    for agent, address in visits:
        response = client.get("/alice/launch", headers={"User-Agent": agent, "Referer": "https://slack.com/"},
                              environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 302
    html = client.get(f"/links/{link_id}?range=24h").get_data(as_text=True)
    assert 'data-stat="humans">2<' in html
    assert 'data-stat="bots">1<' in html
    assert 'data-stat="visitors">2<' in html
    assert "daily unique visitors, summed" in html
    for value in ("slack.com", "mobile", "desktop", "Mobile Safari", "Chrome", "iOS", "Windows",
                  "Slackbot"):
        assert f'<span class="ranked-value">{value}</span>' in html, value
    assert re.search(r'data-dimension="referrer">\s*<li><span class="ranked-value">slack.com</span>'
                     r'<span class="ranked-count">2 · 100.0%', html)


# --- link options ---------------------------------------------------------------------

def test_create_with_options(app, client, logged_in):
    response = client.post("/links/new", data={
        "target_url": "https://example.com/", "slug": "opts", "click_limit": "100",
        "password": "open sesame", "redirect_code": "308", "forward_query": "y",
        "starts_at": "2030-01-01T10:00",
    })
    assert response.status_code == 302
    with app.app_context():
        link = db.session.scalar(select(Link).where(Link.slug == "opts"))
        assert (link.click_limit, link.redirect_code, link.forward_query) == (100, 308, True)
        assert link.starts_at == datetime(2030, 1, 1, 10, 0)
        assert link.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(("data", "message"), [
    ({"click_limit": "0"}, "Use a whole number from 1"),
    ({"redirect_code": "303"}, "Not a valid choice"),
    ({"password": "abc"}, "Use 4 to"),
    ({"starts_at": "2031-01-01T10:00", "expires_at": "2030-01-01T10:00"}, "The start must come before"),
])
def test_bad_options_are_form_errors(client, logged_in, data, message):
    response = client.post("/links/new", data={"target_url": "https://example.com/", **data})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_the_form_explains_the_limit_and_the_301_cache(client, logged_in):
    page = client.get("/links/new").get_data(as_text=True)
    assert "to the exact click" in page
    assert "Browsers cache a 301" in page


def test_edit_keeps_the_password_unless_changed_or_removed(app, client, logged_in):
    client.post("/links/new", data={"target_url": "https://example.com/", "slug": "pw",
                                    "password": "open sesame"})
    with app.app_context():
        link = db.session.scalar(select(Link).where(Link.slug == "pw"))
        link_id, first_hash = link.id, link.password_hash
    page = client.get(f"/links/{link_id}/edit").get_data(as_text=True)
    assert "Leave empty to keep the current password" in page and "open sesame" not in page
    client.post(f"/links/{link_id}/edit", data={"target_url": "https://example.com/", "is_active": "y",
                                                "redirect_code": "302"})
    with app.app_context():
        assert db.session.get(Link, link_id).password_hash == first_hash
    client.post(f"/links/{link_id}/edit", data={"target_url": "https://example.com/", "is_active": "y",
                                                "redirect_code": "302", "remove_password": "y"})
    with app.app_context():
        assert db.session.get(Link, link_id).password_hash is None


def test_dashboard_shows_clicks_against_the_limit(app, client, logged_in):
    add_link(app, logged_in, "limited", click_count=42, click_limit=100)
    page = client.get("/").get_data(as_text=True)
    assert "42 / 100" in page


@pytest.mark.parametrize("page", ["9223372036854775807", "9223372036854775808", "1" + "0" * 40, "-3", "0",
                                  "abc", "1e9", "１２", ""])
def test_any_page_number_shows_a_page_never_an_error(client, logged_in, page):
    assert client.get(f"/?page={page}").status_code == 200


@pytest.mark.parametrize("value", ["1" + "0" * 40, "-1", "x", "%00", "7d%00"])
def test_any_range_shows_the_default_never_an_error(app, client, logged_in, value):
    link_id = add_link(app, logged_in)
    assert client.get(f"/links/{link_id}?range={value}").status_code == 200


def test_link_creation_is_limited_per_user_with_a_clear_message(make_app, auth):
    app = make_app(RATELIMIT_LINK_CREATE="2 per minute")
    client = app.test_client()
    auth = type(auth)(app, client)
    auth.create_user("alice")
    auth.login("alice")
    for number in range(2):
        response = client.post("/links/new", data={"target_url": f"https://example.com/{number}"})
        assert response.status_code == 302
    assert client.get("/links/new").status_code == 200  # looking at the form costs nothing
    response = client.post("/links/new", data={"target_url": "https://example.com/third"})
    assert response.status_code == 429
    page = page_text(response)
    assert "You have created a lot of links in a short time" in page and "2 per 1 minute" in page
    assert 'value="https://example.com/third"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Link)) == 2
    # Another user has an allowance of their own.
    other = type(auth)(app, app.test_client())
    other.create_user("carol")
    other.login("carol")
    assert other.client.post("/links/new", data={"target_url": "https://example.com/c"}).status_code == 302


def test_link_creation_limits_are_settings():
    assert from_environ({})["RATELIMIT_LINK_CREATE"] == "30 per minute;500 per day"
    assert from_environ({"RATELIMIT_LINK_CREATE": "5 per hour"})["RATELIMIT_LINK_CREATE"] == "5 per hour"


# --- the visual pass: what each page shows, in what order ----------------------------------------

def test_an_empty_dashboard_offers_the_create_button_not_export_search_or_sort(client, logged_in):
    html = page_text(client.get("/"))
    assert "data-empty-dashboard" in html and 'href="/links/new"' in html
    assert "/links.csv" not in html and 'type="search"' not in html and 'name="sort"' not in html


def test_a_dashboard_with_links_offers_export_search_and_sort(app, client, logged_in):
    add_link(app, logged_in)
    html = page_text(client.get("/"))
    assert "/links.csv" in html and 'type="search"' in html and 'name="sort"' in html
    assert "data-empty-dashboard" not in html
    # A search that finds nothing keeps the search box, to search again.
    assert 'type="search"' in page_text(client.get("/?q=nothing-like-it"))


def test_scheduled_expired_and_limited_links_have_badges_of_their_own(app, client, logged_in):
    now = utcnow()
    add_link(app, logged_in, slug="soon", starts_at=now + timedelta(days=1))
    add_link(app, logged_in, slug="old", expires_at=now - timedelta(days=1))
    add_link(app, logged_in, slug="full", click_limit=1, click_count=1)
    add_link(app, logged_in, slug="off", is_active=False)
    html = page_text(client.get("/"))
    for badge in ('class="badge scheduled">Scheduled<', 'class="badge expired">Expired<',
                  'class="badge limit">Limit reached<', 'class="badge inactive">Inactive<'):
        assert badge in html, badge


def test_the_link_page_shows_its_numbers_before_the_qr_code(app, client, logged_in):
    link_id = add_link(app, logged_in)
    html = page_text(client.get(f"/links/{link_id}"))
    assert html.index('data-stat="humans"') < html.index("<h2>QR code</h2>")
    assert html.index('class="chart-box"') < html.index("<h2>QR code</h2>")


def test_the_link_page_chart_is_an_image_with_axes_and_says_when_empty(app, client, logged_in):
    link_id = add_link(app, logged_in)
    html = page_text(client.get(f"/links/{link_id}?range=7d"))
    assert 'role="img" aria-labelledby="chart-wide-title chart-wide-desc"' in html
    assert "No clicks yet in this range</text>" in html and 'class="chart-grid"' in html
    assert 'aria-hidden="true"><svg' not in html  # the chart is no longer hidden from screen readers


def test_countries_show_their_flag_and_name_and_recent_clicks_keep_their_labels(app, client, logged_in):
    app.config["CLICK_TRACKING"] = "sync"
    link_id = add_link(app, logged_in, slug="launch")
    with app.app_context():
        store_clicks([new_event(link_id, utcnow(), None, IPHONE, "81.2.69.1")])  # a British address
        db.session.commit()
    html = page_text(client.get(f"/links/{link_id}"))
    assert '<span class="flag" aria-hidden="true">🇬🇧</span>United Kingdom</span>' in html
    for label in ("Time (UTC)", "Referrer", "Browser", "System", "Device", "Country", "IP"):
        assert f'data-label="{label}"' in html, label
    assert "Week from (UTC)" not in html and "Day (UTC)" in html


def test_all_time_of_a_new_link_is_drawn_by_day(app, client, logged_in):
    link_id = add_link(app, logged_in)
    html = page_text(client.get(f"/links/{link_id}?range=all"))
    assert html.count('<tr><th scope="row">') == 30 and "one bar a day" in html
