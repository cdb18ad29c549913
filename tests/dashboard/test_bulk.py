"""Bulk actions on the links selected on the dashboard: one confirmation page, then the action,
on the user's own links only, with a CSRF token."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from shortener.extensions import db
from shortener.links import bulk, service, tags
from shortener.links.models import Link, Tag
from shortener.links.rules import LinkOptions
from shortener.timeutil import utcnow
from tests.helpers import add_link, csrf_token, login_with_csrf


def _link(app, owner_id, slug, tag_names=(), **options):
    with app.app_context():
        return service.create_link(owner_id, f"https://example.com/{slug}", slug=slug, tags=tag_names,
                                   options=LinkOptions(**options)).id


def _row(app, link_id):
    with app.app_context():
        link = db.session.get(Link, link_id)
        return None if link is None else (link.is_active, link.expires_at, tags.names_of(link))


def _post(client, ids, action, confirmed=True, **fields):
    data = {"link_id": [str(link_id) for link_id in ids], "action": action, **fields}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post("/links/bulk", data=data)


@pytest.fixture
def two(app, logged_in):
    return _link(app, logged_in, "one", ["old"]), _link(app, logged_in, "two")


def test_the_dashboard_offers_a_box_per_link_and_the_actions(app, client, logged_in, two):
    page = client.get("/").get_data(as_text=True)
    assert page.count('name="link_id"') == 2
    for label in bulk.ACTIONS.values():
        assert f">{label}</option>" in page


def test_the_confirmation_page_lists_the_links_and_changes_nothing(app, client, logged_in, two):
    page = _post(client, two, "disable", confirmed=False)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Disable 2 links?" in text and "/alice/one" in text and "/alice/two" in text
    assert 'name="confirmed" type="hidden" value="yes"' in text or 'name="confirmed" value="yes"' in text
    assert _row(app, two[0])[0] is True and _row(app, two[1])[0] is True


def test_a_confirmed_tag_tags_every_selected_link(app, client, logged_in, two):
    first = _post(client, two, "tag", confirmed=False).get_data(as_text=True)
    assert "Add a tag to 2 links" in first and "is not a tag" not in first  # asked, not refused yet
    response = _post(client, two, "tag", tag="Launch")
    assert response.status_code == 302
    assert _row(app, two[0])[2] == ["Launch", "old"] and _row(app, two[1])[2] == ["Launch"]
    assert "Tagged 2 links “Launch”." in client.get("/").get_data(as_text=True)


def test_a_bad_tag_is_an_error_on_the_confirmation_page(app, client, logged_in, two):
    response = _post(client, two, "tag", tag="no spaces")
    assert response.status_code == 200
    assert "is not a tag" in response.get_data(as_text=True)
    assert _row(app, two[1])[2] == []


def test_tagging_leaves_links_that_have_it_or_the_maximum(app, client, logged_in):
    full = _link(app, logged_in, "full", [f"t{n}" for n in range(tags.TAGS_PER_LINK_MAX)])
    has = _link(app, logged_in, "has", ["x"])
    bare = _link(app, logged_in, "bare")
    _post(client, [full, has, bare], "tag", tag="X")
    assert "x" not in _row(app, full)[2]
    assert _row(app, has)[2] == ["x"] and _row(app, bare)[2] == ["x"]
    assert "Tagged 1 link “X”. 2 links left as they were" in client.get("/").get_data(as_text=True)


def test_untag_removes_the_tag_and_forgets_it_once_unused(app, client, logged_in):
    ids = [_link(app, logged_in, "a", ["gone", "kept"]), _link(app, logged_in, "b", ["GONE"])]
    _post(client, ids, "untag", tag="gone")
    assert _row(app, ids[0])[2] == ["kept"] and _row(app, ids[1])[2] == []
    with app.app_context():
        assert list(db.session.scalars(select(Tag.name))) == ["kept"]


def test_disable_then_enable(app, client, logged_in, two):
    _post(client, two, "disable")
    assert [_row(app, link_id)[0] for link_id in two] == [False, False]
    assert client.get("/alice/one").status_code == 404
    _post(client, two, "enable")
    assert [_row(app, link_id)[0] for link_id in two] == [True, True]


def test_set_expiry_leaves_links_that_start_later(app, client, logged_in):
    soon = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    later = _link(app, logged_in, "later", starts_at=soon + timedelta(days=1))
    plain = _link(app, logged_in, "plain")
    _post(client, [later, plain], "expire", expires_at=soon.strftime("%Y-%m-%dT%H:%M"))
    assert _row(app, plain)[1] == soon and _row(app, later)[1] is None
    _post(client, [plain], "expire", expires_at="")
    assert _row(app, plain)[1] is None


def test_an_expiry_in_the_past_is_an_error(app, client, logged_in, two):
    response = _post(client, two, "expire", expires_at="2020-01-01T00:00")
    assert response.status_code == 200 and "in the past" in response.get_data(as_text=True)


def test_delete_removes_the_links_and_their_tags(app, client, logged_in, two):
    page = _post(client, two, "delete", confirmed=False).get_data(as_text=True)
    assert "Delete 2 links?" in page and "cannot be undone" in page
    _post(client, two, "delete")
    assert _row(app, two[0]) is None and _row(app, two[1]) is None
    with app.app_context():
        assert db.session.scalar(select(Tag.id)) is None


def test_another_users_ids_are_ignored_never_touched(app, client, logged_in, auth, two):
    bob = auth.create_user("bob")
    bobs = add_link(app, bob, slug="bobs")
    page = _post(client, [two[0], bobs], "delete", confirmed=False).get_data(as_text=True)
    assert "Delete 1 link?" in page and "bobs" not in page
    _post(client, [two[0], bobs], "delete")
    assert _row(app, two[0]) is None and _row(app, bobs) is not None


def test_only_another_users_ids_is_a_404(app, client, logged_in, auth):
    bobs = add_link(app, auth.create_user("bob"), slug="bobs")
    for confirmed in (False, True):
        assert _post(client, [bobs], "disable", confirmed=confirmed).status_code == 404
    assert _row(app, bobs)[0] is True


@pytest.mark.parametrize("ids, action, message", [
    ([], "disable", "Select links first"),
    (None, "", "Pick what to do"),
    (None, "explode", "Pick what to do"),
])
def test_no_selection_or_no_action_goes_back_with_a_message(app, client, logged_in, two, ids, action,
                                                             message):
    response = _post(client, two if ids is None else ids, action, confirmed=False)
    assert response.status_code == 302
    assert message in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("value", ["x", "-1", "0", "99999999999", "1e3", "٣"])
def test_ids_that_cannot_be_links_are_dropped(app, client, logged_in, two, value):
    response = client.post("/links/bulk", data={"link_id": [value, str(two[0])], "action": "disable",
                                                "confirmed": "yes"})
    assert response.status_code == 302
    assert _row(app, two[0])[0] is False


def test_too_many_ids_go_back_with_a_message(app, client, logged_in, two):
    response = _post(client, range(1, bulk.MAX_LINKS + 2), "disable")
    assert response.status_code == 302
    assert f"at most {bulk.MAX_LINKS} links" in client.get("/").get_data(as_text=True)


def test_needs_a_login(client):
    response = client.post("/links/bulk", data={"link_id": "1", "action": "delete", "confirmed": "yes"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_needs_the_csrf_token(make_app, auth):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    alice = auth.create_user("alice")
    link_id = _link(app, alice, "kept")
    login_with_csrf(client)
    refused = client.post("/links/bulk", data={"link_id": str(link_id), "action": "delete",
                                               "confirmed": "yes"})
    assert refused.status_code == 400 and _row(app, link_id) is not None
    token = csrf_token(client.get("/").get_data(as_text=True))
    page = client.post("/links/bulk", data={"link_id": str(link_id), "action": "delete", "csrf_token": token})
    confirmed = client.post("/links/bulk", data={
        "link_id": str(link_id), "action": "delete", "confirmed": "yes",
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert confirmed.status_code == 302 and _row(app, link_id) is None
