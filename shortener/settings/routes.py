"""``/settings/sessions``: where the account is logged in, and logging any of it out."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from ..accounts import user_sessions

bp = Blueprint("settings", __name__, url_prefix="/settings")


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
