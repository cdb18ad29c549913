"""Registration, login, logout and password reset pages."""

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ..accounts import reset_tokens, user_sessions, users
from ..extensions import limiter
from .forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from .next_url import safe_next_url

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _dashboard() -> str:
    return url_for("links.index")


def _next_url() -> str:
    return safe_next_url(request.args.get("next")) or _dashboard()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"], key_func=get_remote_address,
               scope="register", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_dashboard())
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = users.register(form.username.data, form.email.data, form.password.data)
        except users.AccountError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            _log_in(user, remember=False)
            flash(f"Welcome, {user.username}! Your account is ready.", "success")
            return redirect(_dashboard())
    return render_template("auth/register.html", form=form)


# --- login, throttled per IP and per account --------------------------------

def _login_failed(_response) -> bool:
    # Only wrong passwords use up the allowance: people who log in fine are never throttled.
    return g.get("login_failed", False)


def _submitted(field: str) -> str:
    # Flask-Limiter skips (and logs) an empty key; a blank field gets a bucket of its own.
    return (request.form.get(field) or "").strip().lower()[:254] or "-"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], key_func=get_remote_address,
               scope="ip", methods=["POST"], deduct_when=_login_failed)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"],
               key_func=lambda: _submitted("login"), scope="account", methods=["POST"],
               deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = users.find_by_login(form.login.data)
        if users.verify_password(user, form.password.data):
            _log_in(user, remember=form.remember.data)
            return redirect(_next_url())
        g.login_failed = True
        form.login.errors.append("Wrong username, email or password.")
    next_url = safe_next_url(request.args.get("next"))
    return render_template("auth/login.html", form=form, next_url=next_url)


def _log_in(user, remember: bool) -> None:
    # A new server-side login, so a new id in the cookies at every login.
    user_sessions.start(user, remember, request.user_agent.string)
    login_user(user, remember=remember)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Ends this login on the server: a copy of the session or remember cookie is worthless.
        user_sessions.revoke(current_user.session_token)
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


# --- password reset ----------------------------------------------------------

@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"], key_func=get_remote_address,
               scope="ip", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"],
               key_func=lambda: _submitted("email"), scope="address", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Same page whether or not an account has this address: the job sends the mail.
        reset_tokens.request_reset(form.email.data)
        return render_template("auth/forgot_password_sent.html")
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if reset_tokens.find_valid(token) is None:
        return _reset_page("auth/reset_invalid.html", 400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = reset_tokens.redeem(token, form.password.data)
        except reset_tokens.InvalidToken:  # a concurrent request used it a moment ago
            return _reset_page("auth/reset_invalid.html", 400)
        except users.AccountError as error:
            form.password.errors.append(str(error))
        else:
            return _after_reset(user)
    return _reset_page("auth/reset_password.html", 200, form=form)


def _after_reset(user):
    if current_user.is_authenticated and current_user.id == user.id:
        logout_user()  # the reset revoked every login; this drops the cookies too
    flash("Your password has been changed. Log in with the new one.", "success")
    return redirect(url_for("auth.login"))


def _reset_page(template: str, status: int, **context):
    # The token is in this page's URL: never hand it to another site in a Referer header.
    return render_template(template, **context), status, {"Referrer-Policy": "no-referrer"}
