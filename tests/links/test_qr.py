"""shortener/links/qr.py and the link page's QR code routes; scans counted apart."""

import pytest
from sqlalchemy import select

from shortener.accounts.users import hash_password
from shortener.clicks.enrichment import QR_CODE
from shortener.clicks.models import Click, DailyBreakdown
from shortener.extensions import db
from shortener.links import qr
from tests.helpers import add_link, counts

SHORT = "http://sho.rt.test/alice/abc"


def test_the_code_encodes_the_short_url_with_the_scan_marker():
    assert qr.qr_url(SHORT) == SHORT + "/q"
    code = qr._code(SHORT)
    expected = qr.segno.make_qr(SHORT + "/q", error="m", boost_error=False)
    assert code.matrix == expected.matrix
    assert code.error == "M"


def test_svg_and_png_are_what_they_say():
    svg = qr.qr_svg(SHORT)
    assert svg.startswith(b"<svg") and b"viewBox" in svg
    assert qr.qr_png(SHORT).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(("kind", "mimetype", "render"), [
    ("svg", "image/svg+xml", qr.qr_svg), ("png", "image/png", qr.qr_png),
])
def test_the_owner_gets_a_cacheable_code_of_the_short_url(app, client, logged_in, kind, mimetype, render):
    link_id = add_link(app, logged_in, "abc")
    response = client.get(f"/links/{link_id}/qr.{kind}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.data == render(SHORT)
    assert "max-age" in response.headers["Cache-Control"] and response.headers["ETag"]
    again = client.get(f"/links/{link_id}/qr.{kind}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    download = client.get(f"/links/{link_id}/qr.{kind}?download=1")
    assert download.headers["Content-Disposition"] == f'attachment; filename="abc-qr.{kind}"'


def test_another_users_code_is_404_and_a_login_is_needed(app, client, auth, logged_in):
    bobs = add_link(app, auth.create_user("bob"), "abc")
    assert client.get(f"/links/{bobs}/qr.svg").status_code == 404
    assert client.get("/links/999999/qr.png").status_code == 404
    assert client.get(f"/links/{bobs}/qr.gif").status_code == 404
    auth.logout()
    assert client.get(f"/links/{bobs}/qr.svg").status_code == 302  # to the login


def test_the_link_page_shows_the_code_and_download_buttons(app, client, logged_in):
    link_id = add_link(app, logged_in, "abc")
    page = client.get(f"/links/{link_id}").get_data(as_text=True)
    assert f'<img src="/links/{link_id}/qr.svg"' in page
    assert f"/links/{link_id}/qr.png?download=1" in page and f"/links/{link_id}/qr.svg?download=1" in page


def test_a_scan_redirects_and_is_recorded_as_a_qr_code_source(app, client, auth):
    link_id = add_link(app, auth.create_user("bob"), "go", "https://example.com/")
    response = client.get("/bob/go/q")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.com/"
    client.get("/bob/go", headers={"Referer": "https://news.example/"})
    assert counts(app, link_id) == (2, 2, 2)
    with app.app_context():
        sources = dict(db.session.execute(select(Click.source, Click.referrer_host)).all())
        assert sources == {"qr": QR_CODE, None: "news.example"}
        referrers = set(db.session.scalars(
            select(DailyBreakdown.value).where(DailyBreakdown.dimension == "referrer")))
        assert referrers == {QR_CODE, "news.example"}


def test_a_scan_obeys_the_links_options_and_keeps_the_marker_out_of_the_query(app, client, auth):
    add_link(app, auth.create_user("bob"), "go", "https://example.com/?a=1", forward_query=True,
             redirect_code=307)
    response = client.get("/bob/go/q?utm_source=poster")
    assert response.status_code == 307
    assert response.headers["Location"] == "https://example.com/?a=1&utm_source=poster"
    assert client.get("/bob/missing/q").status_code == 404


def test_the_stats_page_shows_qr_code_as_a_source(app, client, logged_in):
    link_id = add_link(app, logged_in, "abc")
    client.get("/alice/abc/q")
    assert QR_CODE in client.get(f"/links/{link_id}").get_data(as_text=True)


def test_a_password_given_after_a_scan_counts_as_a_scan_and_unlocks_the_short_url(app, client, auth):
    link_id = add_link(app, auth.create_user("bob"), "go", password_hash=hash_password("open sesame"))
    assert client.get("/bob/go/q").status_code == 200  # the form
    assert client.post("/bob/go/q", data={"password": "open sesame"}).status_code == 200  # on to the target
    assert client.get_cookie(f"link_access_{link_id}", path="/bob/go") is not None
    assert client.get("/bob/go").status_code == 302
    with app.app_context():
        assert sorted(db.session.scalars(select(Click.source)), key=str) == [None, "qr"]


def test_a_slug_named_q_is_not_a_scan(app, client, auth):
    link_id = add_link(app, auth.create_user("bob"), "q", password_hash=hash_password("open sesame"))
    assert client.post("/bob/q", data={"password": "open sesame"}).status_code == 200  # on to the target
    assert client.get_cookie(f"link_access_{link_id}", path="/bob/q") is not None
    with app.app_context():
        assert list(db.session.scalars(select(Click.source))) == [None]
