"""Small actions that several journeys share."""

from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import func, select
from support import add_comments, make_article

from blog.extensions import db
from blog.models import Comment

PAGE_SIZE = 5  # comments per page in the live app, small so that paging shows
MIN_FILL_SECONDS = 0.4  # the time trap, shortened for journeys but still on

axe = Axe()


def article_with_comments(count: int, **fields) -> str:
    article = make_article(**fields)
    if count:
        add_comments(article, count)
    return article.slug


def comment_total() -> int:
    return db.session.scalar(select(func.count(Comment.id)))


def fill_comment(page, name="Grace Reader", email="grace@example.com", website="", body="Hi"):
    """Fill the form at a person's pace: faster than the time trap allows is refused."""
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 100)
    page.fill("#comment-name", name)
    page.fill("#comment-email", email)
    page.fill("#comment-website", website)
    page.fill("#comment-body", body)


def comment_texts(page) -> list[str]:
    return page.locator("#comment-list > li .comment-body").all_inner_texts()


def assert_no_violations(page, where: str) -> None:
    results = axe.run(page)
    details = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
    ]
    assert results.violations_count == 0, f"{where}: {details}"


def tab_to(page, target, most: int) -> None:
    """Press Tab from where focus is until `target` has it (at most `most` times)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
