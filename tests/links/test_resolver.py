"""shortener/links/resolver.py and the target rule that uses it: a name that leads back to this
server (localtest.me, *.nip.io: 127.0.0.1) is refused by the form, the API and the import.

The resolver function the domain calls (``resolver.lookup``) is the network: most tests replace
it with a table; one asks the real resolver for this machine's own name, which resolves locally.
"""

import socket
import time

import pytest

from shortener.links import imports, resolver, rules
from shortener.links.rules import LinkRuleError
from tests.conftest import AuthActions
from tests.helpers import make_api_token

ANSWERS = {
    "localtest.me": ["127.0.0.1"],
    "7f000001.nip.io": ["127.0.0.1", "::1"],
    "zero.example.net": ["0.0.0.0"],
    "mapped.example.net": ["::ffff:127.0.0.1"],
    "mixed.example.net": ["93.184.215.14", "127.0.0.2"],
    "public.example.net": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
}


@pytest.fixture
def dns(monkeypatch):
    def lookup(host):
        if host not in ANSWERS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return ANSWERS[host]

    monkeypatch.setattr(resolver, "lookup", lookup)


@pytest.fixture
def dns_app(make_app, dns):
    return make_app(LINK_TARGET_DNS_TIMEOUT=1.0)


@pytest.mark.parametrize("host", ["localtest.me", "7f000001.nip.io", "zero.example.net",
                                  "mapped.example.net", "mixed.example.net"])
def test_a_name_resolving_to_this_server_is_refused(dns_app, host):
    with dns_app.app_context(), pytest.raises(LinkRuleError, match="leads back to this server") as caught:
        rules.check_target(f"http://{host}:5000/x", frozenset())
    assert caught.value.field == "target_url"


@pytest.mark.parametrize("url", ["https://public.example.net/", "https://unknown.example.net/",
                                 "http://93.184.215.14/", "http://localhost:8080/"])
def test_public_unresolvable_and_literal_targets_are_accepted(dns_app, url):
    # Unresolvable names are accepted: DNS may be down, or the name internal; it cannot loop now.
    # Literals keep their own rule (localhost is the visitor's machine on a public site).
    with dns_app.app_context():
        assert rules.check_target(url, frozenset()) == url


def test_a_lookup_that_hangs_is_given_up_within_the_timeout(make_app, monkeypatch):
    monkeypatch.setattr(resolver, "lookup", lambda host: time.sleep(5) or ["127.0.0.1"])
    app = make_app(LINK_TARGET_DNS_TIMEOUT=0.2)
    with app.app_context():
        started = time.monotonic()
        assert rules.check_target("https://slow.example.net/", frozenset()) == "https://slow.example.net/"
        assert time.monotonic() - started < 2  # liveness: a hung resolver never holds a request


def test_the_lookup_can_be_turned_off(make_app, monkeypatch):
    monkeypatch.setattr(resolver, "lookup", lambda host: ["127.0.0.1"])
    app = make_app(LINK_TARGET_DNS_TIMEOUT=0)
    with app.app_context():
        assert rules.check_target("http://localtest.me/", frozenset()) == "http://localtest.me/"


def test_this_machines_own_name_is_refused_with_the_real_resolver(make_app):
    name = socket.gethostname().lower()
    try:
        socket.getaddrinfo(name, None)
    except OSError:
        pytest.skip(f"this machine's name {name!r} does not resolve here")
    app = make_app(LINK_TARGET_DNS_TIMEOUT=2.0)
    with app.app_context(), pytest.raises(LinkRuleError, match="leads back to this server"):
        rules.check_target(f"http://{name}:5000/", frozenset())


def test_the_form_the_api_and_the_import_refuse_it(dns_app):
    client = dns_app.test_client()
    actions = AuthActions(dns_app, client)
    owner = actions.create_user("alice")
    actions.login("alice")
    page = client.post("/links/new", data={"target_url": "http://localtest.me/"}).get_data(as_text=True)
    assert "leads back to this server" in page
    _token_id, token = make_api_token(dns_app, owner)
    response = client.post("/api/v1/links", json={"target_url": "http://localtest.me/"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.json["error"]["field"] == "target_url"
    assert "leads back to this server" in response.json["error"]["message"]
    with dns_app.app_context():
        cells = {name: "" for name in imports.COLUMN_ALIASES} | {"target": "http://localtest.me/"}
        outcome = imports.import_row(owner, cells, frozenset())
    assert outcome.kind == "rejected" and "leads back to this server" in outcome.message
    assert client.post("/links/new", data={"target_url": "https://public.example.net/"}).status_code == 302
