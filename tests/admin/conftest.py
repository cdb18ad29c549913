"""Admin fixtures: an admin logged in, and every URL under /admin."""

import pytest
from werkzeug.routing import IntegerConverter

from shortener.accounts.users import find_by_username, set_admin
from tests.conftest import PASSWORD


@pytest.fixture
def make_admin(app):
    def promote(username: str) -> None:
        with app.app_context():
            set_admin(find_by_username(username), True)

    return promote


@pytest.fixture
def admin_logged_in(auth, make_admin):
    """A user 'boss' with admin rights, logged in on ``client``."""
    user_id = auth.create_user("boss")
    make_admin("boss")
    assert auth.login("boss", PASSWORD).status_code == 302
    return user_id


def admin_urls(app, prefix: str = "/admin/") -> list[tuple[str, str]]:
    """(method, url) of every rule under ``prefix``, arguments filled with plausible values."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        values = {
            # 1, not 0: rq-dashboard redirects instance 0 to its canonical URL during routing.
            name: 1 if isinstance(converter, IntegerConverter) else "x"
            for name, converter in rule._converters.items()
        }
        url = rule.build(values, append_unknown=False)[1]
        found += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found
