"""shortener: a self-hosted link shortener."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as configuration  # not "settings": that is the settings pages package
from . import converters, logs
from .extensions import csrf, db, limiter, mail, migrate

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.path.join(PROJECT_ROOT, "instance"),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    load_config(app, config)
    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    init_extensions(app)
    register_blueprints(app)
    # Imported here, as in Flask's tutorial: these modules import the
    # blueprints and domain packages, which need this package to exist first.
    from . import cli, errors

    errors.init_app(app)
    cli.init_app(app)
    return app


def load_config(app: Flask, overrides: dict | None) -> None:
    values = configuration.from_environ()
    values.update(overrides or {})
    app.config.update(configuration.finalize(values, app.instance_path))
    os.makedirs(app.instance_path, exist_ok=True)
    app.wsgi_app = logs.RequestIdMiddleware(app.wsgi_app)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])


def init_extensions(app: Flask) -> None:
    from . import database, security, sessions
    from .auth import login
    from .background import redis_clients
    from .clicks import enrichment, fallback, outage_log, tracking, visitors

    db.init_app(app)
    database.init_app(app)
    register_models()
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    login.init_app(app)
    sessions.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    init_limiter(app)
    mail.init_app(app)
    redis_clients.init_app(app)
    outage_log.init_app(app)
    fallback.init_app(app)
    tracking.init_app(app)
    enrichment.init_app(app)
    visitors.init_app(app)


def register_models() -> None:
    """Put every feature's tables in db.metadata before migrations or create_all read it."""
    from .accounts import models as accounts_models
    from .api import models as api_models
    from .blocklist import models as blocklist_models
    from .clicks import models as clicks_models
    from .links import models as links_models
    from .moderation import models as moderation_models

    del accounts_models, api_models, blocklist_models, clicks_models, links_models  # their tables
    del moderation_models


def init_limiter(app: Flask) -> None:
    # Every limit of the app is a decorator on its view, and a decorated view
    # checks its own limits. The limiter's app-wide before_request hook would
    # only look for default limits (there are none) on every request: a
    # quarter of the redirect's CPU. Add default limits only with this hook back.
    # Flask-Limiter 4 has no switch for that hook (its `enabled` turns the decorated
    # limits off too), so the app's hooks are put back as they were before its init_app:
    # Flask's public list, not the limiter's private method.
    hooks = list(app.before_request_funcs.get(None, []))
    limiter.init_app(app)
    app.before_request_funcs[None] = hooks


def register_blueprints(app: Flask) -> None:
    from .admin import routes as admin_routes
    from .api.routes import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .dashboard.routes import bp as dashboard_bp
    from .health.routes import bp as health_bp
    from .links.routes import bp as links_bp
    from .moderation import routes as moderation_routes
    from .redirects.routes import bp as redirects_bp
    from .settings.routes import bp as settings_bp
    from .site.routes import bp as site_bp

    # Before any rule is added: every <int:...> route, rq-dashboard's too, is bounded.
    app.url_map.converters["int"] = converters.BoundedIntegerConverter
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(links_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_routes.bp)
    admin_routes.init_app(app)
    moderation_routes.init_app(app)
    app.register_blueprint(health_bp)
    limiter.exempt(health_bp)  # probes poll it; a 429 would take the instance out of rotation
    app.register_blueprint(site_bp)
    # Last: its /<username>/<slug> rule must not shadow the others. A viral
    # link is not abuse: the redirect is never rate limited.
    app.register_blueprint(redirects_bp)
