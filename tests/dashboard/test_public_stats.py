"""shortener/dashboard/routes.py: the public stats page, opt-in per link (/<user>/<slug>/+stats)."""

from datetime import timedelta

import pytest

from shortener.accounts.users import create_user
from shortener.clicks.events import new_event
from shortener.links import service
from shortener.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.helpers import DESKTOP_CHROME, IPHONE, add_link, store_events


def clicks(link_id: int, agents: list[str]) -> list[dict]:
    now = utcnow() - timedelta(minutes=5)
    return [new_event(link_id, now, "https://news.example/item?id=1", agent, "198.51.100.7")
            for agent in agents]


@pytest.fixture
def shared(app, auth):
    """alice's link "promo", public stats on, with two human clicks and their details."""
    link_id = add_link(app, auth.create_user("alice"), "promo", public_stats=True, title="Spring sale")
    store_events(app, clicks(link_id, [DESKTOP_CHROME, IPHONE]))
    return link_id


def test_a_public_link_shows_its_totals_chart_and_breakdowns_to_anyone(client, shared):
    response = client.get("/alice/promo/+stats")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Spring sale" in html and 'data-stat="humans">2<' in html
    assert "<svg" in html and "news.example" in html  # the chart, the referrer host
    assert 'data-dimension="device"' in html


def test_it_shows_no_single_click_and_no_export(client, shared):
    html = client.get("/alice/promo/+stats").get_data(as_text=True)
    # No recent-clicks table: no agent string, no network, no full referrer, no CSV.
    assert "198.51.100" not in html and "item?id=1" not in html
    assert DESKTOP_CHROME not in html and "clicks.csv" not in html
    assert "Recent clicks" not in html


def test_a_link_without_public_stats_is_a_404_like_a_missing_one(app, client, auth):
    add_link(app, auth.create_user("bob"), "secret")
    assert client.get("/bob/secret/+stats").status_code == 404
    assert client.get("/bob/nothing/+stats").status_code == 404
    assert client.get("/nobody/secret/+stats").status_code == 404


def test_names_match_whatever_their_case(client, shared):
    assert client.get("/Alice/PROMO/+stats").status_code == 200


@pytest.mark.parametrize("range_name", ["24h", "7d", "30d", "90d", "all"])
def test_every_range_renders_and_links_to_the_public_page(client, shared, range_name):
    response = client.get(f"/alice/promo/+stats?range={range_name}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/alice/promo/+stats?range=7d"' in html
    assert "/links/" not in html.split("<main", 1)[-1]  # never a link to the owner's pages


def test_the_page_is_rate_limited_per_address(make_app):
    app = make_app(RATELIMIT_PUBLIC_STATS="2 per minute")
    with app.app_context():
        owner_id = create_user("carol", "carol@example.com", PASSWORD).id
    add_link(app, owner_id, "x", public_stats=True)
    visitor = app.test_client()
    assert [visitor.get("/carol/x/+stats").status_code for _ in range(3)] == [200, 200, 429]


def test_the_owner_turns_it_on_in_the_form_and_sees_its_address(client, logged_in):
    response = client.post("/links/new", data={
        "target_url": "https://example.com/", "slug": "shared", "public_stats": "y"})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="/alice/shared/+stats"' in detail
    assert client.get("/alice/shared/+stats").status_code == 200


def test_options_of_a_link_carry_the_flag(app, auth):
    owner_id = auth.create_user("erin")
    link_id = add_link(app, owner_id, "flag", public_stats=True)
    with app.app_context():
        link = service.get_link(owner_id, link_id)
        assert service.options_of(link).public_stats is True
