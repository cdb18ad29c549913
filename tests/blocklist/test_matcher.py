"""shortener/blocklist/matcher.py: domains with their subdomains, URL prefixes per host."""

import pytest

from shortener.blocklist.entries import parse_entry
from shortener.blocklist.matcher import Matcher

ENTRIES = ["evil.example", "example.com/free-money", "[2001:db8::1]/bad", "192.0.2.7",
           "xn--bcher-kva.example", "shop.test/?ref=spam"]


@pytest.fixture
def matcher():
    return Matcher(parse_entry(text) for text in ENTRIES)


@pytest.mark.parametrize("url", [
    "https://evil.example/",
    "http://evil.example:8080/anything?x=1",
    "https://deep.sub.evil.example/page",
    "https://example.com/free-money",
    "http://example.com:81/free-money/more?now=1",  # any scheme and port
    "https://example.com/free-moneymaker",  # a prefix is a prefix
    "http://[2001:db8::1]/bad/x",
    "http://192.0.2.7/",
    "https://xn--bcher-kva.example/",
    "https://shop.test/?ref=spam&more",
    "https://shop.test?ref=spam",  # no path is the path /
])
def test_blocked(matcher, url):
    assert matcher.blocks(url)


@pytest.mark.parametrize("url", [
    "https://notevil.example/",  # a suffix of the text is not a parent domain
    "https://evil.example.org/",
    "https://example.com/",
    "https://example.com/free",
    "https://www.example.com/free-money",  # a prefix binds its host only
    "https://example.com/Free-Money",  # paths are case-sensitive, as servers read them
    "http://[2001:db8::1]/good",
    "http://192.0.2.8/",
    "https://shop.test/?ref=good",
    "not a url",
    "http://[broken/",
])
def test_not_blocked(matcher, url):
    assert not matcher.blocks(url)


def test_an_empty_matcher_blocks_nothing():
    assert not Matcher().blocks("https://evil.example/") and len(Matcher()) == 0


def test_a_check_looks_up_the_host_labels_not_every_entry(monkeypatch):
    """O(labels): the domain set is asked once per label of the host, whatever its size."""
    asked = []

    class CountingSet(frozenset):
        def __contains__(self, item):
            asked.append(item)
            return super().__contains__(item)

    matcher = Matcher(f"domain{index}.example" for index in range(100_000))
    assert len(matcher) == 100_000
    matcher.domains = CountingSet(matcher.domains)
    assert not matcher.blocks("https://a.b.c.example.org/path")
    assert asked == ["a.b.c.example.org", "b.c.example.org", "c.example.org", "example.org", "org"]
    assert matcher.blocks("https://www.domain99999.example/")
