import os
import stat

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from blog import create_app
from blog.extensions import db


def test_secret_key_is_generated_once_with_private_mode_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "inst"))
    first = create_app(config)
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 32
    second = create_app(config)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    other = tmp_path / "elsewhere"
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(other))
    assert create_app(config).config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_settings_come_from_instance_config_then_environment(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text("SITE_NAME = 'From File'\nCOMMENTS_PER_PAGE = 7\n")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    monkeypatch.setenv("FLASK_COMMENTS_PER_PAGE", "9")
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-env")
    app = create_app()
    assert app.config["SITE_NAME"] == "From File"
    assert app.config["COMMENTS_PER_PAGE"] == 9
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("inst/blog.sqlite3")
    assert not (instance / "secret_key").exists()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        connection = db.session.connection()
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 10000


def test_the_connection_given_back_last_is_taken_next(app):
    """A request reuses the connection with warm caches, not the mail sender's (whose
    cache the request's own writes made stale): SQLAlchemy's pool_use_lifo (SQLite's
    page cache is the connection's own; PostgreSQL keeps SQLAlchemy's default)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        first, second = db.engine.raw_connection(), db.engine.raw_connection()
        warm = second.dbapi_connection
        assert first.dbapi_connection is not warm
        first.close()
        second.close()  # given back last
        again = db.engine.raw_connection()
        assert again.dbapi_connection is warm
        again.close()


@pytest.mark.parametrize(
    "uri, options",
    [
        ("sqlite:///{path}", {"poolclass": NullPool}),  # a pool chosen in the settings
        ("sqlite://", {}),
    ],
)
def test_the_blog_starts_with_any_pool_the_settings_or_sqlalchemy_choose(tmp_path, uri, options):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": uri.format(path=tmp_path / "blog.db"),
            "SQLALCHEMY_ENGINE_OPTIONS": options,
        }
    )
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.parametrize("site_url", ["blog.example", "ftp://blog.example", "https://", ""])
def test_a_site_url_that_is_no_web_address_is_refused_at_start(site_url):
    with pytest.raises(ValueError, match="SITE_URL must be an http"):
        create_app(
            {"SECRET_KEY": "x", "SITE_URL": site_url, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        )


def test_the_site_url_names_the_hosts_and_origins_the_site_trusts(monkeypatch):
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", '"www.blog.example, old.blog.example"')
    monkeypatch.setenv("FLASK_TRUSTED_ORIGINS", '"https://www.blog.example"')
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SITE_URL": "https://Blog.Example:443/notes/",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    assert app.config["TRUSTED_HOSTS"] == ["blog.example", "www.blog.example", "old.blog.example"]
    assert app.config["SITE_ORIGIN"] == "https://blog.example"
    assert app.config["TRUSTED_ORIGIN_SET"] == {"https://www.blog.example"}
    assert app.config["SCRIPT_ROOT"] == "/notes"


def test_hosts_are_trusted_as_browsers_send_them():
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SITE_URL": "https://Bücher.Example",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    assert app.config["TRUSTED_HOSTS"] == ["xn--bcher-kva.example"]
    assert app.config["SITE_ORIGIN"] == "https://xn--bcher-kva.example"
    client = app.test_client()
    assert client.get("/terms", base_url="https://xn--bcher-kva.example").status_code == 200
    posted = client.post(
        "/cookies/accept",
        base_url="https://xn--bcher-kva.example",
        headers={"Origin": "https://xn--bcher-kva.example"},
    )
    assert posted.status_code == 303


def test_every_etag_changes_with_templates_code_settings_and_static_files(tmp_path):
    from blog.settings import page_salt

    templates, static = tmp_path / "templates", tmp_path / "static"
    (templates / "comments").mkdir(parents=True)
    (static / "css").mkdir(parents=True)
    (templates / "comments" / "_form.html").write_text("<form>")
    (static / "css" / "blog.css").write_text("body { color: black }")
    config = {"SITE_NAME": "A"}
    first = page_salt(config, templates, static)
    assert page_salt(config, templates, static) == first  # the same on every worker
    (static / "css" / "blog.css").write_text("body { color: navy }")
    after_css = page_salt(config, templates, static)
    (templates / "comments" / "_form.html").write_text("<form class=x>")
    after_template = page_salt(config, templates, static)
    after_setting = page_salt({"SITE_NAME": "B"}, templates, static)
    assert len({first, after_css, after_template, after_setting}) == 4


def test_no_view_or_hook_is_async(app):
    """The app skips Flask's per-call check for coroutine functions (Blog.ensure_sync)."""
    import inspect

    functions = list(app.view_functions.values())
    for hooks in (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
        app.url_value_preprocessors,
    ):
        for registered in hooks.values():
            functions.extend(registered)
    functions.extend(
        f
        for handlers in app.error_handler_spec.values()
        for codes in handlers.values()
        for f in codes.values()
    )
    assert len(functions) > 20
    assert not [f for f in functions if inspect.iscoroutinefunction(f)]
