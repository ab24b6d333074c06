"""Browser fixtures: the blog served on 127.0.0.1 in a thread, driven by Debian's Chromium."""

import os
import threading
from pathlib import Path

import pytest
from journey import MIN_FILL_SECONDS, PAGE_SIZE
from mailbox_server import Mailbox
from werkzeug.serving import make_server

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from blog import create_app
from blog.extensions import db

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Without Chromium: skip with one reason on a laptop, fail under CI."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI: Chromium not found at {CHROMIUM}; browser tests must run")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.nodeid:
            item.add_marker(skip)


def not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"The app is not ready yet."]


@pytest.fixture(scope="session")
def server():
    """A threaded server on a free port; `live_app` gives it the app, which must know the
    port first: the blog answers only at its own address (SITE_URL)."""
    server = make_server("127.0.0.1", 0, not_ready, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server the live app sends to (journeys read what it received)."""
    mailbox = Mailbox()
    mailbox.start()
    yield mailbox
    mailbox.stop()


@pytest.fixture(scope="session")
def live_app(server, tmp_path_factory, smtp_server):
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "SITE_URL": f"http://127.0.0.1:{server.server_port}",
            "SQLALCHEMY_DATABASE_URI": os.environ.get("TEST_DATABASE_URI")
            or f"sqlite:///{folder / 'live.sqlite3'}",
            "SITE_NAME": "Browser Notes",
            "COMMENTS_PER_PAGE": PAGE_SIZE,
            "TIMEZONE": "UTC",
            # Anti-spam timers shortened, not switched off: journeys wait them out.
            "COMMENT_MIN_FILL_SECONDS": MIN_FILL_SECONDS,
            "COMMENT_FLOOD_SECONDS": 1,
            "COMMENT_MODERATION": "none",
            # Journeys deliver the outbox when they choose (mail.sender.run_once).
            **smtp_server.settings(),
            "MAIL_SENDER": "worker",
            "OWNER_EMAIL": "owner@example.com",
        }
    )
    server.app = app  # the request handler reads it for every request
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(server, live_app):
    return live_app.config["SITE_URL"]


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def fresh_database(live_app):
    """Every journey starts from empty tables and the default settings."""
    saved = dict(live_app.config)
    with live_app.app_context():
        db.drop_all()
        db.create_all()
    yield
    live_app.config.update(saved)
    with live_app.app_context():
        db.session.remove()


@pytest.fixture(autouse=True)
def no_policy_violations(page):
    """Any Content-Security-Policy report in the console fails the journey."""
    reports = []
    page.on("console", lambda m: "Content Security Policy" in m.text and reports.append(m.text))
    yield
    assert reports == []


@pytest.fixture
def data(live_app):
    """Run a function inside the live app's context, e.g. to add or count rows."""

    def run(function, *args, **kwargs):
        with live_app.app_context():
            try:
                return function(*args, **kwargs)
            finally:
                db.session.remove()

    return run


@pytest.fixture
def no_js_page(browser, base_url):
    context = browser.new_context(java_script_enabled=False, base_url=base_url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
