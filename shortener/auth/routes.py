"""Registration, login, logout and password reset pages."""

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ..accounts import (
    email_verification,
    login_networks,
    registration_modes,
    registrations,
    reset_tokens,
    user_sessions,
    users,
)
from ..api import tokens
from ..extensions import limiter
from . import throttle
from .forms import (
    EMAIL_MAX_LENGTH,
    ConfirmRegistrationForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    VerifyEmailForm,
)
from .next_url import safe_next_url

bp = Blueprint("auth", __name__, url_prefix="/auth")
DISABLED_MESSAGE = ("This account has been disabled by an administrator of this site: "
                    "you cannot log in, and its links no longer work.")


def _dashboard() -> str:
    return url_for("dashboard.index")


def _next_url() -> str:
    return safe_next_url(request.args.get("next")) or _dashboard()


@bp.route("/register", methods=["GET", "POST"])
@throttle.post_limit("RATELIMIT_REGISTER", get_remote_address, "register")
def register():
    if current_user.is_authenticated:
        return redirect(_dashboard())
    mode = registration_modes.current()
    if mode == registration_modes.CLOSED:
        return _registration_closed()
    form = RegisterForm()
    if mode != registration_modes.INVITE:
        del form.invite_code
    if form.validate_on_submit():
        invite_code = form.invite_code.data if "invite_code" in form else None
        try:
            user = registrations.register(form.username.data, form.email.data,
                                          form.password.data, invite_code)
        except registrations.RegistrationClosed:  # closed a moment ago
            return _registration_closed()
        except users.AccountError as error:  # never "email taken" but in open mode
            getattr(form, error.field).errors.append(str(error))
        else:
            if user is not None:  # open: the account is there already
                return _welcome(user, "We mailed you a link to confirm your address.")
            # The same page whether or not the address has an account.
            return render_template("auth/register_sent.html")
    return render_template("auth/register.html", form=form, mode=mode)


def _registration_closed():
    status = 403 if request.method == "POST" else 200
    return render_template("auth/register_closed.html"), status


def _welcome(user, note: str = ""):
    _log_in(user, remember=False)
    login_networks.remember(user.id, _network())
    flash(f"Welcome, {user.username}! Your account is ready. {note}".strip(), "success")
    return _remember_device(redirect(_dashboard()), user)


def _create_account(token: str, _form):
    try:
        user = registrations.confirm(token)
    except registrations.RegistrationClosed:
        return _reset_page("auth/register_closed.html", 403)
    except users.AccountError as error:
        return _reset_page("auth/register_refused.html", 409, message=str(error))
    return _welcome(user)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    # A GET only shows a button: mail scanners that open links must not create accounts.
    return _mailed_link_page(token, registrations, ConfirmRegistrationForm(), _create_account,
                             "auth/register_confirm.html", "auth/register_invalid.html")


def _mailed_link_page(token: str, kind, form, use, page: str, dead_page: str):
    """The page of a mailed link (a sign-up's, a reset's or an address check's, ``kind`` its
    module): the form on ``page`` until ``use(token, form)`` returns a response; ``dead_page``
    when the token is unknown, expired or used, before or as ``use`` redeems it."""
    if kind.find_valid(token) is None:
        return _reset_page(dead_page, 400)
    if form.validate_on_submit():
        try:
            response = use(token, form)
        except kind.InvalidToken:  # a concurrent request used it a moment ago
            return _reset_page(dead_page, 400)
        if response is not None:
            return response
    return _reset_page(page, 200, form=form)


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    # A GET only shows a button, as for sign-up links: mail scanners open links.
    return _mailed_link_page(token, email_verification, VerifyEmailForm(), _verify,
                             "auth/verify_email.html", "auth/verify_invalid.html")


def _verify(token: str, form: VerifyEmailForm):
    email_verification.verify(token)
    flash("Thank you: your address is confirmed.", "success")
    return redirect(_dashboard())


@bp.post("/verify-email")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_RESET"],
               key_func=lambda: f"user:{current_user.id}", scope="verify-resend")
def resend_verification():
    if not VerifyEmailForm().validate_on_submit():
        abort(400)
    if email_verification.request_mail(current_user._get_current_object()):
        flash(f"We mailed a new link to {current_user.email}.", "info")
    return redirect(_dashboard())


# --- login, throttled per address, per account and network, per account -------
# Each limit counts the attempt before the password is checked (atomic, so parallel
# attempts cannot slip through) and a successful login gives its counts back.

def _login_user():
    """The account the login form names (username or email), looked up once per request."""
    if "login_lookup" not in g:
        login = (request.form.get("login") or "").strip()
        plain = 0 < len(login) <= EMAIL_MAX_LENGTH and login.isprintable()
        g.login_lookup = users.find_by_login(login) if plain else None
        g.login_name = login.lower()[:EMAIL_MAX_LENGTH] or "-"
    return g.login_lookup


def _login_account() -> str:
    # However it is spelled (username, email, any case), one account is one bucket.
    user = _login_user()
    return f"user:{user.id}" if user else f"name:{g.login_name}"


def _known_device() -> str | None:
    user = _login_user()
    return throttle.known_device(request.cookies.get(throttle.DEVICE_COOKIE),
                                 user.id if user else None)


def _network() -> str:
    return throttle.network(request.remote_addr)


def _known_network() -> bool:
    # A network the account logged in from before: the owner's more likely than a botnet's.
    if "login_known_network" not in g:
        user = _login_user()
        g.login_known_network = user is not None and login_networks.is_known(user.id, _network())
    return g.login_known_network


def _login_source() -> str:
    # Per network, so guesses from elsewhere never block the owner's own network;
    # per device for browsers the account logged in on before.
    device = _known_device()
    where = f"device:{device}" if device else f"net:{_network()}"
    return f"{_login_account()}|{where}"


@bp.route("/login", methods=["GET", "POST"])
@throttle.post_limit("RATELIMIT_LOGIN", throttle.client_key, "login-ip")
@throttle.post_limit("RATELIMIT_LOGIN_ACCOUNT", _login_source, "login-account")
@throttle.post_limit("RATELIMIT_LOGIN_ACCOUNT_GLOBAL", _login_account, "login-account-global",
                     exempt_when=lambda: _known_device() is not None or _known_network())
def login():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = users.find_by_login(form.login.data)
        right = users.verify_password(user, form.password.data)
        if right and user.disabled_at is None:
            throttle.refund(limiter)  # the owner is never throttled by their own logins
            _log_in(user, remember=form.remember.data)
            login_networks.remember(user.id, _network())
            return _remember_device(redirect(_next_url()), user)
        # Said only to whoever knows the password: strangers learn nothing of the account.
        form.login.errors.append(DISABLED_MESSAGE if right else "Wrong username, email or password.")
    next_url = safe_next_url(request.args.get("next"))
    return render_template("auth/login.html", form=form, next_url=next_url)


def _remember_device(response, user):
    """Mark this browser as one the owner used: exempt from the account's global login limit."""
    if throttle.known_device(request.cookies.get(throttle.DEVICE_COOKIE), user.id) is None:
        response.set_cookie(
            throttle.DEVICE_COOKIE, throttle.new_device_cookie(user.id),
            max_age=throttle.DEVICE_COOKIE_DAYS * 24 * 3600, path=url_for("auth.login"),
            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
        )
    return response


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

def _reset_source() -> str:
    # Per address and network: requests from elsewhere never block the owner's own.
    # (How many mails an address gets at all is capped by the mail job, silently.)
    email = (request.form.get("email") or "").strip().lower()[:EMAIL_MAX_LENGTH] or "-"
    return f"{email}|{throttle.network(request.remote_addr)}"


@bp.route("/forgot-password", methods=["GET", "POST"])
@throttle.post_limit("RATELIMIT_RESET", throttle.client_key, "reset-ip")
@throttle.post_limit("RATELIMIT_RESET", _reset_source, "reset-address")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Same page whether or not an account has this address: the job sends the mail.
        reset_tokens.request_reset(form.email.data)
        return render_template("auth/forgot_password_sent.html")
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _mailed_link_page(token, reset_tokens, ResetPasswordForm(), _reset,
                             "auth/reset_password.html", "auth/reset_invalid.html")


def _reset(token: str, form):
    try:
        user = reset_tokens.redeem(token, form.password.data, commit=False)
    except users.AccountError as error:
        form.password.errors.append(str(error))
        return None  # the form again
    # A reset follows a compromise: API tokens end with the password, in one commit.
    tokens.revoke_all(user.id)
    return _after_reset(user)


def _after_reset(user):
    if current_user.is_authenticated and current_user.id == user.id:
        logout_user()  # the reset revoked every login; this drops the cookies too
    # Whoever completed a reset proved the email: this browser and network may log in even
    # while a botnet keeps the account's global login limit used up.
    login_networks.remember(user.id, _network())
    flash("Your password has been changed. Log in with the new one.", "success")
    return _remember_device(redirect(url_for("auth.login")), user)


def _reset_page(template: str, status: int, **context):
    # The token (reset or sign-up) is in this page's URL: never hand it to another site in a Referer header.
    return render_template(template, **context), status, {"Referrer-Policy": "no-referrer"}
