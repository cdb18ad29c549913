"""The app's ``int`` URL converter: an id the database's INTEGER column cannot hold matches no
route (a 404), on every ``<int:...>`` route, for every method, never a 500 or a 405."""

import re

import pytest
from werkzeug.routing import Map

from shortener.accounts.users import find_by_username, set_admin
from shortener.converters import INT32_MAX, BoundedIntegerConverter
from tests.helpers import add_link, make_api_token

TOO_BIG = [str(INT32_MAX + 1), "9223372036854775808", "1" + "0" * 19, "9" * 400]


@pytest.mark.parametrize("max_value", [9, 10, 99, 255, 2**31 - 1, 2**63 - 1])
def test_the_regex_matches_exactly_zero_to_max(max_value):
    converter = BoundedIntegerConverter(Map(), max=max_value)
    pattern = re.compile(rf"(?:{converter.regex})\Z")
    limit = str(max_value)
    for number in {0, 1, 9, max_value - 1, max_value, *range(0, min(max_value, 3000) + 1)}:
        assert pattern.match(str(number)) and pattern.match("00" + str(number)), number
    for number in (max_value + 1, max_value + 10, 10 ** len(limit), int(limit + "0")):
        assert not pattern.match(str(number)), number
    assert not pattern.match("-1") and not pattern.match("\u0663")  # no sign, ASCII digits only


def int_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(c, BoundedIntegerConverter) for c in rule._converters.values())]


def test_every_int_route_uses_the_bounded_converter(app):
    rules = int_rules(app)
    assert {"settings.revoke", "dashboard.detail", "api.get_link", "rq_dashboard.workers_overview"} <= {
        rule.endpoint for rule in rules}
    assert not [rule for rule in app.url_map.iter_rules() if "<int" in rule.rule and rule not in rules]


def filled(rule, number: str) -> str:
    """The rule's URL with every int variable set to ``number`` and the others plausible."""
    path = rule.rule
    for name, converter in rule._converters.items():
        value = number if isinstance(converter, BoundedIntegerConverter) else "x"
        path = re.sub(rf"<[^>]*:?{name}>", value, path)
    return path


@pytest.fixture
def admin_client(app, client, auth):
    """An admin logged in on ``client``, with a link and an API token."""
    user_id = auth.create_user("boss")
    with app.app_context():
        set_admin(find_by_username("boss"), True)
    assert auth.login("boss").status_code == 302
    add_link(app, user_id, slug="abc")
    _token_id, token = make_api_token(app, user_id)
    return client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("number", TOO_BIG)
def test_ids_past_the_column_are_404_on_every_int_route(app, admin_client, number):
    client, headers = admin_client
    for rule in int_rules(app):
        for method in sorted(rule.methods - {"OPTIONS"}):
            response = client.open(filled(rule, number), method=method, headers=headers)
            assert response.status_code == 404, (method, filled(rule, number), response.status_code)


@pytest.mark.parametrize("path", ["/settings/sessions/2147483648/revoke",
                                  "/settings/sessions/" + "1" * 20 + "/revoke"])
def test_revoking_a_session_id_past_the_column_is_404(client, logged_in, path):
    assert client.post(path).status_code == 404


def test_the_largest_id_still_reaches_the_view(client, logged_in):
    assert client.post(f"/settings/sessions/{INT32_MAX}/revoke").status_code == 404  # the view's own
    assert client.get(f"/links/{INT32_MAX}").status_code == 404
