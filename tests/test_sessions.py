"""shortener.sessions: Flask's cookie sessions with the serializer built once."""

from flask import session


def test_the_signing_serializer_is_built_once_per_set_of_keys(app):
    interface = app.session_interface
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)
    first = interface.get_signing_serializer(app)
    app.config["SECRET_KEY_FALLBACKS"] = ["an-older-key"]
    assert interface.get_signing_serializer(app) is not first


def test_a_cookie_signed_before_a_key_rotation_still_opens(make_app):
    old = make_app(SECRET_KEY="the-old-secret-key")

    @old.get("/_set")
    def set_value():
        session["value"] = "kept"
        return "ok"

    client = old.test_client()
    client.get("/_set")
    cookie = client.get_cookie("session").value
    new = make_app(SECRET_KEY="the-new-secret-key", SECRET_KEY_FALLBACKS=["the-old-secret-key"])
    with new.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        assert session["value"] == "kept"
    with make_app(SECRET_KEY="the-new-secret-key").test_request_context(
            "/", headers={"Cookie": f"session={cookie}"}):
        assert "value" not in session  # without the fallback the old signature is refused
