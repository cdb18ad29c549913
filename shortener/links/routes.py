from flask import Blueprint

bp = Blueprint("links", __name__)


@bp.route("/")
def index():
    return "placeholder"


@bp.route("/links/new")
def create():
    return "placeholder"
