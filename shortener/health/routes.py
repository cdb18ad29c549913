"""GET /healthz (the process answers) and GET /readyz (it can reach its database and Redis).

Both are public, never rate limited and never look at the session: probes
call them every few seconds.
"""

from flask import Blueprint, current_app, jsonify

from .checks import readiness

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    ready, checks = readiness(current_app.config["HEALTH_CHECK_TIMEOUT"])
    body = jsonify(status="ok" if ready else "unavailable", checks=checks)
    return body, 200 if ready else 503
