"""shortener/links/titles.py: a target page's title, fetched from a local http.server in a thread.

The server listens on 127.0.0.1, a loopback address the fetch refuses unless the host is in the
allowed hosts: most tests allow it, as an intranet's operator would.
"""

import threading

import pytest
from flask import Flask

from shortener.links import titles
from shortener.links.rules import TITLE_MAX_LENGTH
from shortener.links.titles import FetchSettings, TitleUnavailable, fetch_title
from tests.support.pages import html, serving

LOCAL = frozenset({"127.0.0.1"})


@pytest.fixture
def server():
    with serving() as httpd:
        yield httpd


@pytest.fixture(autouse=True)
def app_context():
    # The resolver's thread pool hangs off the app; no database is needed.
    app = Flask(__name__)
    with app.app_context():
        yield


def fetch(server, path="/", allowed=LOCAL, timeout=5.0, max_bytes=256 * 1024):
    return fetch_title(server.url(path), FetchSettings(timeout, max_bytes, allowed))


@pytest.mark.parametrize(("page", "title"), [
    ("<html><head><title>Example Domain</title></head><body>x</body></html>", "Example Domain"),
    ("<title>Fish &amp; Chips &#8211; &eacute;t&eacute;</title>", "Fish & Chips – été"),
    ("<TITLE>\n   Many\n\t spaces   here \n</TITLE>", "Many spaces here"),
    ("<title>first</title><svg><title>second</title></svg>", "first"),
    ("<title>" + "a" * 500 + "</title>", "a" * TITLE_MAX_LENGTH),
    ("<html><body>no title at all</body></html>", None),
    ("<title>   </title>", None),
])
def test_title_is_found_unescaped_collapsed_and_cut(server, page, title):
    server.pages["/"] = html(page)
    assert fetch(server) == title


def test_charset_comes_from_the_header_or_the_meta_tag(server):
    server.pages["/header"] = html("<title>Caf\u00e9</title>".encode("latin-1"),
                                   "text/html; charset=ISO-8859-1")
    server.pages["/meta"] = html('<meta charset="windows-1251"><title>\u041f\u0440\u0438\u0432\u0435\u0442'
                                 "</title>".encode("cp1251"), "text/html")
    assert fetch(server, "/header") == "Café"
    assert fetch(server, "/meta") == "Привет"


def test_markup_the_parser_gives_up_on_is_no_crash(server):
    server.pages["/before"] = html("<title>Kept</title><![foo bar")
    server.pages["/after"] = html("<![foo bar <title>Lost</title>")
    assert fetch(server, "/before") == "Kept"
    with pytest.raises(TitleUnavailable, match="unreadable HTML"):
        fetch(server, "/after")


def test_a_page_that_is_not_html_is_not_read(server):
    server.pages["/"] = html("<title>a title in a text file</title>", "text/plain")
    with pytest.raises(TitleUnavailable, match="not an HTML page"):
        fetch(server)


def test_a_big_page_is_read_only_up_to_the_limit(server):
    """The title lies past the limit: the fetch stops reading there (the server would go on)."""
    def endless(handler):
        handler.wfile.write(b"<html><body>")
        for _ in range(10_000):
            handler.wfile.write(b"x" * 1024)
        handler.wfile.write(b"<title>too late</title>")

    server.pages["/"] = html(endless)
    assert fetch(server, max_bytes=64 * 1024) is None


def test_the_title_of_an_endless_page_is_read_without_waiting_for_its_end(server):
    stop = threading.Event()

    def endless(handler):
        handler.wfile.write(b"<html><head><title>Streaming</title></head><body>")
        while not stop.wait(0.01):
            handler.wfile.write(b"x" * 1024)

    server.pages["/"] = html(endless)
    try:
        assert fetch(server, max_bytes=10 * 1024 * 1024) == "Streaming"
    finally:
        stop.set()


def test_a_slow_page_times_out(server):
    """A server that drips its page, byte after byte, is cut at the overall timeout."""
    stop = threading.Event()

    def dripping(handler):
        handler.wfile.write(b"<html><head>")
        handler.wfile.flush()
        while not stop.wait(0.05):
            handler.wfile.write(b" ")
            handler.wfile.flush()

    server.pages["/"] = html(dripping)
    try:
        with pytest.raises(TitleUnavailable, match="timed out"):
            fetch(server, timeout=0.5)
    finally:
        stop.set()


def test_redirects_are_followed(server):
    server.pages["/old"] = (301, {"Location": "/new"}, b"")
    server.pages["/new"] = (302, {"Location": "http://127.0.0.1:{port}/newest"}, b"")
    server.pages["/newest"] = html("<title>Moved here</title>")
    assert fetch(server, "/old") == "Moved here"


def test_more_than_three_redirects_are_refused(server):
    for hop in range(4):
        server.pages[f"/{hop}"] = (302, {"Location": f"/{hop + 1}"}, b"")
    server.pages["/4"] = html("<title>Too far</title>")
    assert fetch(server, "/1") == "Too far"  # three redirects
    with pytest.raises(TitleUnavailable, match="more than 3 redirects"):
        fetch(server, "/0")


def test_a_redirect_to_a_private_address_is_refused(server):
    """127.0.0.1 is allowed; localhost (the same server, by another name) is not."""
    server.pages["/"] = (302, {"Location": "http://localhost:{port}/secret"}, b"")
    server.pages["/secret"] = html("<title>Internal</title>")
    with pytest.raises(TitleUnavailable, match="private address"):
        fetch(server)
    assert server.requested == ["/"]


def test_a_loopback_server_is_fetched_only_when_its_host_is_allowed(server):
    server.pages["/"] = html("<title>Local</title>")
    with pytest.raises(TitleUnavailable, match="private address"):
        fetch(server, allowed=frozenset())
    assert server.requested == []
    assert fetch(server) == "Local"


@pytest.mark.parametrize("answer", ["10.0.0.5", "169.254.169.254", "192.168.1.1", "100.64.0.1",
                                    "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "240.0.0.1"])
def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch, answer):
    monkeypatch.setattr(titles.resolver, "lookup", lambda host: ["93.184.215.14", answer])
    with pytest.raises(TitleUnavailable, match="private address"):
        fetch_title("http://intranet.example.com/", FetchSettings(5.0, 1024))


def test_the_connection_goes_to_the_address_that_was_checked(server, monkeypatch):
    """The name is resolved once; the connection does not look it up again (a DNS rebinding
    answer cannot swap a private address in after the check)."""
    lookups = []

    def lookup(host):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(titles.resolver, "lookup", lookup)
    server.pages["/"] = html("<title>Pinned</title>")
    settings = FetchSettings(5.0, 1024, frozenset({"pinned.example"}))
    assert fetch_title(f"http://pinned.example:{server.server_port}/", settings) == "Pinned"
    assert lookups == ["pinned.example"]


def test_an_unreachable_site_raises_title_unavailable(server):
    port = server.server_port
    server.shutdown()
    server.server_close()
    with pytest.raises(TitleUnavailable):
        fetch_title(f"http://127.0.0.1:{port}/", FetchSettings(5.0, 1024, LOCAL))


def test_an_error_page_has_no_title(server):
    server.pages["/"] = (500, {"Content-Type": "text/html"}, b"<title>Oops</title>")
    with pytest.raises(TitleUnavailable, match="500"):
        fetch(server)


def test_the_fetch_is_bounded_when_the_server_never_answers(server):
    with pytest.raises(TitleUnavailable, match="timed out"):
        fetch(server, "/silent", timeout=0.3)
