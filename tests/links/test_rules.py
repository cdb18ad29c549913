"""shortener/links/rules.py: every rule of a link's fields, in one place for the form, the API
and the CSV import."""

from datetime import datetime

import pytest

from shortener.links import imports, rules
from shortener.links.models import Link
from shortener.links.rules import LinkOptions, LinkRuleError

NOON = datetime(2026, 12, 1, 12, 0)


def test_the_limits_are_the_widths_of_the_columns():
    columns = Link.__table__.columns
    assert rules.TITLE_MAX_LENGTH == columns["title"].type.length == 200
    assert rules.SLUG_MAX_LENGTH == columns["slug"].type.length == columns["slug_key"].type.length == 64
    assert columns["target_url"].type.length == rules.TARGET_MAX_LENGTH


@pytest.mark.parametrize(("check", "value", "field"), [
    (rules.check_title, "x" * 201, "title"),
    (rules.check_title, "a\x00b", "title"),
    (rules.check_slug, "x" * 65, "slug"),
    (rules.check_slug, "a b", "slug"),
    (lambda value: rules.check_target(value, frozenset()), "ftp://example.com/", "target_url"),
    (lambda value: rules.check_new_expiry(value, NOON), NOON, "expires_at"),
])
def test_every_rule_raises_the_one_error_type_naming_its_field(check, value, field):
    with pytest.raises(LinkRuleError) as caught:
        check(value)
    assert caught.value.field == field and str(caught.value)


def test_option_problems_are_all_reported_at_once():
    with pytest.raises(LinkRuleError) as caught:
        rules.check_options(LinkOptions(click_limit=0, redirect_code=303), None)
    assert [problem.field for problem in caught.value.problems] == ["click_limit", "redirect_code"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2030-12-31 23:59", datetime(2030, 12, 31, 23, 59)),
    ("2030-12-31T23:59:00Z", datetime(2030, 12, 31, 23, 59)),
    ("2030-12-31T23:59:00+01:00", datetime(2030, 12, 31, 22, 59)),
])
def test_moments_are_read_as_naive_utc(text, expected):
    assert rules.parse_moment("expires_at", text) == expected


def test_the_import_gives_the_rules_own_reasons(app):
    too_long = "x" * (rules.TITLE_MAX_LENGTH + 1)
    with pytest.raises(LinkRuleError) as caught:
        rules.check_title(too_long)
    with app.app_context():
        cells = {"target": "https://example.com/", "slug": "", "title": too_long, "expiry": ""}
        assert imports.import_row(1, cells, frozenset()).message == str(caught.value)
        bad_date = {**cells, "title": "", "expiry": "next tuesday"}
        with pytest.raises(LinkRuleError) as caught:
            rules.parse_moment("expiry", "next tuesday")
        assert imports.import_row(1, bad_date, frozenset()).message == str(caught.value)
