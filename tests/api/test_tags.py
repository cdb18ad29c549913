"""Tags through the API: set on create and update, listed by tag, totalled; the rules are the
domain's (tests/links/test_tags.py), their errors 422 naming the field."""

import pytest

from shortener.links import tags
from tests.api.conftest import ApiClient
from tests.helpers import add_link, make_api_token


def _create(api, slug, tag_names=None):
    body = {"target_url": f"https://example.com/{slug}", "slug": slug}
    if tag_names is not None:
        body["tags"] = tag_names
    response = api.post("/links", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_link_is_created_with_its_tags_and_shows_them_in_name_order(api):
    link = _create(api, "one", ["work", "News", "WORK"])
    assert link["tags"] == ["News", "work"]
    assert api.get(f"/links/{link['id']}").get_json()["tags"] == ["News", "work"]


def test_a_link_without_tags_has_an_empty_list(api):
    assert _create(api, "bare")["tags"] == []


def test_an_update_replaces_the_list_and_one_without_tags_keeps_it(api):
    link = _create(api, "one", ["old", "kept"])
    changed = api.patch(f"/links/{link['id']}", json={"tags": ["kept", "new"]}).get_json()
    assert changed["tags"] == ["kept", "new"]
    assert api.patch(f"/links/{link['id']}", json={"title": "t"}).get_json()["tags"] == ["kept", "new"]
    assert api.patch(f"/links/{link['id']}", json={"tags": []}).get_json()["tags"] == []


@pytest.mark.parametrize("value", [
    "work", None, 7, [7], ["two words"], [""], ["x" * (tags.TAG_MAX_LENGTH + 1)],
    [f"t{n}" for n in range(tags.TAGS_PER_LINK_MAX + 1)], [["nested"]],
])
def test_bad_tags_are_422_naming_the_field_and_create_nothing(api, value):
    response = api.post("/links", json={"target_url": "https://example.com/", "tags": value})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "tags"
    assert api.get("/links").get_json()["total"] == 0


def test_bad_tags_on_update_are_422_and_change_nothing(api):
    link = _create(api, "one", ["kept"])
    response = api.patch(f"/links/{link['id']}", json={"tags": ["no spaces"], "title": "changed"})
    assert response.status_code == 422
    assert api.get(f"/links/{link['id']}").get_json()["tags"] == ["kept"]


def test_the_list_filters_by_a_tag_in_any_case(api):
    _create(api, "one", ["work"])
    _create(api, "two", ["news"])
    page = api.get("/links?tag=WORK").get_json()
    assert [link["slug"] for link in page["links"]] == ["one"] and page["total"] == 1
    assert api.get("/links?tag=nothing").get_json()["total"] == 0


def test_the_search_finds_tags_too(api):
    _create(api, "one", ["newsletter"])
    _create(api, "two")
    assert [link["slug"] for link in api.get("/links?q=LETTER").get_json()["links"]] == ["one"]


@pytest.mark.parametrize("query", ["tag=" + "x" * (tags.TAG_MAX_LENGTH + 1), "tag=%00"])
def test_a_bad_tag_parameter_is_400(api, query):
    response = api.get(f"/links?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_parameter"


def test_tag_totals_are_the_owners_only(app, api, auth):
    _create(api, "one", ["work", "news"])
    _create(api, "two", ["work"])
    bob = auth.create_user("bob")
    bobs_api = ApiClient(app.test_client(), make_api_token(app, bob)[1])
    _create(bobs_api, "bobs", ["secret"])
    add_link(app, bob, slug="untagged")
    assert api.get("/tags").get_json() == {"tags": [{"name": "work", "links": 2, "clicks": 0},
                                                    {"name": "news", "links": 1, "clicks": 0}]}


def test_tag_totals_need_a_token_and_take_no_parameters(client, api):
    assert client.get("/api/v1/tags").status_code == 401
    assert api.get("/tags?x=1").status_code == 400


def test_another_users_link_keeps_its_tags(app, auth, api):
    bob = auth.create_user("bob")
    bobs = add_link(app, bob, slug="bobs")
    assert api.patch(f"/links/{bobs}", json={"tags": ["mine"]}).status_code == 404
    assert api.get("/tags").get_json() == {"tags": []}
