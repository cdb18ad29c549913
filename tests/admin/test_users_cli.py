"""`flask users create-admin` and `flask users demote`, and their exit codes."""

from shortener.accounts.users import find_by_username, verify_password
from tests.conftest import PASSWORD


def is_admin(app, username):
    with app.app_context():
        user = find_by_username(username)
        return None if user is None else user.is_admin


def test_create_admin_creates_the_account_from_prompts(app, runner):
    result = runner.invoke(args=["users", "create-admin", "Root_Op"],
                           input=f"op@example.com\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "root_op is now an admin" in result.output
    assert PASSWORD not in result.output  # hidden input
    assert is_admin(app, "root_op") is True
    with app.app_context():
        assert verify_password(find_by_username("root_op"), PASSWORD)


def test_create_admin_promotes_an_existing_user(app, runner, auth):
    auth.create_user("dave")
    result = runner.invoke(args=["users", "create-admin", "dave"])
    assert result.exit_code == 0
    assert is_admin(app, "dave") is True
    again = runner.invoke(args=["users", "create-admin", "dave"])
    assert again.exit_code == 0 and "already an admin" in again.output


def test_create_admin_with_an_invalid_password_fails_with_1(app, runner):
    result = runner.invoke(args=["users", "create-admin", "erin"], input="erin@example.com\nshort\nshort\n")
    assert result.exit_code == 1
    assert "password" in result.output
    assert is_admin(app, "erin") is None


def test_demote(app, runner, auth, make_admin):
    auth.create_user("dave")
    make_admin("dave")
    result = runner.invoke(args=["users", "demote", "dave"])
    assert result.exit_code == 0 and "no longer an admin" in result.output
    assert is_admin(app, "dave") is False


def test_demote_an_unknown_user_fails_with_1(runner):
    assert runner.invoke(args=["users", "demote", "nobody"]).exit_code == 1


def test_missing_username_is_a_usage_error(runner):
    assert runner.invoke(args=["users", "demote"]).exit_code == 2
