"""shortener/links/urls.py: target URLs checked and normalized, links back to this site refused."""

import pytest

from shortener.links.urls import (
    MAX_URL_LENGTH,
    InvalidTargetURL,
    normalize_host,
    own_hosts,
    short_url,
    validate_target_url,
)

OWN = frozenset({"sho.rt.test", "localhost"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com"),
        ("HTTPS://EXAMPLE.COM/Path?Q=1#Frag", "https://example.com/Path?Q=1#Frag"),
        ("http://example.com./a", "http://example.com/a"),
        ("https://bücher.de/straße?q=ü", "https://xn--bcher-kva.de/stra%C3%9Fe?q=%C3%BC"),
        ("https://xn--bcher-kva.de/", "https://xn--bcher-kva.de/"),
        ("https://ｅｘａｍｐｌｅ.com/", "https://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com:/x", "https://example.com/x"),
        ("https://my_host.example.com/", "https://my_host.example.com/"),
        ("http://[2001:DB8::0001]:80/", "http://[2001:db8::1]:80/"),
        ("http://3221225985/", "http://192.0.2.1/"),
        ("https://example.com/a%20b?x=%2F", "https://example.com/a%20b?x=%2F"),
        ("https://example.com/" + "a" * (MAX_URL_LENGTH - 20), None),
    ],
)
def test_good_urls_are_normalized(url, expected):
    assert validate_target_url(url, OWN) == (expected or url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "Enter"),
        ("javascript:alert(1)", "Only http"),
        ("JavaScript:alert(1)", "Only http"),
        ("data:text/html,<script>alert(1)</script>", "Only http"),
        ("file:///etc/passwd", "Only http"),
        ("ftp://example.com/file", "Only http"),
        ("//example.com/", "Only http"),
        ("example.com", "Only http"),
        ("http://", "host"),
        ("http:///path", "host"),
        ("http:example.com", "host"),
        ("http://user@", "host"),
        ("http://user:pw@", "host"),
        ("http://user@:80/", "host"),
        ("http://user@example.com/", "user name"),
        ("http://sho.rt.test@evil.example/", "user name"),
        ("https://example.com/" + "a" * MAX_URL_LENGTH, "too long"),
        ("https://bücher.de/" + "ü" * 400, "too long"),  # too long once encoded
        ("https://exa mple.com/", "spaces"),
        ("https://example.com/a b", "spaces"),
        ("https://example.com/\ta", "spaces"),
        ("https://example.com/\na", "spaces"),
        ("https://example.com/\x00", "invisible"),
        ("https://example.com/\x7f", "invisible"),
        ("https://example.com/\u202egnp.exe", "invisible"),
        ("https://example.com/\u00a0", "spaces"),
        ("https://example.com\\@evil.example/", "backslash"),
        ("http:\\\\example.com\\", "backslash"),
        ("https://exa%6Dple.com/", "host name"),
        ("https://a..b/", "host name"),
        ("https://ex*ample.com/", "host name"),
        ("https://xn--zz-/", "host name"),
        ("https://example.com:0/", "port"),
        ("https://example.com:65536/", "port"),
        ("https://example.com:http/", "port"),
        ("http://[::1/", "valid"),
        ("http://[nope]/", "valid"),
        ("http://256.0.0.1/", "IP address"),
    ],
)
def test_bad_urls_are_rejected(url, reason):
    with pytest.raises(InvalidTargetURL, match=reason):
        validate_target_url(url, OWN)


@pytest.mark.parametrize(
    "url",
    [
        "https://sho.rt.test/alice/abc",
        "http://sho.rt.test",
        "https://SHO.RT.TEST/alice/abc",
        "https://sho.rt.test./alice/abc",
        "https://Sho.Rt.Test.:8443/alice/abc",
        "https://ｓｈｏ.ｒｔ.ｔｅｓｔ/alice/abc",  # full-width letters map to ASCII
        "https://sho。rt。test/alice/abc",  # ideographic full stops map to dots
        "http://localhost:5000/alice/abc",
        "http://LOCALHOST./alice/abc",
    ],
)
def test_links_to_this_site_are_rejected(url):
    with pytest.raises(InvalidTargetURL, match="this site"):
        validate_target_url(url, OWN)


def test_loop_check_matches_an_idna_base_url():
    hosts = own_hosts("https://Bücher.Example.", None)
    assert hosts == {"xn--bcher-kva.example"}
    for url in ("https://bücher.example/x", "https://XN--BCHER-KVA.example./x"):
        with pytest.raises(InvalidTargetURL, match="this site"):
            validate_target_url(url, hosts)


def test_loop_check_matches_ip_spellings_of_an_ip_host():
    hosts = own_hosts(None, "127.0.0.1:5000")
    for url in ("http://127.0.0.1/a/b", "http://0x7f.1/a/b", "http://2130706433/a/b"):
        with pytest.raises(InvalidTargetURL, match="this site"):
            validate_target_url(url, hosts)


@pytest.mark.parametrize(
    ("base_url", "request_host", "expected"),
    [
        ("http://sho.rt.test", "localhost", {"sho.rt.test", "localhost"}),
        ("https://SHO.RT.", "sho.rt:443", {"sho.rt"}),
        (None, "[::1]:5000", {"[::1]"}),
        (None, "bad host!", set()),
        (None, None, set()),
    ],
)
def test_own_hosts_are_normalized(base_url, request_host, expected):
    assert own_hosts(base_url, request_host) == expected


def test_normalize_host_lowercases_and_strips_the_trailing_dot():
    assert normalize_host("WWW.Example.COM.") == "www.example.com"


def test_short_url_joins_the_base_and_quotes_the_parts():
    assert short_url("http://sho.rt.test/", "alice", "abc") == "http://sho.rt.test/alice/abc"
    assert short_url("https://links.example:8443", "alice", "a b") == "https://links.example:8443/alice/a%20b"


# Every way to write "this machine": loopback names and addresses, unspecified ones, IPv4-mapped IPv6.
LOCAL_SPELLINGS = [
    "http://localhost/a/b", "http://LOCALHOST./a/b", "http://app.localhost/a/b",
    "http://127.0.0.1/a/b", "http://127.0.0.2/a/b", "http://127.255.255.254:8080/a/b", "http://0x7f.1/a/b",
    "http://[::1]/a/b", "http://[0:0:0:0:0:0:0:1]:5000/a/b",
    "http://[::ffff:127.0.0.1]/a/b", "http://[::ffff:7f00:2]/a/b",
    "http://0.0.0.0/a/b", "http://0/a/b", "http://[::]/a/b", "http://[::ffff:0.0.0.0]/a/b",
]


@pytest.mark.parametrize("site", [
    ("http://localhost:5000", None), (None, "127.0.0.1:5000"), (None, "[::1]:5000"),
    (None, "0.0.0.0:5000"), (None, "localhost"), ("http://[::ffff:127.0.0.1]:5000", None),
])
@pytest.mark.parametrize("url", LOCAL_SPELLINGS)
def test_a_site_on_a_loopback_address_refuses_every_local_spelling(site, url):
    with pytest.raises(InvalidTargetURL, match="this site"):
        validate_target_url(url, own_hosts(*site))


@pytest.mark.parametrize("url", LOCAL_SPELLINGS)
def test_a_public_site_lets_links_point_at_the_visitors_own_machine(url):
    # Not a loop: a visitor's localhost is not this site.
    assert validate_target_url(url, own_hosts("https://sho.rt", "sho.rt"))


def test_ipv4_mapped_ipv6_is_folded_for_a_public_ip_site():
    hosts = own_hosts(None, "203.0.113.7")
    for url in ("http://[::ffff:203.0.113.7]/a/b", "http://[::ffff:cb00:7107]/a/b"):
        with pytest.raises(InvalidTargetURL, match="this site"):
            validate_target_url(url, hosts)
    assert validate_target_url("http://[::ffff:203.0.113.8]/a/b", hosts)


def test_a_site_on_a_mapped_address_refuses_its_ipv4_spelling():
    with pytest.raises(InvalidTargetURL, match="this site"):
        validate_target_url("http://203.0.113.7/a", own_hosts("http://[::ffff:203.0.113.7]", None))
