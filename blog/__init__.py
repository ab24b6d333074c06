"""The blog package: `create_app` builds a configured Flask application."""

import os
from pathlib import Path

from flask import Flask

from . import cli, database, mail, settings, speed
from .admin import articles as admin_articles
from .admin import auth as admin_auth
from .admin import outbox as admin_outbox  # noqa: F401 (its pages join the admin's)
from .admin import views as admin_views
from .articles import moved
from .articles import views as article_views
from .comments import editing as comment_editing
from .comments import live as live_comments
from .comments import views as comment_views
from .comments.antispam import started_token
from .extensions import csrf, db, migrate
from .feeds import views as feed_views
from .search import views as search_views
from .speed import hot_sql
from .web import cookies, errors, params, security, sessions, templating


def _shipped(folder: str) -> str:
    """templates/, static/ and migrations/ sit beside the package in the source tree; a
    built wheel carries them inside it."""
    package = Path(__file__).resolve().parent
    inside = package / folder
    return str(inside if inside.is_dir() else package.parent / folder)


class Blog(Flask):
    """No view or hook here is async (a test checks every one), so Flask need not ask of
    each, a dozen times per request, whether it is a coroutine function."""

    def ensure_sync(self, func):
        return func


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then instance/config.py, then FLASK_* env, then test_config."""
    app = Blog(
        __name__,
        instance_relative_config=True,
        template_folder=_shipped("templates"),
        static_folder=_shipped("static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)

    app.config.from_mapping(settings.DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.instance_path, "blog.sqlite3"
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.load_or_create_secret_key(app.instance_path)
    settings.derive(app.config, Path(app.template_folder), Path(app.static_folder))

    security.register(app)  # first, so its request checks run before CSRF reads the form
    db.init_app(app)
    migrate.init_app(app, db, directory=_shipped("migrations"))
    database.configure_engine_events()
    app.teardown_appcontext(hot_sql.give_back)
    csrf.init_app(app)  # the admin's token checks; the public forms are exempt below
    app.session_interface = sessions.SessionsForThoseWhoHaveOne()
    admin_auth.init_app(app)

    app.url_map.converters["id"] = params.IdConverter
    # werkzeug would redirect "//" in a path to one "/" at the host the request named.
    app.url_map.merge_slashes = False
    app.register_blueprint(article_views.bp)
    app.register_blueprint(comment_views.bp)
    app.register_blueprint(comment_editing.bp)
    app.register_blueprint(live_comments.bp)
    app.register_blueprint(cookies.bp)
    app.register_blueprint(feed_views.bp)
    app.register_blueprint(search_views.bp)
    app.register_blueprint(admin_views.bp)
    # Public forms, protected by the origin check (web/origin.py) instead of tokens.
    csrf.exempt(comment_views.create)
    csrf.exempt(comment_views.create_reply)
    csrf.exempt(comment_editing.bp)
    csrf.exempt(cookies.accept)
    # The editor's own form checks its token, so that a page left open for hours gets its
    # text back with a new token instead of an error page (the origin check runs first).
    csrf.exempt(admin_articles.new_article)
    csrf.exempt(admin_articles.edit_article)
    csrf.exempt(admin_articles.preview_article)  # stores nothing: shows what was sent
    mail.init_app(app)
    errors.register(app)
    moved.register(app)  # a 404 under an article's old slug is a redirect instead
    templating.register(app)
    cli.register(app)

    speed.install(app, stamp=started_token)
    security.wrap(app)
    return app
