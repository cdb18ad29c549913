"""shortener/blocklist/entries.py: what an entry may say, and its one spelling."""

import pytest

from shortener.blocklist.entries import InvalidEntry, is_prefix, parse_entry


@pytest.mark.parametrize(("text", "pattern"), [
    ("example.com", "example.com"),
    ("  Example.COM.  ", "example.com"),
    ("*.example.com", "example.com"),
    ("https://example.com", "example.com"),
    ("HTTP://example.com/", "example.com"),
    ("example.com:8080", "example.com"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("192.0.2.7", "192.0.2.7"),
    ("[2001:DB8::0:1]", "2001:db8::1"),
    ("example.com/free-money", "example.com/free-money"),
    ("https://example.com/free money?x=1".replace(" ", "%20"), "example.com/free%20money?x=1"),
    ("example.com?ref=spam", "example.com/?ref=spam"),
    ("https://example.com/café", "example.com/caf%C3%A9"),
    ("[2001:db8::1]/path", "[2001:db8::1]/path"),
])
def test_entries_are_normalized(text, pattern):
    assert parse_entry(text) == pattern


@pytest.mark.parametrize("text", [
    "", "   ", "ftp://example.com", "javascript:alert(1)", "exa mple.com", "user@example.com",
    "https://user:pw@example.com/", "exa!mple.com", "[not-ipv6]", "a\x00b.com", "x" * 2049,
    "https://",
])
def test_what_cannot_be_an_entry_is_refused_with_a_reason(text):
    with pytest.raises(InvalidEntry) as raised:
        parse_entry(text)
    assert str(raised.value)


def test_an_entry_with_a_path_or_query_is_a_url_prefix():
    assert not is_prefix(parse_entry("example.com"))
    assert is_prefix(parse_entry("example.com/x")) and is_prefix(parse_entry("example.com?x"))
