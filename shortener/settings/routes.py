"""Settings pages: where the account is logged in (and logging any of it out), the password,
and personal API tokens (create, shown once; list; revoke)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..accounts import invites, registration_modes, user_sessions, users
from ..api import tokens
from ..auth import throttle
from ..extensions import limiter
from .forms import ChangePasswordForm, CreateInviteForm, CreateTokenForm, RevokeTokenForm

bp = Blueprint("settings", __name__, url_prefix="/settings")
TOKEN_ID = "<int(max=2147483647):token_id>"


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    form = CreateTokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _row, new_token = tokens.create_token(current_user.id, form.name.data)
        except tokens.TokenError as exc:
            form.name.errors.append(str(exc))
        else:
            form = CreateTokenForm(formdata=None)
    # The new token is rendered into this response only: never a flash message (the session
    # cookie is signed, not encrypted) and never a redirect target.
    page = render_template("settings/tokens.html", form=form, new_token=new_token,
                           tokens=tokens.list_tokens(current_user.id))
    return page, 200, {"Cache-Control": "no-store"}


@bp.route(f"/tokens/{TOKEN_ID}/revoke", methods=["GET", "POST"])
@login_required
def revoke_token(token_id: int):
    if request.method == "GET":  # the list links here: this page asks, its form revokes
        token = next((row for row in tokens.list_tokens(current_user.id) if row.id == token_id), None)
        if token is None:
            abort(404)  # someone else's, revoked or missing: all look the same
        return render_template("settings/revoke_token.html", token=token, form=RevokeTokenForm())
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    if not tokens.revoke_token(current_user.id, token_id):
        abort(404)  # someone else's token is indistinguishable from a missing one
    flash("Token revoked. Requests with it now get 401.", "success")
    return redirect(url_for(".api_tokens"))


@bp.route("/invites", methods=["GET", "POST"])
@login_required
def invites_page():
    user = current_user._get_current_object()
    if not invites.may_invite(user):
        abort(404)
    form, new_code = CreateInviteForm(), None
    if form.validate_on_submit():
        try:
            new_code = invites.create(user)
        except invites.InviteError as exc:
            form.form_errors.append(str(exc))
    # The code is in this response only, as a new API token is: never flashed, never a redirect.
    page = render_template("settings/invites.html", form=form, new_code=new_code,
                           left=invites.allowance_left(user), rows=invites.list_created_by(user.id),
                           mode=registration_modes.current())
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/sessions")
@login_required
def sessions():
    logins = user_sessions.live_sessions(current_user.id)
    token = current_user.session_token
    return render_template("settings/sessions.html", logins=logins,
                           is_current=lambda login: user_sessions.is_current(login, token))


@bp.post("/sessions/<int:session_id>/revoke")
@login_required
def revoke(session_id: int):
    current = [login.id for login in user_sessions.live_sessions(current_user.id)
               if user_sessions.is_current(login, current_user.session_token)]
    if not user_sessions.revoke_one(current_user.id, session_id):
        abort(404)  # not a live login of this account
    if session_id in current:
        logout_user()
        flash("You are logged out.", "info")
        return redirect(url_for("auth.login"))
    flash("That session is logged out.", "success")
    return redirect(url_for("settings.sessions"))


@bp.post("/sessions/revoke-others")
@login_required
def revoke_others():
    ended = user_sessions.revoke_all(current_user.id, except_token=current_user.session_token)
    flash(f"Logged out everywhere else ({ended} session{'s' if ended != 1 else ''}).", "success")
    return redirect(url_for("settings.sessions"))


# --- the password -------------------------------------------------------------------------------
# Guessing the current password from a logged-in session is throttled as login attempts are:
# counted before the check, per account and per address, given back when it was right.

def _account() -> str:
    return f"user:{current_user.get_id() or '-'}"


@bp.route("/password", methods=["GET", "POST"])
@login_required
@throttle.post_limit("RATELIMIT_LOGIN", throttle.client_key, "password-change-ip")
@throttle.post_limit("RATELIMIT_LOGIN_ACCOUNT", _account, "password-change-account")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not users.verify_password(user, form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            throttle.refund(limiter)
            try:
                _set_password_and_log_in_again(user, form.password.data, form.revoke_api_tokens.data)
            except users.AccountError as error:
                form.password.errors.append(str(error))
            else:
                flash(_changed_message(form.revoke_api_tokens.data), "success")
                return redirect(url_for(".sessions"))
    return render_template("settings/password.html", form=form), 200, {"Cache-Control": "no-store"}


def _changed_message(revoked_api_tokens: bool) -> str:
    message = "Your password has been changed. Every other session is logged out."
    return message + (" Your API tokens are revoked." if revoked_api_tokens else "")


def _set_password_and_log_in_again(user, password: str, revoke_api_tokens: bool) -> None:
    # set_password ends every login of the account, this one included. OWASP (Session Management
    # Cheat Sheet: renew the session id after a password change) keeps this browser logged in
    # under a new session id: a copy of the old cookies, here or anywhere, no longer works.
    remember = any(login.remember for login in user_sessions.live_sessions(user.id)
                   if user_sessions.is_current(login, user.session_token))
    users.set_password(user, password, commit=not revoke_api_tokens)
    if revoke_api_tokens:
        tokens.revoke_all(user.id)  # one commit with the password
    user_sessions.start(user, remember, request.user_agent.string)
    login_user(user, remember=remember)
