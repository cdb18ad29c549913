from shortener.extensions import db
from shortener.models import Link, Click


def test_redirect(app, client, auth):
    uid = auth.create_user("bob")
    with app.app_context():
        db.session.add(Link(owner_id=uid, slug="abc", target_url="https://example.com/x"))
        db.session.commit()
    r = client.get("/bob/abc", headers={"Referer": "https://ref.example/"}, environ_base={"REMOTE_ADDR": "1.2.3.4"})
    assert r.status_code == 302
    with app.app_context():
        c = db.session.scalars(db.select(Click)).one()
        assert c.ip_address == "1.2.3.0"
        assert db.session.scalar(db.select(Link.click_count)) == 1
