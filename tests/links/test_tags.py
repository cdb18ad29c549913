"""shortener/links/tags.py: the tag rules, and tags through the link service."""

import pytest
from sqlalchemy import select

from shortener.extensions import db
from shortener.links import service, tags
from shortener.links.models import Link, Tag, link_tags
from shortener.links.rules import LinkRuleError
from tests.helpers import add_link


@pytest.mark.parametrize("name, stored", [
    ("work", "work"),
    ("  Work ", "Work"),
    ("q3-2026", "q3-2026"),
    ("v1.2_beta", "v1.2_beta"),
    ("Büro", "Büro"),
    ("Bu\u0308ro", "Büro"),  # decomposed: stored composed, so it is the same tag
    ("日本", "日本"),
    ("x" * tags.TAG_MAX_LENGTH, "x" * tags.TAG_MAX_LENGTH),
])
def test_good_tags_are_stored_trimmed_and_composed(name, stored):
    assert tags.check_tag(name) == stored


@pytest.mark.parametrize("name", [
    "", "   ", "two words", "a,b", "-lead", ".dot", "_under", "semi;colon", "tab\there", "nul\x00",
    "x" * (tags.TAG_MAX_LENGTH + 1), "İ" * tags.TAG_MAX_LENGTH, "=cmd", "emoji🙂", 7, None, ["work"],
])
def test_bad_tags_are_refused_naming_the_field(name):
    with pytest.raises(LinkRuleError) as error:
        tags.check_tag(name)
    assert error.value.field == "tags"


def test_a_list_drops_repeats_in_any_case_keeping_the_first_spelling():
    assert tags.check_tags(["Work", "news", "WORK", "work "]) == ["Work", "news"]


def test_a_link_has_at_most_the_maximum_of_tags():
    names = [f"t{number}" for number in range(tags.TAGS_PER_LINK_MAX)]
    assert tags.check_tags(names + ["T0"]) == names
    with pytest.raises(LinkRuleError, match=f"at most {tags.TAGS_PER_LINK_MAX}"):
        tags.check_tags(names + ["one-more"])


def test_a_typed_list_is_split_on_commas_blanks_dropped():
    assert tags.split_tags(" work, news ,, ,x") == ["work", "news", "x"]


def test_the_filter_of_a_query_string_is_a_key_never_an_error():
    assert tags.clean_filter(" Work ") == "work"
    assert tags.clean_filter(None) == ""
    assert tags.clean_filter("a\x00b") == "ab"


# --- through the service ---------------------------------------------------------------------------

def _names(app, link_id: int) -> list[str]:
    with app.app_context():
        return tags.names_of(db.session.get(Link, link_id))


def test_a_link_is_created_with_its_tags_in_name_order(app, auth):
    alice = auth.create_user("alice")
    with app.app_context():
        link = service.create_link(alice, "https://example.com/", tags=["work", "News"])
        link_id = link.id
    assert _names(app, link_id) == ["News", "work"]


def test_a_tag_is_one_per_owner_whatever_its_case_and_keeps_its_first_spelling(app, auth):
    alice, bob = auth.create_user("alice"), auth.create_user("bob")
    with app.app_context():
        first = service.create_link(alice, "https://example.com/1", tags=["Work"]).id
        second = service.create_link(alice, "https://example.com/2", tags=["WORK"]).id
        service.create_link(bob, "https://example.com/3", tags=["work"])
        rows = db.session.execute(select(Tag.owner_id, Tag.name).order_by(Tag.owner_id)).all()
    assert [tuple(row) for row in rows] == [(alice, "Work"), (bob, "work")]
    assert _names(app, first) == _names(app, second) == ["Work"]


def test_bad_tags_refuse_the_whole_creation(app, auth):
    alice = auth.create_user("alice")
    with app.app_context():
        with pytest.raises(LinkRuleError):
            service.create_link(alice, "https://example.com/", tags=["fine", "not fine"])
        assert db.session.scalar(select(Link.id)) is None
        assert db.session.scalar(select(Tag.id)) is None


def test_an_update_replaces_the_tags_and_drops_those_no_link_carries(app, auth):
    alice = auth.create_user("alice")
    with app.app_context():
        link = service.create_link(alice, "https://example.com/", tags=["old", "kept"])
        service.update_link(link, tags=["kept", "new"])
        assert tags.names_of(link) == ["kept", "new"]
        assert sorted(db.session.scalars(select(Tag.name))) == ["kept", "new"]
        service.update_link(link, title="no change to the tags")
        assert tags.names_of(link) == ["kept", "new"]


def test_deleting_a_link_deletes_its_pairs_not_the_tags_of_others(app, auth):
    alice = auth.create_user("alice")
    with app.app_context():
        gone = service.create_link(alice, "https://example.com/1", tags=["shared"])
        kept = service.create_link(alice, "https://example.com/2", tags=["shared"])
        service.delete_link(gone)
        pairs = db.session.execute(select(link_tags.c.link_id)).scalars().all()
        assert pairs == [kept.id]


def test_the_search_finds_links_by_tag_and_the_filter_keeps_one_tag(app, auth):
    alice = auth.create_user("alice")
    with app.app_context():
        service.create_link(alice, "https://example.com/a", slug="a", tags=["Marketing"])
        service.create_link(alice, "https://example.com/b", slug="b", tags=["sales"])
        service.create_link(alice, "https://example.com/c", slug="c")

        def slugs(**args):
            return sorted(link.slug for link in service.list_links(alice, 1, 20, **args).items)

        assert slugs(query="MARKET") == ["a"]
        assert slugs(tag="sales") == ["b"]
        assert slugs(tag="sales", query="market") == []  # both at once
        assert slugs(tag="nothing") == []


def test_tag_totals_count_links_and_human_clicks_per_tag_of_the_owner_only(app, auth):
    alice, bob = auth.create_user("alice"), auth.create_user("bob")
    with app.app_context():
        service.create_link(alice, "https://example.com/1", tags=["work", "news"])
        service.create_link(alice, "https://example.com/2", tags=["work"])
        service.create_link(bob, "https://example.com/3", tags=["work"])
        db.session.execute(Link.__table__.update().values(click_count=5))
        db.session.commit()
        assert tags.tag_totals(alice) == [("work", 2, 10), ("news", 1, 5)]


def test_adding_a_tag_that_exists_is_no_error(app, auth):
    """Two requests adding one new tag at once: the second finds the first's, nothing fails."""
    alice = auth.create_user("alice")
    with app.app_context():
        first = tags.ensure_tags(alice, ["race"])
        again = tags.ensure_tags(alice, ["RACE"])
        assert [tag.id for tag in again] == [tag.id for tag in first]
        assert [tag.name for tag in again] == ["race"]


def test_helper_links_have_no_tags(app, auth):
    alice = auth.create_user("alice")
    link_id = add_link(app, alice)
    assert _names(app, link_id) == []


def test_the_tag_limit_is_the_width_of_its_columns():
    assert Tag.__table__.c.name.type.length == Tag.__table__.c.name_key.type.length == tags.TAG_MAX_LENGTH
