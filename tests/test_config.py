"""shortener.config: settings parsed once from the environment, unsafe ones refused."""

import pytest

from shortener import create_app
from shortener.config import (
    DEV_SECRET_KEY,
    ConfigError,
    finalize,
    from_environ,
    normalize_database_url,
)

KEY = "k" * 32


def settings(tmp_path, **env) -> dict:
    """from_environ + finalize, as create_app does, on ``env`` alone (never os.environ)."""
    return finalize(from_environ({k: str(v) for k, v in env.items()}), str(tmp_path))


# --- SECRET_KEY ----------------------------------------------------------------

@pytest.mark.parametrize("env", [{}, {"SECRET_KEY": ""}, {"SECRET_KEY": DEV_SECRET_KEY},
                                 {"APP_ENV": "production"}])
def test_production_refuses_a_missing_or_dev_secret_key(tmp_path, env):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set") as error:
        settings(tmp_path, **env)
    assert "secrets.token_hex" in str(error.value)  # the message says how to fix it


def test_create_app_refuses_to_start_without_secret_key_in_production():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": None, "TESTING": False})


def test_development_falls_back_to_the_dev_secret_key(tmp_path):
    config = settings(tmp_path, APP_ENV="development")
    assert config["SECRET_KEY"] == DEV_SECRET_KEY


def test_production_keeps_its_secret_key(tmp_path):
    assert settings(tmp_path, SECRET_KEY="k" * 64)["SECRET_KEY"] == "k" * 64


# --- database URLs -------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("postgres://u:p@db.example:5432/app", "postgresql+psycopg://u:p@db.example:5432/app"),
    ("postgresql://u:p@db.example/app?sslmode=require",
     "postgresql+psycopg://u:p@db.example/app?sslmode=require"),
    ("postgresql+psycopg://u@h/app", "postgresql+psycopg://u@h/app"),
    ("sqlite:////tmp/app.db", "sqlite:////tmp/app.db"),
])
def test_normalize_database_url(url, expected):
    assert normalize_database_url(url) == expected


def test_heroku_database_url_is_accepted(tmp_path):
    config = settings(tmp_path, SECRET_KEY=KEY, DATABASE_URL="postgres://u:p@db.example/app")
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/app"


def test_database_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    config = settings(tmp_path, SECRET_KEY=KEY)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/shortener.db"


# --- parsing -------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("PROXY_FIX_X_FOR", "one"),
    ("REMEMBER_COOKIE_DAYS", "14d"),
    ("MAIL_PORT", "587.5"),
    ("PASSWORD_RESET_TTL", "1h"),
    ("EMAIL_RETRY_MAX", "five"),
    ("EMAIL_RETRY_INTERVALS", "10,30,x"),
    ("REDIS_WEB_TIMEOUT", "fast"),
    ("APP_ENV", "staging"),
    ("CLICK_TRACKING", "sometimes"),
])
def test_unparsable_values_are_refused_by_name(name, value):
    with pytest.raises(ConfigError, match=name):
        from_environ({name: value})


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True),
    ("0", False), ("false", False), ("no", False), ("off", False), ("", True),
])
def test_booleans(raw, expected):
    assert from_environ({"MAIL_USE_TLS": raw})["MAIL_USE_TLS"] is expected


@pytest.mark.parametrize("raw", ["ture", "maybe", "2"])
def test_unparsable_booleans_are_refused(raw):
    with pytest.raises(ConfigError, match="MAIL_USE_TLS"):
        from_environ({"MAIL_USE_TLS": raw})


def test_numbers_and_lists_are_parsed(tmp_path):
    config = settings(tmp_path, SECRET_KEY=KEY, PASSWORD_RESET_TTL="900",
                      EMAIL_RETRY_MAX="2", EMAIL_RETRY_INTERVALS="5, 50")
    assert config["PASSWORD_RESET_TTL"] == 900
    assert (config["EMAIL_RETRY_MAX"], config["EMAIL_RETRY_INTERVALS"]) == (2, [5, 50])


def test_each_email_retry_needs_an_interval(tmp_path):
    with pytest.raises(ConfigError, match="EMAIL_RETRY_INTERVALS"):
        settings(tmp_path, SECRET_KEY=KEY, EMAIL_RETRY_MAX="3", EMAIL_RETRY_INTERVALS="10,30")


# --- derived settings ----------------------------------------------------------

def test_base_url_loses_its_trailing_slash(tmp_path):
    config = settings(tmp_path, SECRET_KEY=KEY, BASE_URL="https://sho.rt/")
    assert config["BASE_URL"] == "https://sho.rt"


def test_rate_limits_are_stored_in_redis_by_default(tmp_path):
    config = settings(tmp_path, SECRET_KEY=KEY, REDIS_URL="redis://cache.example:6379/2")
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/2"


@pytest.mark.parametrize("env, secure", [
    ({"SECRET_KEY": KEY}, True),
    ({"APP_ENV": "development"}, False),
])
def test_cookies_are_httponly_lax_and_secure_outside_development(tmp_path, env, secure):
    config = settings(tmp_path, **env)
    for cookie in ("SESSION", "REMEMBER"):
        assert config[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert config[f"{cookie}_COOKIE_SAMESITE"] == "Lax"
        assert config[f"{cookie}_COOKIE_SECURE"] is secure


def test_rate_limit_storage_gives_up_quickly(tmp_path):
    options = settings(tmp_path, SECRET_KEY=KEY)["RATELIMIT_STORAGE_OPTIONS"]
    assert options["socket_connect_timeout"] <= 1 and options["socket_timeout"] <= 1


def test_local_folders_default_to_the_instance_folder(tmp_path):
    config = settings(tmp_path, SECRET_KEY=KEY)
    assert config["MAIL_OUTBOX_DIR"] == str(tmp_path / "outbox")
    assert config["CLICK_SPOOL_DIR"] == str(tmp_path / "spool")
