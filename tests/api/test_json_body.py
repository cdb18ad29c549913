"""The API's JSON edge: a body whose text cannot be stored (a lone surrogate in any string, keys
included) is a 400 for every route that reads one, before any field is looked at."""

import pytest

from tests.helpers import add_link

# Written as JSON escapes: a lone surrogate cannot be sent any other way (UTF-8 has no encoding).
LONE_SURROGATE_BODIES = [
    '{"target_url": "https://example.com/", "title": "\\ud800x"}',
    '{"target_url": "https://example.com/\\udfff"}',
    '{"target_url": "https://example.com/", "slug": "a\\ud83d"}',
    '{"target_url": "https://example.com/", "password": "secret\\udc00word"}',
    '{"target_url": "https://example.com/", "expires_at": "2030-01-01T00:00\\ud800"}',
    '{"target_url": "https://example.com/", "\\ud800": 1}',
    '{"target_url": "https://example.com/", "title": ["\\ud800"]}',
    '["\\ud800"]',
]


def assert_lone_surrogate_refused(response):
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid_json"
    assert "surrogate" in error["message"]


@pytest.mark.parametrize("body", LONE_SURROGATE_BODIES)
def test_create_refuses_a_lone_surrogate(api, body):
    assert_lone_surrogate_refused(api.post("/links", data=body, content_type="application/json"))
    assert api.get("/links").get_json()["total"] == 0


@pytest.mark.parametrize("body", [body.replace('"target_url": "https://example.com/", ', "")
                                  for body in LONE_SURROGATE_BODIES])
def test_update_refuses_a_lone_surrogate(app, api, alice, body):
    link_id = add_link(app, alice, slug="kept", title="Kept")
    assert_lone_surrogate_refused(api.patch(f"/links/{link_id}", data=body, content_type="application/json"))
    assert api.get(f"/links/{link_id}").get_json()["title"] == "Kept"


def test_a_surrogate_pair_is_a_character(api):
    body = '{"target_url": "https://example.com/", "title": "smile \\ud83d\\ude00"}'
    response = api.post("/links", data=body, content_type="application/json")
    assert response.status_code == 201 and response.get_json()["title"] == "smile \U0001f600"
