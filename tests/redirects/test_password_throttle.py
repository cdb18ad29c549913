"""Throttling a link's password form: per address (IPv6 /64) and per link, counted before the check."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from shortener.accounts.users import hash_password
from tests.helpers import add_link, counts

LINK_PASSWORD = "open sesame"
WRONG = {"password": "not it at all"}
RIGHT = {"password": LINK_PASSWORD}


def guess(app, path: str, data: dict, address: str = "198.51.100.1") -> int:
    return app.test_client().post(path, data=data, environ_base={"REMOTE_ADDR": address}).status_code


@pytest.fixture
def limited(make_app, auth, redis_server, real_redis):
    """An app whose limits live in the session's real redis-server, and a protected link /bob/vault."""
    def build(per_link: str, per_address: str):
        app = make_app(RATELIMIT_LINK_PASSWORD=per_link, RATELIMIT_LINK_PASSWORD_IP=per_address,
                       RATELIMIT_STORAGE_URI=redis_server.url)
        link_id = add_link(app, auth.create_user("bob"), "vault", password_hash=hash_password(LINK_PASSWORD))
        return app, link_id
    return build


def test_parallel_guesses_from_one_address_never_pass_its_limit(limited):
    app, _ = limited("1000 per minute", "5 per minute")
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(lambda _: guess(app, "/bob/vault", WRONG), range(40)))
    # 403 is a checked (wrong) password; the rest must be refused before any check.
    assert statuses.count(403) <= 5, statuses
    assert statuses.count(403) + statuses.count(429) == 40


def test_parallel_guesses_from_many_addresses_never_pass_the_links_limit(limited):
    app, _ = limited("5 per minute", "1000 per minute")
    addresses = [f"198.51.100.{n}" for n in range(1, 41)]
    for address in addresses:  # each address has had its first try (spared by the link's limit)
        assert guess(app, "/bob/vault", WRONG, address) == 403
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(lambda address: guess(app, "/bob/vault", WRONG, address), addresses))
    assert statuses.count(403) <= 5, statuses
    assert statuses.count(403) + statuses.count(429) == 40


def test_the_links_limit_is_one_bucket_however_the_slug_is_spelled(limited):
    app, _ = limited("3 per minute", "1000 per minute")
    spellings = ["vault", "VAULT", "Vault", "vAult", "vaULT", "VaUlT", "vauLt", "VAULt"]
    statuses = [guess(app, f"/bob/{slug}", WRONG) for slug in spellings]
    # One address: its first try, then the link's three; everything after is refused.
    assert statuses == [403, 403, 403, 403] + [429] * 4


def test_an_ipv6_64_is_one_address(limited):
    app, _ = limited("1000 per minute", "2 per minute")
    assert guess(app, "/bob/vault", WRONG, "2001:db8:1:2::1") == 403
    assert guess(app, "/bob/vault", WRONG, "2001:db8:1:2::2") == 403
    assert guess(app, "/bob/vault", WRONG, "2001:db8:1:2:ffff::3") == 429
    assert guess(app, "/bob/vault", WRONG, "2001:db8:1:3::1") == 403  # another /64


def test_a_new_visitor_with_the_right_password_gets_in_while_others_guess(limited):
    app, link_id = limited("10 per minute", "1000 per minute")
    for n in range(13):  # each address's first try, then the link's ten
        assert guess(app, "/bob/vault", WRONG, f"203.0.113.{n % 3}") == 403
    assert guess(app, "/bob/vault", WRONG, "203.0.113.1") == 429  # the guessers are held back
    assert guess(app, "/bob/vault", RIGHT, "192.0.2.50") == 200  # a newcomer who knows it is not
    assert counts(app, link_id)[0] == 1


def test_the_address_limit_still_binds_a_right_password(limited):
    app, _ = limited("1000 per minute", "2 per minute")
    guess(app, "/bob/vault", WRONG)
    guess(app, "/bob/vault", WRONG)
    assert guess(app, "/bob/vault", RIGHT) == 429


def test_a_right_password_gives_its_counts_back(limited):
    app, _ = limited("2 per minute", "2 per minute")
    for _ in range(5):
        assert guess(app, "/bob/vault", RIGHT) == 200
    assert guess(app, "/bob/vault", WRONG) == 403
