"""The blog package: `create_app` builds a configured Flask application."""

import os
from pathlib import Path

from flask import Flask

from . import hot_sql, sessions, settings
from .extensions import csrf, db


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then instance/config.py, then FLASK_* env, then test_config."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
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
    app.config["PAGE_SALT"] = settings.page_salt(app.config)

    from . import security

    security.register(app)  # first, so its request checks run before CSRF reads the form
    db.init_app(app)
    app.teardown_appcontext(hot_sql.give_back)
    csrf.init_app(app)
    app.session_interface = sessions.RememberingSessionInterface()

    from . import database

    database.configure_engine_events()

    from . import admin, articles, comments, consent, errors, templating

    app.register_blueprint(articles.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(consent.bp)
    app.register_blueprint(admin.bp)
    errors.register(app)
    templating.register(app)

    from . import cli

    cli.register(app)
    return app
