"""shortener/accounts/registration_modes.py: REGISTRATION is the default, the newest admin's
choice wins, each change is kept with who made it."""

import pytest

from shortener.accounts import registration_modes
from shortener.config import from_environ
from tests.conftest import AuthActions


def test_a_new_instance_takes_invites_only():
    assert from_environ({})["REGISTRATION"] == "invite"


def test_without_an_admins_choice_the_setting_applies(make_app):
    app = make_app(REGISTRATION="closed")
    with app.app_context():
        assert registration_modes.current() == "closed" and registration_modes.is_default()


def test_the_newest_admins_choice_wins_over_the_setting(app):
    admin = AuthActions(app, app.test_client()).create_user("boss")
    with app.app_context():
        assert registration_modes.set_mode("closed", admin)
        assert registration_modes.set_mode("open", admin)
        assert not registration_modes.set_mode("open", admin)  # no change, no row
        assert registration_modes.current() == "open" and not registration_modes.is_default()
        assert [(c.mode, c.changed_by) for c in registration_modes.history()] == [
            ("open", "boss"), ("closed", "boss")]


def test_an_unknown_mode_is_refused(app):
    with app.app_context(), pytest.raises(registration_modes.UnknownMode):
        registration_modes.set_mode("sometimes", None)
