"""Browser fixtures: the blog served on 127.0.0.1 in a thread, driven by Debian's Chromium."""

import os
import threading
from pathlib import Path

import pytest
from journey import MIN_FILL_SECONDS, PAGE_SIZE
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


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "SQLALCHEMY_DATABASE_URI": os.environ.get("TEST_DATABASE_URI")
            or f"sqlite:///{folder / 'live.sqlite3'}",
            "SITE_NAME": "Browser Notes",
            "COMMENTS_PER_PAGE": PAGE_SIZE,
            "TIMEZONE": "UTC",
            # Anti-spam timers shortened, not switched off: journeys wait them out.
            "COMMENT_MIN_FILL_SECONDS": MIN_FILL_SECONDS,
            "COMMENT_FLOOD_SECONDS": 1,
            "COMMENT_MODERATION": "none",
        }
    )
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


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
