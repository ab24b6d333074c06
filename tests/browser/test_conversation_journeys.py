"""Conversations in a real browser: replies (inline and as pages), threads at every width,
a commenter's own edits and deletes within their window, previews and new comments arriving
while the page is open. With and without JavaScript where both apply."""

import re
import time
from datetime import timedelta

import pytest
from journey import MIN_FILL_SECONDS, assert_no_violations, tab_to
from playwright.sync_api import expect
from sqlalchemy import select

from blog import demo
from blog.articles.revisions import record_change
from blog.cli import _demo_article
from blog.extensions import db
from blog.models import Article, Comment, CommentStatus

DEMO = "/articles/saying-no-without-a-speech"
DEMO_COMMENTS = 130
THANKS = "Thank you, your comment has been posted."


# --- data, as the demo and other readers leave it ------------------------------------


def seed_demo() -> None:
    """The demo's practice article with its 130 comments (Reader 1 ... Reader 130)."""
    spec = next(s for s in demo.ARTICLES if s["slug"] == DEMO.rsplit("/", 1)[1])
    db.session.add(_demo_article(spec, {}))
    db.session.commit()


def comment_id(name: str) -> int:
    return db.session.scalar(select(Comment.id).where(Comment.author_name == name))


def add_reply(parent_id: int, name: str, body: str) -> int:
    """Another reader's published reply to `parent_id`, a minute after the newest reply
    already there (stored as the app stores one)."""
    parent = db.session.get(Comment, parent_id)
    newest = db.session.scalar(
        select(Comment.created_at)
        .where(Comment.article_id == parent.article_id)
        .order_by(Comment.created_at.desc())
    )
    reply = Comment(
        article_id=parent.article_id,
        author_name=name,
        author_email=f"{name.split()[0].lower()}@example.com",
        created_at=newest + timedelta(minutes=1),
        status=CommentStatus.PUBLISHED,
        parent_id=parent.id,
        root_id=parent.root_id or parent.id,
        depth=parent.depth + 1,
    )
    reply.set_body(body)
    db.session.add(reply)
    db.session.flush()
    record_change(parent.article_id, published_delta=1)
    db.session.commit()
    return reply.id


def age(comment_id: int, minutes: int) -> None:
    """Move a comment's posting time back, as if `minutes` had passed."""
    comment = db.session.get(Comment, comment_id)
    comment.created_at -= timedelta(minutes=minutes)
    db.session.commit()


def stored(comment_id: int) -> tuple[str, str] | None:
    comment = db.session.get(Comment, comment_id)
    return (comment.status, comment.body) if comment else None


def demo_count() -> int:
    return db.session.scalar(select(Article.comment_count).where(Article.slug == DEMO[10:]))


# --- what a reader does ----------------------------------------------------------------


def fill(page, prefix: str, name="Grace Reader", email="grace@example.com", body="Hi") -> None:
    """Fill a comment or reply form (`prefix`: "comment" or "reply-<id>") at a person's
    pace: faster than the time trap allows is refused."""
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 100)
    page.fill(f"#{prefix}-name", name)
    page.fill(f"#{prefix}-email", email)
    page.fill(f"#{prefix}-body", body)


def post_comment(page, body: str, name="Grace Reader") -> int:
    """Post a comment inline; returns its id (from the page, as a reader's link has it)."""
    before = page.locator("#comment-list > li").count()
    fill(page, "comment", name=name, body=body)
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(THANKS)
    expect(page.locator("#comment-list > li")).to_have_count(before + 1)
    item = page.locator("#comment-list > li").last
    expect(item).to_contain_text(body)
    page.wait_for_timeout(1100)  # COMMENT_FLOOD_SECONDS: the next post is not refused
    return int(item.get_attribute("id").removeprefix("comment-"))


def post_without_javascript(page, body: str) -> int:
    """Post on the demo article as a plain form; the id of the comment landed on."""
    page.goto(DEMO)
    fill(page, "comment", body=body)
    page.get_by_role("button", name="Post Comment").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}#comment-\d+$"))
    return int(page.url.rsplit("-", 1)[1])


def item(page, comment_id: int):
    return page.locator(f"#comment-{comment_id}")


def content(page, comment_id: int):
    return page.locator(f"#comment-{comment_id}-content")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def no_horizontal_scroll(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


# --- replies ---------------------------------------------------------------------------


def test_reply_inline_on_the_big_demo_thread(page, live_app, data):
    live_app.config["COMMENTS_PER_PAGE"] = 50  # the site's own setting
    data(seed_demo)
    parent = data(comment_id, "Reader 128")
    page.goto(DEMO)
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS} Comments")
    expect(page.locator("#comment-list > li")).to_have_count(50)
    expect(page.locator("#comment-list > li").last).to_contain_text("Reader 130")
    page.evaluate("window.samePageMarker = 'still here'")

    link = page.get_by_role("link", name="Reply to Reader 128")
    expect(link).to_have_attribute("id", f"reply-link-{parent}")
    link.click()
    form = page.locator(f"#reply-slot-{parent} #reply-{parent}-form")
    expect(form).to_be_visible()
    expect(form.get_by_role("heading")).to_have_text("Replying to Reader 128")
    expect(page.locator(f"#reply-{parent}-name")).to_be_focused()
    expect(link).to_have_attribute("aria-expanded", "true")
    assert_no_violations(page, "reply form open")

    fill(page, f"reply-{parent}", name="Robin Replier", body="Answering you inline.")
    form.get_by_role("button", name="Post Reply").click()
    reply = page.locator(f"#replies-{parent} > li")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Robin Replier")
    expect(reply.locator(".comment-body")).to_have_text("Answering you inline.")
    expect(page.locator(f"#reply-slot-{parent}")).to_be_empty()  # the form closed
    expect(link).to_be_focused()  # back where the reader started
    expect(link).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#comment-status")).to_have_text(THANKS)
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS + 1} Comments")
    expect(page.locator("#comment-list > li")).to_have_count(50)  # a reply is no new thread
    assert page.evaluate("window.samePageMarker") == "still here"
    assert data(demo_count) == DEMO_COMMENTS + 1

    page.reload()  # the reader finds their reply where they left it
    reply = page.locator(f"#replies-{parent} > li")
    expect(reply.locator(".comment-body")).to_have_text("Answering you inline.")
    expect(reply.get_by_role("link", name="Edit your comment")).to_be_visible()


def test_reply_without_javascript_is_a_page(no_js_page, data):
    page = no_js_page
    data(seed_demo)
    parent = data(comment_id, "Reader 129")
    page.goto(DEMO)
    page.get_by_role("link", name="Reply to Reader 129").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}/comments/{parent}/reply$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your reply on Saying No Without a Speech"
    )
    expect(page.locator(".comment--answered")).to_contain_text("Reader 129")
    expect(page.get_by_role("heading", name="Replying to Reader 129")).to_be_visible()

    page.get_by_role("button", name="Post Reply").click()  # nothing filled in
    expect(page.locator(f"#reply-{parent}-name-error")).to_have_text("Please enter your name.")
    expect(page.get_by_role("heading", name="Replying to Reader 129")).to_be_visible()
    assert data(demo_count) == DEMO_COMMENTS

    fill(page, f"reply-{parent}", name="Nora Noscript", body="Replying the plain way.")
    page.get_by_role("button", name="Post Reply").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}#comment-\d+$"))
    reply = page.locator(f"#replies-{parent} > li")
    expect(reply).to_contain_text("Nora Noscript")
    expect(reply.locator(".comment-body")).to_have_text("Replying the plain way.")
    expect(reply).to_be_in_viewport()
    assert data(demo_count) == DEMO_COMMENTS + 1

    page.get_by_role("link", name="Reply to Reader 129").click()
    page.get_by_role("link", name="Cancel reply").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}#comment-{parent}$"))
    assert data(demo_count) == DEMO_COMMENTS + 1


def test_cancel_reply_closes_the_form_and_returns_focus(page, data):
    data(seed_demo)
    parent = data(comment_id, "Reader 127")
    page.goto(DEMO)
    link = page.get_by_role("link", name="Reply to Reader 127")
    link.click()
    expect(page.locator(f"#reply-{parent}-name")).to_be_focused()
    page.fill(f"#reply-{parent}-body", "Second thoughts.")
    page.get_by_role("link", name="Cancel reply").click()
    expect(page.locator(f"#reply-slot-{parent}")).to_be_empty()
    expect(link).to_be_focused()
    expect(link).to_have_attribute("aria-expanded", "false")
    expect(page).to_have_url(re.compile(DEMO + "$"))  # stayed on the page, nowhere else
    assert data(demo_count) == DEMO_COMMENTS


# --- threads at every width ------------------------------------------------------------

LONG_NAME = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft"
LONG_WORD = "https://example.com/" + "a-very-long-unbroken-path-segment-" * 4


def deep_thread() -> dict[str, int]:
    """Five levels under the demo's newest comment: deeper than the page nests."""
    ids = {"top": comment_id("Reader 130")}
    ids["ines"] = add_reply(ids["top"], "Ines Answer", "Level one, nested once.")
    ids["long"] = add_reply(ids["ines"], LONG_NAME, "Level two, the deepest nesting shown.")
    ids["dana"] = add_reply(ids["long"], "Dana Deeper", "Level three, shown at level two.")
    ids["eli"] = add_reply(ids["dana"], "Eli Deepest", f"Level four, with a link: {LONG_WORD}")
    return ids


@pytest.mark.parametrize("width", [375, 768, 1280])
def test_a_deep_thread_nests_and_fits_every_width(page, data, artifacts, width):
    data(seed_demo)
    ids = data(deep_thread)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(DEMO)
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS + 4} Comments")

    long, dana, eli = item(page, ids["long"]), item(page, ids["dana"]), item(page, ids["eli"])
    expect(page.locator(f"#replies-{ids['top']} > li")).to_have_count(1)
    expect(page.locator(f"#replies-{ids['top']} > #comment-{ids['ines']}")).to_be_visible()
    # the deepest level holds the rest, each naming what it answers
    level_two = page.locator(f"#replies-{ids['ines']} > li")
    expect(level_two).to_have_count(3)
    expect(level_two.locator(".comment-author")).to_have_text(
        [LONG_NAME, "Dana Deeper", "Eli Deepest"]
    )
    expect(long.locator(".comment-answers")).to_have_count(0)
    expect(dana.locator(".comment-answers")).to_have_text(f"in reply to {LONG_NAME}")
    expect(eli.locator(".comment-answers")).to_have_text("in reply to Dana Deeper")
    eli.get_by_role("link", name="Dana Deeper").click()
    expect(page).to_have_url(re.compile(rf"#comment-{ids['dana']}$"))

    left = {
        name: content(page, i).locator("> .comment-meta").bounding_box()["x"]
        for name, i in ids.items()
    }
    assert left["top"] < left["ines"] < left["long"] == left["dana"] == left["eli"], left
    assert no_horizontal_scroll(page) <= 0, f"horizontal scrolling at {width}px"
    assert_inside(page, width, "#comment-list li.comment")
    # caret="initial": Playwright would otherwise inject a style the CSP (rightly) blocks
    page.screenshot(path=str(artifacts / f"thread-{width}px.png"), full_page=True, caret="initial")

    # a reply to the deepest comment: the form fits too, and the reply joins that level
    eli.get_by_role("link", name="Reply to Eli Deepest").click()
    expect(page.locator(f"#reply-{ids['eli']}-name")).to_be_focused()
    assert no_horizontal_scroll(page) <= 0, f"horizontal scrolling, reply form at {width}px"
    body = page.locator(f"#reply-{ids['eli']}-body")
    box = body.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert box["width"] >= min(250, width - 80), f"a cramped reply box at {width}px"
    fill(page, f"reply-{ids['eli']}", name="Fay Fifth", body=f"Answering at {width} pixels.")
    page.get_by_role("button", name="Post Reply").click()
    expect(level_two).to_have_count(4)
    expect(level_two.last.locator(".comment-body")).to_have_text(f"Answering at {width} pixels.")
    expect(level_two.last.locator(".comment-answers")).to_have_text("in reply to Eli Deepest")
    assert no_horizontal_scroll(page) <= 0
    assert_inside(page, width, "#comment-list li.comment")


def assert_inside(page, width: int, selector: str) -> None:
    """Every comment, its author's name, what it answers and its words end inside the
    viewport (names are inline: their boxes are as wide as their text)."""
    outside = page.evaluate(
        """([selector, width]) => [...document.querySelectorAll([selector]
              .concat(['.comment-author bdi', '.comment-answers a', '.comment-body']
              .map(inner => selector + ' ' + inner)).join(', '))]
            .filter(el => el.getBoundingClientRect().right > width + 0.5)
            .map(el => (el.id || el.className) + ': ' + el.getBoundingClientRect().right)""",
        [selector, width],
    )
    assert outside == [], f"past the right edge at {width}px: {outside}"


def test_a_deep_thread_without_javascript_on_a_phone(no_js_page, data):
    page = no_js_page
    data(seed_demo)
    ids = data(deep_thread)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(DEMO)
    level_two = page.locator(f"#replies-{ids['ines']} > li")
    expect(level_two).to_have_count(3)
    assert no_horizontal_scroll(page) <= 0
    assert_inside(page, 375, "#comment-list li.comment")

    item(page, ids["eli"]).get_by_role("link", name="Reply to Eli Deepest").click()
    expect(page.get_by_role("heading", name="Replying to Eli Deepest")).to_be_visible()
    assert no_horizontal_scroll(page) <= 0
    fill(page, f"reply-{ids['eli']}", name="Fay Fifth", body="Answering from a plain phone.")
    page.get_by_role("button", name="Post Reply").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}#comment-\d+$"))
    expect(level_two).to_have_count(4)
    expect(level_two.last.locator(".comment-body")).to_have_text("Answering from a plain phone.")
    expect(level_two.last.locator(".comment-answers")).to_have_text("in reply to Eli Deepest")
    expect(level_two.last).to_be_in_viewport()
    assert no_horizontal_scroll(page) <= 0


# --- a commenter's own comment: edit and delete --------------------------------------


def test_edit_own_comment_in_place_within_the_window(page, data):
    data(seed_demo)
    page.goto(DEMO)
    mine = post_comment(page, "My first worsd.")
    own = content(page, mine)
    expect(own.get_by_role("link", name="Edit your comment")).to_be_visible()
    expect(page.get_by_role("link", name="Edit your comment")).to_have_count(1)  # mine alone

    own.get_by_role("link", name="Edit your comment").click()
    form = page.locator(f"form#comment-{mine}-content")
    expect(form.get_by_role("heading")).to_have_text("Edit your comment")
    text = form.get_by_role("textbox", name="Comment")
    expect(text).to_have_value("My first worsd.")
    expect(text).to_be_focused()
    assert_no_violations(page, "edit form open")
    form.get_by_role("link", name="Cancel").click()
    expect(content(page, mine).locator(".comment-body")).to_have_text("My first worsd.")
    expect(page.locator(f"#reply-link-{mine}")).to_be_focused()

    content(page, mine).get_by_role("link", name="Edit your comment").click()
    text.fill("My first words.")
    form.get_by_role("button", name="Save").click()
    expect(content(page, mine).locator(".comment-body")).to_have_text("My first words.")
    expect(content(page, mine).locator(".comment-edited")).to_contain_text("edited")
    expect(page.locator("#comment-status")).to_have_text("Your changes are saved.")
    expect(page.locator(f"#reply-link-{mine}")).to_be_focused()
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS + 1} Comments")
    assert data(stored, mine) == (CommentStatus.PUBLISHED, "My first words.")

    page.reload()
    expect(content(page, mine).locator(".comment-body")).to_have_text("My first words.")
    expect(content(page, mine).locator(".comment-edited")).to_be_visible()
    expect(content(page, mine).get_by_role("link", name="Edit your comment")).to_be_visible()


def test_changes_are_refused_once_the_window_has_passed(page, data):
    data(seed_demo)
    page.goto(DEMO)
    mine = post_comment(page, "Words I may want to change.")
    data(age, mine, 14)  # a minute left
    page.reload()
    expect(content(page, mine).get_by_role("link", name="Edit your comment")).to_be_visible()
    content(page, mine).get_by_role("link", name="Edit your comment").click()
    form = page.locator(f"form#comment-{mine}-content")
    expect(form).to_be_visible()

    data(age, mine, 2)  # the window closes while the form is open
    form.get_by_role("textbox", name="Comment").fill("Too late for this.")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#comment-status")).to_contain_text(
        "This comment can no longer be changed here."
    )
    expect(form.get_by_role("textbox", name="Comment")).to_have_value("Too late for this.")
    assert data(stored, mine) == (CommentStatus.PUBLISHED, "Words I may want to change.")

    page.reload()
    own = content(page, mine)
    expect(own.locator(".comment-body")).to_have_text("Words I may want to change.")
    expect(own.get_by_role("link", name="Edit your comment")).to_have_count(0)
    expect(own.get_by_role("link", name="Delete your comment")).to_have_count(0)
    expect(own.get_by_role("link", name="Reply to Grace Reader")).to_be_visible()


def test_edit_and_refusal_without_javascript(no_js_page, data):
    page = no_js_page
    data(seed_demo)
    mine = post_without_javascript(page, "Posted plainly, with a tpyo.")
    expect(content(page, mine).locator(".comment-body")).to_have_text(
        "Posted plainly, with a tpyo."
    )

    content(page, mine).get_by_role("link", name="Edit your comment").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}/comments/{mine}/edit$"))
    expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
    page.get_by_role("textbox", name="Comment").fill("Posted plainly, with a typo fixed.")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}#comment-{mine}$"))
    own = content(page, mine)
    expect(own.locator(".comment-body")).to_have_text("Posted plainly, with a typo fixed.")
    expect(own.locator(".comment-edited")).to_be_visible()

    data(age, mine, 16)
    response = page.goto(f"{DEMO}/comments/{mine}/edit")
    assert response.status == 403
    expect(page.get_by_text("This comment can no longer be changed here.")).to_be_visible()
    page.goto(DEMO)
    expect(content(page, mine).get_by_role("link", name="Edit your comment")).to_have_count(0)
    assert data(stored, mine) == (CommentStatus.PUBLISHED, "Posted plainly, with a typo fixed.")


def test_delete_asks_first_then_the_comment_is_gone(page, data):
    data(seed_demo)
    page.goto(DEMO)
    mine = post_comment(page, "Something I regret saying.")
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS + 1} Comments")

    content(page, mine).get_by_role("link", name="Delete your comment").click()
    confirm = page.locator(f"form#comment-{mine}-content")
    expect(confirm.get_by_role("heading")).to_have_text("Delete your comment?")
    expect(confirm.locator("blockquote")).to_have_text("Something I regret saying.")
    expect(confirm.get_by_role("button", name="Delete it")).to_be_focused()
    assert_no_violations(page, "delete confirmation")
    confirm.get_by_role("link", name="Keep it").click()
    expect(content(page, mine).locator(".comment-body")).to_have_text("Something I regret saying.")
    expect(page.locator(f"#reply-link-{mine}")).to_be_focused()
    assert data(stored, mine) is not None

    content(page, mine).get_by_role("link", name="Delete your comment").click()
    confirm.get_by_role("button", name="Delete it").click()
    expect(item(page, mine)).to_have_count(0)
    expect(page.locator("#comment-status")).to_have_text("Your comment was deleted.")
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS} Comments")
    expect(page.locator("#comments-heading")).to_be_focused()
    assert data(stored, mine) is None
    page.reload()
    expect(page.get_by_text("Something I regret saying.")).to_have_count(0)
    expect(page.locator("#comment-list > li").last).to_contain_text("Reader 130")


def test_deleting_a_comment_with_replies_leaves_its_place(page, data):
    data(seed_demo)
    page.goto(DEMO)
    mine = post_comment(page, "A view someone answered.")
    answer = data(add_reply, mine, "Ola Other", "I answered you.")
    page.reload()
    expect(page.locator(f"#replies-{mine} > li")).to_contain_text("I answered you.")
    content(page, mine).get_by_role("link", name="Delete your comment").click()
    confirm = page.locator(f"form#comment-{mine}-content")
    expect(confirm).to_contain_text("Any replies to it stay")
    confirm.get_by_role("button", name="Delete it").click()

    expect(content(page, mine)).to_have_text("This comment was removed.")
    expect(item(page, mine)).not_to_contain_text("Grace Reader")
    expect(page.locator(f"#replies-{mine} > #comment-{answer}")).to_contain_text("I answered you.")
    expect(page.locator("#comment-status")).to_have_text("Your comment was deleted.")
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS + 1} Comments")
    page.reload()
    expect(content(page, mine)).to_have_text("This comment was removed.")
    expect(page.get_by_text("A view someone answered.")).to_have_count(0)
    expect(page.locator(f"#replies-{mine} > #comment-{answer}")).to_contain_text("I answered you.")
    expect(page.get_by_role("link", name="Reply to Ola Other")).to_be_visible()


def test_delete_without_javascript(no_js_page, data):
    page = no_js_page
    data(seed_demo)
    mine = post_without_javascript(page, "Gone soon, without scripts.")

    content(page, mine).get_by_role("link", name="Delete your comment").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}/comments/{mine}/delete$"))
    expect(page.get_by_role("heading", name="Delete your comment?")).to_be_visible()
    page.get_by_role("link", name="Keep it").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}#comment-{mine}$"))
    expect(content(page, mine).locator(".comment-body")).to_have_text("Gone soon, without scripts.")

    content(page, mine).get_by_role("link", name="Delete your comment").click()
    page.get_by_role("button", name="Delete it").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}#comments$"))
    expect(page.get_by_text("Gone soon, without scripts.")).to_have_count(0)
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS} Comments")
    assert data(stored, mine) is None


# --- previews --------------------------------------------------------------------------


def test_preview_shows_the_comment_and_posts_nothing(page, data):
    data(seed_demo)
    page.goto(DEMO)
    fill(page, "comment", name="Pat Preview", body="First thought.\n\nSecond thought.")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".comment-preview")
    expect(preview.get_by_role("heading")).to_have_text("Preview: not posted yet")
    expect(preview.locator(".comment-author")).to_have_text("Pat Preview")
    expect(preview.locator(".comment-body p")).to_have_text(["First thought.", "Second thought."])
    expect(preview).to_be_focused()
    expect(page.locator("#comment-body")).to_have_value("First thought.\n\nSecond thought.")
    expect(page.locator("#comment-name")).to_have_value("Pat Preview")
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS} Comments")
    expect(page.locator("#comment-list")).not_to_contain_text("First thought.")
    assert data(demo_count) == DEMO_COMMENTS
    assert_no_violations(page, "preview shown")

    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(THANKS)
    expect(page.locator("#comment-list > li").last).to_contain_text("Second thought.")
    expect(page.locator(".comment-preview")).to_have_count(0)
    assert data(demo_count) == DEMO_COMMENTS + 1
    page.reload()  # the newest page first: the poster finds their comment at its end
    expect(page.locator("#comment-list > li").last).to_contain_text("Second thought.")
    expect(page.locator("#comment-list > li").last).to_contain_text("Pat Preview")


def test_preview_without_javascript(no_js_page, data):
    page = no_js_page
    data(seed_demo)
    page.goto(DEMO)
    fill(page, "comment", name="Pat Plain", body="Checking how this looks.")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".comment-preview")
    expect(preview.locator(".comment-author")).to_have_text("Pat Plain")
    expect(preview.locator(".comment-body")).to_have_text("Checking how this looks.")
    expect(page.locator("#comment-body")).to_have_value("Checking how this looks.")
    assert data(demo_count) == DEMO_COMMENTS
    page.get_by_role("button", name="Post Comment").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}#comment-\d+$"))
    expect(page.locator("#comment-list > li").last).to_contain_text("Checking how this looks.")
    assert data(demo_count) == DEMO_COMMENTS + 1


# --- new comments while the page is open ----------------------------------------------


def test_new_comments_are_announced_and_shown_without_moving_focus(
    page, browser, base_url, live_app, data
):
    live_app.config["COMMENT_POLL_SECONDS"] = 1
    data(seed_demo)
    answered, newest = data(comment_id, "Reader 129"), data(comment_id, "Reader 130")
    page.goto(DEMO)
    # the reader is writing a reply when others post
    page.get_by_role("link", name="Reply to Reader 130").click()
    writing = page.locator(f"#reply-{newest}-body")
    writing.click()
    page.keyboard.type("Half a thought")

    other = browser.new_context(base_url=base_url).new_page()
    other.goto(DEMO)
    fill(other, "comment", name="Olive Other", body="A new voice arrives.")
    other.get_by_role("button", name="Post Comment").click()
    expect(other.locator("#comment-status")).to_have_text(THANKS)
    other.wait_for_timeout(1100)  # COMMENT_FLOOD_SECONDS
    other.get_by_role("link", name="Reply to Reader 129").click()
    fill(other, f"reply-{answered}", name="Olive Other", body="And an answer to 129.")
    other.get_by_role("button", name="Post Reply").click()
    expect(other.locator("#comment-status")).to_have_text(THANKS)
    other.context.close()

    button = page.locator("#comments-new-button")
    expect(button).to_have_text("2 new comments: show them")
    expect(writing).to_be_focused()  # the news did not take the reader away
    page.keyboard.type(", and the rest.")
    expect(writing).to_have_value("Half a thought, and the rest.")
    expect(page.get_by_text("A new voice arrives.")).to_have_count(0)  # not until asked
    assert_no_violations(page, "new-comments button shown")

    button.click()
    expect(page.locator("#comment-list > li").last).to_contain_text("A new voice arrives.")
    # focus was not thrown into the open reply form: the next Tab goes on from the button
    expect(page.locator(f"#reply-{newest}-name")).not_to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Refresh comments")).to_be_focused()
    expect(page.locator(f"#replies-{answered} > li")).to_contain_text("And an answer to 129.")
    expect(page.locator("#comment-count")).to_have_text(f"{DEMO_COMMENTS + 2} Comments")
    expect(page.locator("#comment-status")).to_have_text("2 new comments shown.")
    expect(button).to_have_count(0)
    expect(writing).to_have_value("Half a thought, and the rest.")
    texts = page.locator("#comment-list .comment-body").all_inner_texts()
    assert texts.count("A new voice arrives.") == texts.count("And an answer to 129.") == 1


# --- keyboard alone --------------------------------------------------------------------


def test_keyboard_only_reply(page, data):
    data(seed_demo)
    parent = data(comment_id, "Reader 130")
    page.goto(DEMO)
    link = page.get_by_role("link", name="Reply to Reader 130")
    tab_to(page, link, most=80)  # from the top of the page
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#reply-{parent}-name")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(f"#reply-slot-{parent}")).to_be_empty()
    expect(link).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator(f"#reply-{parent}-name")).to_be_focused()
    page.keyboard.type("Keyboard Kim")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(f"#reply-{parent}-body")).to_be_focused()
    page.keyboard.type("Replied with keys alone.")
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000)  # people type slower than this
    for _ in range(5):
        page.keyboard.press("Tab")
        if focused_id(page) == f"reply-{parent}-submit":
            break
    page.keyboard.press("Enter")
    reply = page.locator(f"#replies-{parent} > li")
    expect(reply.locator(".comment-body")).to_have_text("Replied with keys alone.")
    expect(link).to_be_focused()


def test_polling_rests_while_the_tab_is_hidden_and_backs_off_after_errors(page, live_app, data):
    live_app.config["COMMENT_POLL_SECONDS"] = 1
    data(seed_demo)
    polls: list[float] = []
    page.on(
        "request",
        lambda request: "/comments/new" in request.url and polls.append(time.monotonic()),
    )
    page.goto(DEMO)
    page.wait_for_timeout(2500)
    assert len(polls) >= 2, "an open page polls every COMMENT_POLL_SECONDS"

    page.evaluate("Object.defineProperty(document, 'hidden', {value: true, configurable: true})")
    page.wait_for_timeout(300)
    polls.clear()
    page.wait_for_timeout(2500)
    assert polls == [], "a hidden tab does not poll"
    page.evaluate("Object.defineProperty(document, 'hidden', {value: false, configurable: true})")
    page.wait_for_timeout(1500)
    assert polls, "polling comes back with the tab"

    failing = {"on": True}
    page.route(
        "**/comments/new*",
        lambda route: (
            route.fulfill(status=503, body="busy") if failing["on"] else route.continue_()
        ),
    )
    polls.clear()
    page.wait_for_timeout(1200)  # the first failure
    assert len(polls) == 1, polls
    first_failure = polls[0]
    page.wait_for_timeout(2600)
    # one failure: the next try waits two intervals (and a second failure four)
    assert len(polls) <= 2, polls
    if len(polls) == 2:
        assert polls[1] - first_failure >= 1.9, polls
    expect(page.locator("#comments-poll")).to_have_count(1)  # an error swaps nothing in
