"""Load the article page with 50 comments in Chromium and report its weight and speed.

Usage: .venv/bin/python scripts/page_weight.py
Prints the requests made, bytes of HTML, CSS and JavaScript, time to DOMContentLoaded,
and checks: nothing leaves 127.0.0.1, no render-blocking script, a favicon is served,
and the page is usable (comments shown, form posts) before htmx has loaded.
"""

import logging
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from blog import create_app  # noqa: E402
from blog.extensions import db  # noqa: E402
from blog.models import Article, Comment  # noqa: E402

RUNS = 5


def seed(app) -> str:
    with app.app_context():
        db.create_all()
        article = Article(
            slug="weighed",
            title="A Page Worth Weighing",
            author="Bench Writer",
            copyright_year=2024,
            copyright_holder="Bench Writer",
        )
        article.set_body("A short body.\n\n" + "A paragraph of ordinary prose. " * 40)
        db.session.add(article)
        db.session.flush()
        start = datetime(2020, 1, 1)
        for n in range(60):
            comment = Comment(
                article_id=article.id,
                author_name=f"Reader {n}",
                author_email=f"r{n}@example.com",
                created_at=start + timedelta(hours=n),
            )
            comment.set_body("A reply of a typical length, a sentence or two long. " * 3)
            db.session.add(comment)
        article.comment_count = 60
        db.session.commit()
        return "/articles/weighed"


def main() -> int:
    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "COMMENT_MIN_FILL_SECONDS": 0.5,  # the time trap, shortened: the script waits it out
            "SECRET_KEY": "weight",
            "COMMENTS_PER_PAGE": 50,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'weight.sqlite3'}",
        }
    )
    path = seed(app)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log in the report
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    problems = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            requests, responses, timings = [], [], []
            for run in range(RUNS):
                context = browser.new_context()
                page = context.new_page()
                if run == 0:
                    page.on("request", lambda r: requests.append(r.url))
                    page.on("response", lambda r: responses.append(r))
                page.goto(base + path, wait_until="load")
                timings.append(
                    page.evaluate(
                        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
                    )
                )
                if run == 0:
                    sizes = weigh(responses)
                    blocking = page.evaluate(
                        "[...document.querySelectorAll('script[src]')]"
                        ".filter(s => !s.defer && !s.async).length"
                    )
                    if blocking:
                        problems.append(f"{blocking} render-blocking script(s)")
                context.close()
            favicon = browser.new_page().goto(base + "/favicon.ico")
            if not favicon or favicon.status != 200:
                problems.append("no favicon")
            usable_without_htmx(browser, base + path, problems)
            browser.close()
    finally:
        server.shutdown()
    outside = [u for u in requests if urlsplit(u).hostname != "127.0.0.1"]
    if outside:
        problems.append(f"requests leaving 127.0.0.1: {outside}")
    timings.sort()
    print(f"Article page with 50 comments shown ({base}{path})")
    print(f"  requests:          {len(requests)}")
    for kind in ("html", "css", "javascript"):
        print(f"  {kind + ' bytes:':18} {sizes[kind]:,}")
    print(f"  DOMContentLoaded:  median {timings[len(timings) // 2]:.0f} ms over {RUNS} loads")
    print("  checks:            " + ("all passed" if not problems else "; ".join(problems)))
    return 1 if problems else 0


def weigh(responses) -> dict[str, int]:
    """Bytes received, by kind of content."""
    sizes = {"html": 0, "css": 0, "javascript": 0, "other": 0}
    for response in responses:
        kind = response.header_value("content-type") or ""
        key = next((k for k in ("html", "css", "javascript") if k in kind), "other")
        sizes[key] += len(response.body())
    return sizes


def usable_without_htmx(browser, url, problems) -> None:
    """With htmx blocked the comments show and the form still posts as a plain form."""
    context = browser.new_context()
    page = context.new_page()
    page.route("**/htmx.min.js?*", lambda route: route.abort())
    page.goto(url)
    if page.locator("#comment-list > li").count() != 50:
        problems.append("comments missing before htmx")
    page.wait_for_timeout(600)  # a person takes longer than the time trap allows
    page.fill("#comment-name", "Plain Form")
    page.fill("#comment-email", "plain@example.com")
    page.fill("#comment-body", "Posted before htmx loaded.")
    with page.expect_navigation():
        page.click("#comment-submit")
    if "#comment-" not in page.url:
        problems.append(f"plain form post did not land on the new comment ({page.url})")
    context.close()


if __name__ == "__main__":
    sys.exit(main())
