"""shortener/site/routes.py: /favicon.ico, /robots.txt, and what every page's head says."""

import re
from urllib.robotparser import RobotFileParser

import pytest


def test_favicon_is_a_real_icon_kept_by_browsers(client):
    with client.get("/favicon.ico") as response:  # a file response: closed when done
        response.make_sequence()
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header: reserved 0, type 1 (icon)
    assert "max-age=604800" in response.headers["Cache-Control"]


def test_the_svg_icon_is_served_too(client):
    with client.get("/static/favicon.svg") as response:
        assert response.status_code == 200 and b"<svg" in response.data


def has_head(html: str) -> bool:
    icons = 'rel="icon" href="/static/favicon.svg"' in html and 'rel="icon" href="/favicon.ico"' in html
    return icons and bool(re.search(r'<meta name="description" content="[^"]{40,}">', html))


@pytest.mark.parametrize("path", ["/", "/auth/login", "/auth/register", "/links/1"])
def test_every_page_names_its_icon_and_describes_itself(client, path):
    assert has_head(client.get(path, follow_redirects=True).get_data(as_text=True))


@pytest.mark.parametrize("path", ["/", "/links/new", "/settings/tokens", "/links/999"])
def test_every_page_of_a_user_names_its_icon_and_describes_itself(client, logged_in, path):
    assert has_head(client.get(path, follow_redirects=True).get_data(as_text=True))


def robots(client) -> RobotFileParser:
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    parser = RobotFileParser()
    parser.parse(response.get_data(as_text=True).splitlines())
    return parser


def test_robots_let_the_start_page_in_and_keep_secret_urls_and_machine_endpoints_out(client):
    parser = robots(client)
    assert parser.can_fetch("*", "/")
    for private in ("/auth/reset-password/secret", "/auth/login", "/admin/status", "/api/v1/links",
                    "/healthz"):
        assert not parser.can_fetch("*", private), private


def test_robots_let_crawlers_follow_short_links_to_their_destination(client):
    # A redirect is credited to its target, not indexed as a page; blocking it would leave bare
    # short URLs listed from links elsewhere.
    assert robots(client).can_fetch("*", "/alice/launch")
