"""shortener/links/slugs.py: slug rules, random slugs, and saving a new link under a free slug."""

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shortener.extensions import db
from shortener.links import slugs
from shortener.links.models import Link
from shortener.links.slugs import SlugError, SlugTaken, save_new_link, validate_slug


@pytest.mark.parametrize(
    "slug", ["a", "Z", "0", "abc", "ABC-def_123", "-", "_", "x" * 64, "launch-2026"]
)
def test_valid_slugs(slug):
    assert validate_slug(slug) == slug


@pytest.mark.parametrize(
    "slug",
    ["", "x" * 65, "a b", "a/b", "a.b", "a?b", "a#b", "a%20b", "ä", "a\n", "a\\b", "../x", " a"],
)
def test_invalid_slugs(slug):
    with pytest.raises(SlugError):
        validate_slug(slug)


def test_random_slugs_are_seven_base62_characters():
    generated = {slugs.random_slug() for _ in range(200)}
    assert all(re.fullmatch(r"[A-Za-z0-9]{7}", slug) for slug in generated)
    assert len(generated) > 195  # secrets, not a fixed sequence


@pytest.fixture
def owner_id(auth):
    return auth.create_user("alice")


def _new_link(owner_id: int) -> Link:
    return Link(owner_id=owner_id, target_url="https://example.com/")


def _slugs_of(owner_id: int) -> list[str]:
    return sorted(db.session.scalars(select(Link.slug).where(Link.owner_id == owner_id)))


def test_custom_slug_is_saved(app, owner_id):
    with app.app_context():
        link = save_new_link(_new_link(owner_id), "launch")
        assert link.id is not None
        assert _slugs_of(owner_id) == ["launch"]


def test_taken_custom_slug_raises_and_keeps_the_first(app, owner_id):
    with app.app_context():
        save_new_link(_new_link(owner_id), "launch")
        with pytest.raises(SlugTaken):
            save_new_link(_new_link(owner_id), "launch")
        assert _slugs_of(owner_id) == ["launch"]


def test_slugs_are_unique_whatever_their_case_and_per_owner(app, auth, owner_id):
    bob_id = auth.create_user("bob")
    with app.app_context():
        save_new_link(_new_link(owner_id), "Launch")
        with pytest.raises(SlugTaken):
            save_new_link(_new_link(owner_id), "launch")
        save_new_link(_new_link(bob_id), "launch")
        assert _slugs_of(owner_id) == ["Launch"]  # kept as typed
        assert _slugs_of(bob_id) == ["launch"]


def test_invalid_custom_slug_is_not_saved(app, owner_id):
    with app.app_context():
        with pytest.raises(SlugError):
            save_new_link(_new_link(owner_id), "no spaces")
        assert _slugs_of(owner_id) == []


def test_random_slug_collision_is_retried(app, owner_id, monkeypatch):
    with app.app_context():
        save_new_link(_new_link(owner_id), "Taken00")
        proposals = iter(["Taken00", "Fresh00"])
        monkeypatch.setattr(slugs, "random_slug", lambda: next(proposals))
        link = save_new_link(_new_link(owner_id))
        assert link.slug == "Fresh00"
        assert _slugs_of(owner_id) == ["Fresh00", "Taken00"]


def test_gives_up_after_repeated_collisions(app, owner_id, monkeypatch):
    with app.app_context():
        save_new_link(_new_link(owner_id), "Taken00")
        monkeypatch.setattr(slugs, "random_slug", lambda: "Taken00")
        with pytest.raises(SlugTaken, match="try again"):
            save_new_link(_new_link(owner_id))


def test_other_integrity_errors_are_not_taken_for_a_clash(app):
    with app.app_context(), pytest.raises(IntegrityError):
        save_new_link(_new_link(owner_id=999_999), "launch")  # no such owner
