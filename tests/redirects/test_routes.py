"""GET /<username>/<slug>: the redirect itself."""

from tests.conftest import AuthActions
from tests.helpers import add_link, recorded_statements


def test_redirect_never_looks_at_the_login(app, auth):
    link_owner = auth.create_user("alice")
    add_link(app, link_owner, "go", "https://example.com/")
    visitor = app.test_client()
    assert AuthActions(app, visitor).login("alice", remember="y").status_code == 302
    with recorded_statements(app) as statements:
        response = visitor.get("/alice/go")
    assert response.status_code == 302
    # Tracking is "sync" in tests: the lookup, then the click's own writes; no login row.
    assert "FROM links" in statements[0]
    assert not [sql for sql in statements if "user_sessions" in sql]
