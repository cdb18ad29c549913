from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login")
def login():
    return "placeholder"


@bp.route("/register")
def register():
    return "placeholder"


@bp.route("/logout", methods=["POST"])
def logout():
    return "placeholder"
