"""Tags on the dashboard and in the link form: shown, edited, filtered, searched and totalled,
in a constant number of queries whatever the page holds."""

import pytest
from sqlalchemy import update

from shortener.extensions import db
from shortener.links import service, tags
from shortener.links.models import Link
from tests.helpers import recorded_statements


def _link(app, owner_id, slug, tag_names=(), clicks=0):
    with app.app_context():
        link = service.create_link(owner_id, f"https://example.com/{slug}", slug=slug, tags=tag_names)
        if clicks:
            db.session.execute(update(Link).where(Link.id == link.id).values(click_count=clicks))
            db.session.commit()
        return link.id


def _names(app, link_id):
    with app.app_context():
        return tags.names_of(db.session.get(Link, link_id))


def test_the_create_form_sets_tags_typed_with_commas(app, client, logged_in):
    response = client.post("/links/new", data={"target_url": "https://example.com/", "slug": "t",
                                               "tags": "work, News ,work,"})
    assert response.status_code == 302
    with app.app_context():
        link_id = db.session.query(Link.id).scalar()
    assert _names(app, link_id) == ["News", "work"]


@pytest.mark.parametrize("typed, message", [
    ("two words", "is not a tag"),
    (",".join(f"t{n}" for n in range(tags.TAGS_PER_LINK_MAX + 1)), f"at most {tags.TAGS_PER_LINK_MAX} tags"),
    ("x" * (tags.TAG_MAX_LENGTH + 1), "is not a tag"),
])
def test_bad_tags_are_a_form_error_and_nothing_is_created(app, client, logged_in, typed, message):
    response = client.post("/links/new", data={"target_url": "https://example.com/", "tags": typed})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Link.id).count() == 0


def test_the_edit_form_shows_and_replaces_the_tags(app, client, logged_in):
    link_id = _link(app, logged_in, "e", ["old", "kept"])
    page = client.get(f"/links/{link_id}/edit").get_data(as_text=True)
    assert 'value="kept, old"' in page
    client.post(f"/links/{link_id}/edit", data={"target_url": "https://example.com/e", "is_active": "y",
                                                "tags": "kept, new", "redirect_code": "302"})
    assert _names(app, link_id) == ["kept", "new"]
    client.post(f"/links/{link_id}/edit", data={"target_url": "https://example.com/e", "is_active": "y",
                                                "tags": "", "redirect_code": "302"})
    assert _names(app, link_id) == []


def test_the_dashboard_shows_each_links_tags_and_filters_by_one(app, client, logged_in):
    _link(app, logged_in, "one", ["work", "news"])
    _link(app, logged_in, "two", ["work"])
    _link(app, logged_in, "three")
    page = client.get("/").get_data(as_text=True)
    assert 'class="tag" href="/?tag=news"' in page and 'href="/?tag=work"' in page
    filtered = client.get("/?tag=WORK").get_data(as_text=True)
    assert "example.com/one" in filtered and "example.com/two" in filtered
    assert "example.com/three" not in filtered
    assert 'name="tag" value="work"' in filtered  # a search stays within the tag


def test_the_search_finds_links_by_a_tag(app, client, logged_in):
    _link(app, logged_in, "one", ["newsletter"])
    _link(app, logged_in, "two")
    page = client.get("/?q=LETTER").get_data(as_text=True)
    assert "example.com/one" in page and "example.com/two" not in page


def test_a_tag_no_link_has_says_so(client, logged_in, app):
    _link(app, logged_in, "one", ["work"])
    page = client.get("/?tag=nothing").get_data(as_text=True)
    assert "No link is tagged “nothing”." in page


@pytest.mark.parametrize("value", ["", "%", "\x00", "a" * 500, "two words", "İ"])
def test_any_tag_filter_answers_without_an_error(client, logged_in, value):
    assert client.get("/", query_string={"tag": value}).status_code == 200


def test_the_dashboard_totals_links_and_human_clicks_per_tag(app, client, logged_in, auth):
    _link(app, logged_in, "one", ["work", "news"], clicks=7)
    _link(app, logged_in, "two", ["work"], clicks=3)
    bob = auth.create_user("bob")
    _link(app, bob, "bobs", ["work", "secret"], clicks=1000)
    page = client.get("/").get_data(as_text=True)
    assert "2 links · 10 clicks" in page
    assert "1 link · 7 clicks" in page
    assert "secret" not in page and "1,010" not in page


def test_pagination_and_export_keep_the_tag(app, client, logged_in):
    app.config["LINKS_PER_PAGE"] = 1
    _link(app, logged_in, "one", ["work"])
    _link(app, logged_in, "two", ["work"])
    page = client.get("/?tag=work").get_data(as_text=True)
    assert "/?page=2&amp;tag=work" in page
    assert "/links.csv?sort=newest&amp;tag=work" in page


def _dashboard_statements(app, client) -> list[str]:
    with recorded_statements(app) as seen:
        assert client.get("/").status_code == 200
    return seen


def test_the_dashboard_reads_the_tags_of_a_page_at_once_whatever_it_holds(app, client, logged_in):
    """No query per link: twenty tagged links cost what two do."""
    for number in range(2):
        _link(app, logged_in, f"few{number}", ["a", "b"])
    few = _dashboard_statements(app, client)
    for number in range(18):
        _link(app, logged_in, f"many{number}", ["a", f"t{number}"])
    many = _dashboard_statements(app, client)
    assert len(many) == len(few)
    assert sum("link_tags" in statement for statement in many) == 2  # the page's tags, the totals


def test_the_link_page_shows_its_tags_leading_to_the_filter(app, client, logged_in):
    link_id = _link(app, logged_in, "one", ["work"])
    page = client.get(f"/links/{link_id}").get_data(as_text=True)
    assert 'class="tag" href="/?tag=work">work</a>' in page
