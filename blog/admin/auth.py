"""Who the owner is: Flask-Login keeps the signed-in admin in the session.

The session holds "<admin id>-<session version>" (Flask-Login's "alternative token"), so
that signing out, or a new password, ends every session signed before it, on every device:
a cookie copied earlier names a version that no longer matches. A session also ends after
`ADMIN_SESSION_HOURS` without an admin request (Flask refuses a session cookie signed
longer ago than that, and each admin request signs it anew).
"""

from datetime import timedelta
from functools import cache

from flask import Flask, redirect, request, session, url_for
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import AdminUser
from ..web.htmx import is_htmx
from ..web.params import parse_id

login_manager = LoginManager()


def init_app(app: Flask) -> None:
    # No `current_user` in every template: readers' pages never need it.
    login_manager.init_app(app, add_context_processor=False)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["ADMIN_SESSION_HOURS"])


@login_manager.user_loader
def load_admin(identity: str) -> AdminUser | None:
    admin_id, _, version = identity.partition("-")
    admin = db.session.get(AdminUser, parse_id(admin_id) or 0)
    if admin is None or version != str(admin.session_version):
        return None  # signed out, or the password changed, since this session began
    return admin


@login_manager.unauthorized_handler
def ask_to_sign_in():
    if is_htmx():
        return "Please sign in again.", 401
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))


def find_admin(username: str, password: str) -> AdminUser | None:
    """The admin with these credentials, or None. An unknown name costs the same hashing
    as a wrong password, so that timing does not tell which names exist."""
    admin = db.session.scalar(select(AdminUser).where(AdminUser.username == username))
    if admin is None:
        check_password_hash(_stand_in_hash(), password)
        return None
    return admin if check_password_hash(admin.password_hash, password) else None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@cache
def _stand_in_hash() -> str:
    return hash_password("no admin has this password")


def sign_in(admin: AdminUser) -> None:
    session.clear()  # a fresh session on sign-in
    login_user(admin)
    session.permanent = True  # expires after ADMIN_SESSION_HOURS without use


def end_every_session(admin_id: int | None = None) -> None:
    """Make every session this admin has (every admin's, without an id), here or on
    another device, a signed-out one (in the caller's transaction)."""
    statement = update(AdminUser).values(session_version=AdminUser.session_version + 1)
    if admin_id is not None:
        statement = statement.where(AdminUser.id == admin_id)
    db.session.execute(statement)


def sign_out(admin: AdminUser) -> None:
    end_every_session(admin.id)
    logout_user()
    session.clear()
