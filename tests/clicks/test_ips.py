"""shortener/clicks/ips.py: what is kept of a visitor's address, and which address is taken."""

import pytest

from shortener.clicks.ips import anonymize_ip
from shortener.clicks.models import Click
from shortener.extensions import db
from tests.helpers import add_link


@pytest.mark.parametrize(
    ("address", "mode", "stored"),
    [
        ("203.0.113.77", "network", "203.0.113.0"),
        ("2001:db8:abcd:1234::1", "network", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "network", "198.51.100.0"),
        ("203.0.113.77", "off", "203.0.113.77"),
        ("203.0.113.77", "drop", None),
        ("not an ip", "network", None),
        ("", "network", None),
        (None, "network", None),
    ],
)
def test_ips_are_stored_as_the_privacy_setting_says(address, mode, stored):
    assert anonymize_ip(address, mode) == stored


def test_the_redirect_stores_the_forwarded_ip_only_behind_a_trusted_proxy(make_app, auth):
    for hops, expected in [(0, "192.0.2.0"), (1, "198.51.100.0")]:
        app = make_app(PROXY_FIX_X_FOR=hops)
        username = f"hops{hops}"
        add_link(app, auth.create_user(username), "go")
        app.test_client().get(f"/{username}/go", headers={"X-Forwarded-For": "198.51.100.23"},
                              environ_base={"REMOTE_ADDR": "192.0.2.10"})
        with app.app_context():
            ips = db.session.scalars(db.select(Click.ip_address)).all()
            db.session.execute(db.delete(Click))
            db.session.commit()
        assert ips == [expected]
