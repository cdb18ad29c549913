"""Every setting, read from the environment once and parsed here.

Tests and tools pass overrides to ``create_app(config)``; nothing else reads
``os.environ`` for settings.
"""

import os
from datetime import timedelta

DEV_SECRET_KEY = "dev-insecure-secret-key"
SECRET_KEY_MIN_LENGTH = 32
CLICK_TRACKING_MODES = ("job", "sync", "buffer", "off")
IP_ANONYMIZATION_MODES = ("network", "drop", "off")
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")
REGISTRATION_MODES = ("open", "verified", "invite", "closed")


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message tells how to fix it."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def _bool(env, name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    word = raw.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ConfigError(f"{name} must be true or false (1/0, yes/no, on/off), got {raw!r}")
    return word in TRUE_WORDS


def _number(env, name: str, default, parse=int, kind="a whole number"):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be {kind}, got {raw!r}") from exc


def _int(env, name: str, default: int) -> int:
    return _number(env, name, default)


def _float(env, name: str, default: float) -> float:
    return _number(env, name, default, float, "a number")


def _int_list(env, name: str, default: list[int]) -> list[int]:
    raw = env.get(name)
    if raw in (None, ""):
        return list(default)
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ConfigError(f"{name} must be comma-separated whole numbers, got {raw!r}") from exc


def _strings(env, name: str) -> list[str]:
    return [part.strip() for part in (env.get(name) or "").split(",") if part.strip()]


def _choice(env, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def normalize_database_url(url: str) -> str:
    """Heroku's ``postgres://`` and plain ``postgresql://`` both mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environ(env=None) -> dict:
    """Build the settings dict from environment variables (``os.environ`` by default)."""
    env = os.environ if env is None else env
    return {
        "APP_ENV": _choice(env, "APP_ENV", "production", ("production", "development")),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or None,
        "REDIS_URL": env.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "BASE_URL": (env.get("BASE_URL") or "").rstrip("/") or None,
        "LOG_LEVEL": _choice(env, "LOG_LEVEL", "info", LOG_LEVELS).upper(),
        "LOG_FORMAT": _choice(env, "LOG_FORMAT", "text", LOG_FORMATS),
        "PROXY_FIX_X_FOR": _int(env, "PROXY_FIX_X_FOR", 1 if env.get("DYNO") else 0),
        "IP_ANONYMIZATION": _choice(env, "IP_ANONYMIZATION", "network", IP_ANONYMIZATION_MODES),
        "REMEMBER_COOKIE_DAYS": _int(env, "REMEMBER_COOKIE_DAYS", 14),
        # A login without "remember me" ends after this long unused (the server forgets it).
        "SESSION_IDLE_HOURS": _int(env, "SESSION_IDLE_HOURS", 24),
        "LINKS_PER_PAGE": _int(env, "LINKS_PER_PAGE", 20),
        # Bytes of a request body; past it, a 413. Flask reads it; an upload view may raise it per
        # request (request.max_content_length). The proxy in front should refuse more, earlier.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
        "LINK_CACHE_SECONDS": _float(env, "LINK_CACHE_SECONDS", 5.0),
        "RATELIMIT_LOGIN": env.get("RATELIMIT_LOGIN") or "10 per minute;50 per hour",
        # Failed logins on one account from one network (/24, /64) or one known device.
        "RATELIMIT_LOGIN_ACCOUNT": env.get("RATELIMIT_LOGIN_ACCOUNT") or "5 per minute;20 per hour",
        # Failed logins on one account from everywhere, except browsers it logged in on before.
        "RATELIMIT_LOGIN_ACCOUNT_GLOBAL": env.get("RATELIMIT_LOGIN_ACCOUNT_GLOBAL")
        or "30 per hour;100 per day",
        "RATELIMIT_RESET": env.get("RATELIMIT_RESET") or "5 per minute;20 per hour",
        # Reset mails one address gets, whoever asks: past it, requests are answered but not mailed.
        "RATELIMIT_RESET_MAIL": env.get("RATELIMIT_RESET_MAIL") or "3 per hour;10 per day",
        "RATELIMIT_REGISTER": env.get("RATELIMIT_REGISTER") or "10 per hour",
        # Requests per API token, shared by every /api/v1 route.
        "RATELIMIT_API": env.get("RATELIMIT_API") or "600 per minute",
        # Public stats pages (opt-in per link), per address: anyone may load them.
        "RATELIMIT_PUBLIC_STATS": env.get("RATELIMIT_PUBLIC_STATS") or "60 per minute",
        # API requests without a valid token (401s) per client address: slows token guessing.
        "RATELIMIT_API_UNAUTHENTICATED": env.get("RATELIMIT_API_UNAUTHENTICATED") or "60 per minute",
        # Live API tokens per user: each has its own RATELIMIT_API budget.
        "API_TOKENS_MAX": _int(env, "API_TOKENS_MAX", 10),
        "RATELIMIT_LINK_CREATE": env.get("RATELIMIT_LINK_CREATE") or "30 per minute;500 per day",
        # Who may sign up (an admin's choice at /admin/registration wins). Invite by default: an
        # instance anyone can join is a free host for spam and phishing links within days.
        "REGISTRATION": _choice(env, "REGISTRATION", "invite", REGISTRATION_MODES),
        # Accounts not yet trusted (address unverified, or younger than TRUST_AFTER_DAYS) get
        # this budget instead of RATELIMIT_LINK_CREATE: a throwaway account does little harm.
        "RATELIMIT_LINK_CREATE_NEW": env.get("RATELIMIT_LINK_CREATE_NEW") or "10 per minute;50 per day",
        "TRUST_AFTER_DAYS": _int(env, "TRUST_AFTER_DAYS", 7),
        # Invite codes: how many a trusted non-admin may hand out (admins: any), how long one lasts.
        "INVITES_PER_USER": _int(env, "INVITES_PER_USER", 0),
        "INVITE_TTL_DAYS": _int(env, "INVITE_TTL_DAYS", 14),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or None,
        # Password-protected links: wrong passwords per link and per IP, and how long a right one lasts.
        "RATELIMIT_LINK_PASSWORD": env.get("RATELIMIT_LINK_PASSWORD") or "10 per minute;50 per hour",
        "RATELIMIT_LINK_PASSWORD_IP": env.get("RATELIMIT_LINK_PASSWORD_IP") or "5 per minute;30 per hour",
        "LINK_PASSWORD_COOKIE_SECONDS": _int(env, "LINK_PASSWORD_COOKIE_SECONDS", 12 * 3600),
        # Click pipeline (see README "Click tracking").
        "CLICK_TRACKING": _choice(env, "CLICK_TRACKING", "job", CLICK_TRACKING_MODES),
        "CLICK_RETRY_MAX": _int(env, "CLICK_RETRY_MAX", 5),
        "CLICK_RETRY_INTERVALS": _int_list(env, "CLICK_RETRY_INTERVALS", [1, 5, 15, 60, 300]),
        "CLICK_FAILURE_TTL": _int(env, "CLICK_FAILURE_TTL", 7 * 24 * 3600),
        # Short job timeouts keep the heartbeat short, so an abandoned job is retried soon.
        "CLICK_JOB_TIMEOUT": _int(env, "CLICK_JOB_TIMEOUT", 30),
        # Click jobs the in-process worker stores in one transaction (1: one job at a time).
        "CLICK_JOB_BATCH": _int(env, "CLICK_JOB_BATCH", 500),
        "CLICK_BATCH_SIZE": _int(env, "CLICK_BATCH_SIZE", 1000),
        "CLICK_BUFFER_MAX": _int(env, "CLICK_BUFFER_MAX", 1_000_000),
        # Job mode's bound: past this many waiting click jobs (~2 KB each), clicks are written directly.
        "CLICK_QUEUE_MAX": _int(env, "CLICK_QUEUE_MAX", 100_000),
        "CLICK_BUFFER_TIMEOUT": _int(env, "CLICK_BUFFER_TIMEOUT", 300),
        "CLICK_FLUSH_INTERVAL": _int(env, "CLICK_FLUSH_INTERVAL", 10),
        "CLICK_FLUSH_TIME_BUDGET": _float(env, "CLICK_FLUSH_TIME_BUDGET", 30.0),
        "REDIS_WEB_TIMEOUT": _float(env, "REDIS_WEB_TIMEOUT", 0.25),
        # /readyz: the database's statement timeout and (PostgreSQL) connect timeout, seconds.
        "HEALTH_CHECK_TIMEOUT": _float(env, "HEALTH_CHECK_TIMEOUT", 2.0),
        "REDIS_BREAKER_SECONDS": _float(env, "REDIS_BREAKER_SECONDS", 5.0),
        "CLICK_SPOOL_DIR": env.get("CLICK_SPOOL_DIR") or None,
        "CLICK_SPOOL_REPLAY_INTERVAL": _float(env, "CLICK_SPOOL_REPLAY_INTERVAL", 30.0),
        # Country lookups: a MaxMind-format .mmdb file; unset, the data bundled with geoip2fast.
        "GEOIP_DATABASE": env.get("GEOIP_DATABASE") or None,
        # RQ worker liveness: how fast a killed worker's job is noticed and retried.
        "RQ_WORKER_TTL": _int(env, "RQ_WORKER_TTL", 60),
        "RQ_MAINTENANCE_INTERVAL": _int(env, "RQ_MAINTENANCE_INTERVAL", 30),
        # Mail.
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 587),
        "MAIL_USE_TLS": _bool(env, "MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _bool(env, "MAIL_USE_SSL", False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER") or "shortener <noreply@localhost>",
        "MAIL_TIMEOUT": _int(env, "MAIL_TIMEOUT", 10),
        "MAIL_OUTBOX_DIR": env.get("MAIL_OUTBOX_DIR") or None,
        "EMAIL_RETRY_MAX": _int(env, "EMAIL_RETRY_MAX", 5),
        "EMAIL_RETRY_INTERVALS": _int_list(env, "EMAIL_RETRY_INTERVALS", [10, 30, 60, 300, 900]),
        "EMAIL_FAILURE_TTL": _int(env, "EMAIL_FAILURE_TTL", 7 * 24 * 3600),
        "EMAIL_JOB_TIMEOUT": _int(env, "EMAIL_JOB_TIMEOUT", 60),
        "PASSWORD_RESET_TTL": _int(env, "PASSWORD_RESET_TTL", 3600),
        # CSV import of links (the `imports` queue).
        "IMPORT_MAX_BYTES": _int(env, "IMPORT_MAX_BYTES", 5 * 1024 * 1024),
        "IMPORT_MAX_ROWS": _int(env, "IMPORT_MAX_ROWS", 10_000),
        "IMPORT_BATCH_SIZE": _int(env, "IMPORT_BATCH_SIZE", 200),
        # Seconds a link creation waits for DNS to say where its target's host leads (0: no lookup).
        "LINK_TARGET_DNS_TIMEOUT": _float(env, "LINK_TARGET_DNS_TIMEOUT", 1.5),
        # Imports queued or running per user: their files are stored until they are done.
        "IMPORT_PENDING_MAX": _int(env, "IMPORT_PENDING_MAX", 3),
        "IMPORT_RETRY_MAX": _int(env, "IMPORT_RETRY_MAX", 3),
        "IMPORT_RETRY_INTERVALS": _int_list(env, "IMPORT_RETRY_INTERVALS", [10, 60, 300]),
        "IMPORT_JOB_TIMEOUT": _int(env, "IMPORT_JOB_TIMEOUT", 900),
        "IMPORT_FAILURE_TTL": _int(env, "IMPORT_FAILURE_TTL", 7 * 24 * 3600),
        # Page titles of new links left untitled, fetched by a job (the `titles` queue).
        "TITLE_FETCH": _bool(env, "TITLE_FETCH", True),
        "TITLE_FETCH_TIMEOUT": _float(env, "TITLE_FETCH_TIMEOUT", 5.0),
        "TITLE_FETCH_MAX_BYTES": _int(env, "TITLE_FETCH_MAX_BYTES", 256 * 1024),
        # Hosts whose pages may be fetched though they resolve to private addresses (an intranet).
        "TITLE_FETCH_ALLOWED_HOSTS": _strings(env, "TITLE_FETCH_ALLOWED_HOSTS"),
        # A fetch that fails is not retried (a title is a nicety); these cover the job's own
        # failures (the database away, a worker killed mid-job).
        "TITLE_RETRY_MAX": _int(env, "TITLE_RETRY_MAX", 2),
        "TITLE_RETRY_INTERVALS": _int_list(env, "TITLE_RETRY_INTERVALS", [60, 300]),
        "TITLE_JOB_TIMEOUT": _int(env, "TITLE_JOB_TIMEOUT", 30),
        "TITLE_FAILURE_TTL": _int(env, "TITLE_FAILURE_TTL", 24 * 3600),
        # Target blocklist: the operator's file (one entry a line), synced by a periodic job every
        # BLOCKLIST_FILE_INTERVAL s; each process looks for changes every BLOCKLIST_REFRESH_SECONDS
        # (unset: LINK_CACHE_SECONDS, so a blocked link stops within the link cache's lifetime).
        "BLOCKLIST_FILE": env.get("BLOCKLIST_FILE") or None,
        "BLOCKLIST_FILE_INTERVAL": _int(env, "BLOCKLIST_FILE_INTERVAL", 60),
        "BLOCKLIST_REFRESH_SECONDS": _float(env, "BLOCKLIST_REFRESH_SECONDS", None),
        # Visitors' reports: this many open ones from distinct networks put a link behind a warning
        # until an admin decides; each address may send RATELIMIT_REPORT of them.
        "ABUSE_QUARANTINE_REPORTS": _int(env, "ABUSE_QUARANTINE_REPORTS", 3),
        "RATELIMIT_REPORT": env.get("RATELIMIT_REPORT") or "5 per hour;20 per day",
    }


def _engine_options(config: dict) -> dict:
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return {"pool_pre_ping": False}  # a SQLite file cannot go away
    # Pre-ping survives PostgreSQL restarts; the connect timeout keeps an
    # unreachable host from holding a request (and /readyz) for minutes.
    connect_timeout = max(1, round(config["HEALTH_CHECK_TIMEOUT"]))
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": connect_timeout}}


RETRY_SETTINGS = (
    ("CLICK_RETRY_INTERVALS", "CLICK_RETRY_MAX"),
    ("EMAIL_RETRY_INTERVALS", "EMAIL_RETRY_MAX"),
    ("IMPORT_RETRY_INTERVALS", "IMPORT_RETRY_MAX"),
    ("TITLE_RETRY_INTERVALS", "TITLE_RETRY_MAX"),
)


def finalize(config: dict, instance_path: str) -> dict:
    """Derive the settings that depend on others, and refuse unsafe combinations."""
    development = config["APP_ENV"] == "development"
    relaxed = development or config.get("TESTING") or config.get("DEBUG")
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
        if not relaxed:
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random value, e.g. "
                "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        config["SECRET_KEY"] = config.get("SECRET_KEY") or DEV_SECRET_KEY
    elif not relaxed and len(config["SECRET_KEY"]) < SECRET_KEY_MIN_LENGTH:
        # It signs the session, remember and device cookies: a short one can be guessed offline.
        raise ConfigError(
            f"SECRET_KEY is too short ({len(config['SECRET_KEY'])} characters; at least "
            f"{SECRET_KEY_MIN_LENGTH} are needed in production). Set it to a long random value, "
            "e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        database_file = os.path.join(instance_path, "shortener.db")
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database_file}"
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["SQLALCHEMY_DATABASE_URI"])
    for intervals, retries in RETRY_SETTINGS:
        if len(config[intervals]) < config[retries]:
            raise ConfigError(f"{intervals} needs one interval per retry ({retries})")
    if config.get("BLOCKLIST_REFRESH_SECONDS") is None:
        config["BLOCKLIST_REFRESH_SECONDS"] = config["LINK_CACHE_SECONDS"]
    config["CLICK_SPOOL_DIR"] = config.get("CLICK_SPOOL_DIR") or os.path.join(instance_path, "spool")
    config["MAIL_OUTBOX_DIR"] = config.get("MAIL_OUTBOX_DIR") or os.path.join(instance_path, "outbox")
    config["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI") or config["REDIS_URL"]
    # A hung Redis must not hold a login: give up fast and let the limiter fall back.
    timeout = config["REDIS_WEB_TIMEOUT"]
    config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
        "socket_connect_timeout": timeout, "socket_timeout": timeout, "retry_on_timeout": False,
    })
    secure = not relaxed
    config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=timedelta(days=config["REMEMBER_COOKIE_DAYS"]),
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(config),
    )
    return config
