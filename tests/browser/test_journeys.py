"""What a reader sees in a real browser, with and without JavaScript."""

import re

from journey import (
    MIN_FILL_SECONDS,
    PAGE_SIZE,
    article_with_comments,
    comment_texts,
    comment_total,
    fill_comment,
    tab_to,
)
from playwright.sync_api import expect
from support import ARTICLE


def test_read_home_then_article(page, data):
    data(article_with_comments, 3, copyright_holder="Jane Doe")
    page.goto("/")
    page.get_by_role("link", name="A Quiet Article").click()
    expect(page).to_have_url(re.compile(ARTICLE + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("A Quiet Article")
    expect(page.locator(".article-body")).to_contain_text("First paragraph of the article.")
    expect(page.locator(".copyright")).to_contain_text(
        "© Copyright 2007 by Jane Doe. All Rights Reserved."
    )
    expect(page.locator(".disclaimer")).to_contain_text("not necessarily shared by")
    expect(page.locator("#comment-list > li")).to_have_count(3)
    expect(page.locator("#comment-list time").first).to_have_text("January 1st, 2008 at 10:00 AM")
    expect(page.get_by_role("heading", name="Leave a Comment")).to_be_visible()
    expect(page.get_by_text("* Indicates required field.")).to_be_visible()


def test_post_inline_without_navigation(page, data):
    data(article_with_comments, 2)
    page.goto(ARTICLE)
    page.evaluate("window.samePageMarker = 'still here'")
    fill_comment(page, body="Posted from a real browser.\n\nSecond paragraph.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-list > li")).to_have_count(3)
    expect(page.locator("#comment-list > li").last).to_contain_text("Posted from a real browser.")
    assert page.evaluate("window.samePageMarker") == "still here"
    expect(page.locator("#comment-name")).to_have_value("")
    expect(page.locator("#comment-body")).to_have_value("")
    expect(page.locator("#comment-count")).to_have_text("3 Comments")
    status = page.locator("#comment-status")  # announced: a polite live region
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("Thank you, your comment has been posted.")
    assert data(comment_total) == 3
    page.reload()
    expect(page.locator("#comment-list > li").last).to_contain_text("Posted from a real browser.")
    expect(page.locator("#comment-list > li")).to_have_count(3)


def test_errors_inline_keep_text_and_focus_first_invalid_field(page, data):
    data(article_with_comments, 1)
    page.goto(ARTICLE)
    page.evaluate("window.samePageMarker = 1")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-name-error")).to_have_text("Please enter your name.")
    expect(page.locator("#comment-body-error")).to_have_text("Please write a comment.")
    expect(page.locator("#comment-name")).to_be_focused()
    expect(page.locator("#comment-name")).to_have_attribute("aria-invalid", "true")

    fill_comment(page, email="not an email", body="Please keep this text.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-email-error")).to_contain_text("valid email address")
    expect(page.locator("#comment-name-error")).to_have_count(0)
    expect(page.locator("#comment-email")).to_be_focused()
    expect(page.locator("#comment-body")).to_have_value("Please keep this text.")
    expect(page.locator("#comment-email")).to_have_value("not an email")
    assert page.evaluate("window.samePageMarker") == 1
    assert data(comment_total) == 1


def test_newest_first_then_earlier_until_all_are_shown(page, data):
    data(article_with_comments, PAGE_SIZE * 2 + 2)
    page.goto(ARTICLE)
    expect(page.locator("#comment-list > li")).to_have_count(PAGE_SIZE)
    newest = [f"Comment number {n}." for n in range(PAGE_SIZE + 3, PAGE_SIZE * 2 + 3)]
    assert comment_texts(page) == newest  # the newest page, oldest first within it
    earlier = page.get_by_role("link", name="Show earlier comments")
    # the way to earlier comments sits above the list
    assert earlier.bounding_box()["y"] < page.locator("#comment-list").bounding_box()["y"]
    earlier.click()
    expect(page.locator("#comment-list > li")).to_have_count(PAGE_SIZE * 2)
    expect(page.locator("#comment-status")).to_have_text("Earlier comments shown.")
    earlier.click()
    expect(page.locator("#comment-list > li")).to_have_count(PAGE_SIZE * 2 + 2)
    expect(earlier).to_have_count(0)
    expected = [f"Comment number {n}." for n in range(1, PAGE_SIZE * 2 + 3)]
    assert comment_texts(page) == expected
    expect(page).to_have_url(re.compile(ARTICLE + "$"))


def test_post_then_show_earlier_shows_each_comment_once(page, data):
    data(article_with_comments, PAGE_SIZE + 1)
    page.goto(ARTICLE)
    fill_comment(page, body="Newest words.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-count")).to_have_text(f"{PAGE_SIZE + 2} Comments")
    expect(page.locator("#comment-list > li").last).to_contain_text("Newest words.")
    page.get_by_role("link", name="Show earlier comments").click()
    expect(page.get_by_role("link", name="Show earlier comments")).to_have_count(0)
    texts = comment_texts(page)
    assert texts[0] == "Comment number 1."
    assert texts[-1] == "Newest words."
    assert len(texts) == len(set(texts)) == PAGE_SIZE + 2


def test_everything_works_without_javascript(no_js_page, data):
    page = no_js_page
    data(article_with_comments, PAGE_SIZE + 2)
    page.goto(ARTICLE)
    expect(page.locator("#comment-list > li")).to_have_count(PAGE_SIZE)
    assert comment_texts(page) == [f"Comment number {n}." for n in range(3, PAGE_SIZE + 3)]
    page.get_by_role("link", name="Show earlier comments").click()
    expect(page).to_have_url(re.compile(r"/comments\?before=\d+"))
    assert comment_texts(page) == ["Comment number 1.", "Comment number 2."]
    expect(page.get_by_role("link", name="Show earlier comments")).to_have_count(0)
    page.get_by_role("link", name="Back to the newest comments").click()
    expect(page).to_have_url(re.compile(ARTICLE + "#comments$"))
    expect(page.locator("#comment-list > li").last).to_contain_text(
        f"Comment number {PAGE_SIZE + 2}."
    )

    fill_comment(page, email="broken", body="Typed without scripts.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-email-error")).to_contain_text("valid email address")
    expect(page.locator("#comment-body")).to_have_value("Typed without scripts.")
    assert data(comment_total) == PAGE_SIZE + 2

    page.fill("#comment-email", "fine@example.com")
    page.get_by_role("button", name="Post Comment").click()
    # the newest page: the article itself, at the new comment
    expect(page).to_have_url(re.compile(ARTICLE + r"#comment-\d+$"))
    expect(page.locator("#comment-list > li").last).to_contain_text("Typed without scripts.")
    expect(page.get_by_text("Typed without scripts.")).to_be_in_viewport()
    assert data(comment_total) == PAGE_SIZE + 3

    page.get_by_role("button", name="OK, got it").click()
    expect(page.locator("#cookie-notice")).to_have_count(0)
    page.goto("/")
    expect(page.locator("#cookie-notice")).to_have_count(0)


def test_cookie_notice_stays_dismissed(page, data):
    data(article_with_comments, 0)
    page.goto(ARTICLE)
    notice = page.get_by_role("region", name="Cookie notice")
    expect(notice).to_contain_text(
        "Browser Notes sets no cookies while you read. A cookie is set only when you act:"
    )
    page.evaluate("window.samePageMarker = 1")
    page.get_by_role("button", name="OK, got it").click()
    expect(notice).to_have_count(0)
    assert page.evaluate("window.samePageMarker") == 1
    page.reload()
    expect(notice).to_have_count(0)
    page.goto("/terms")
    expect(page.locator("#cookie-notice")).to_have_count(0)


def cookie_names(page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


def test_reading_sets_no_cookie_until_the_reader_acts(page, data):
    data(article_with_comments, PAGE_SIZE + 1)
    page.goto("/")
    page.get_by_role("link", name="A Quiet Article").click()
    page.get_by_role("link", name="Show earlier comments").click()
    expect(page.locator("#comment-list > li")).to_have_count(PAGE_SIZE + 1)
    page.goto("/terms")
    assert page.context.cookies() == []

    page.goto(ARTICLE)
    fill_comment(page, body="Now I have acted.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text("Thank you, your comment has been posted.")
    assert cookie_names(page) == {"my_comments"}
    page.get_by_role("button", name="OK, got it").click()
    expect(page.locator("#cookie-notice")).to_have_count(0)
    assert cookie_names(page) == {"my_comments", "cookie_consent"}
    assert all(cookie["httpOnly"] for cookie in page.context.cookies())
    assert all(cookie["sameSite"] == "Lax" for cookie in page.context.cookies())


OTHER_SITE = "http://elsewhere.example/"


def other_site_posting(page, action: str, fields: dict[str, str]) -> None:
    """Open a page on another site whose form posts to `action` on the blog."""
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    html = f'<form method="post" action="{action}">{inputs}<button>Send</button></form>'
    page.route(OTHER_SITE, lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(OTHER_SITE)
    page.get_by_role("button", name="Send").click()


def test_forms_on_another_site_cannot_post_here(page, data, base_url):
    data(article_with_comments, 0)
    page.goto(ARTICLE)
    started = page.locator('input[name="comment-started"]').input_value()
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 100)  # the time trap would not object
    comment = {
        "comment-started": started,
        "comment-name": "Forger",
        "comment-email": "forger@example.com",
        "comment-body": "Sent from another site.",
    }
    other_site_posting(page, f"{base_url}{ARTICLE}/comments", comment)
    expect(page.get_by_text("This form must be sent from Browser Notes itself.")).to_be_visible()
    assert data(comment_total) == 0

    other_site_posting(page, f"{base_url}/cookies/accept", {"next": "/"})
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    assert page.context.cookies() == []
    page.goto(ARTICLE)
    expect(page.locator("#cookie-notice")).to_be_visible()
    expect(page.get_by_text("Sent from another site.")).to_have_count(0)


def test_keyboard_only_reader_can_comment(page, data):
    data(article_with_comments, 1)
    page.goto(ARTICLE)
    link = page.get_by_role("link", name="Leave a Comment")
    tab_to(page, link, most=40)  # from the top of the page
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#comment-name")).to_be_focused()
    page.keyboard.type("Keyboard Kim")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#comment-body")).to_be_focused()
    page.keyboard.type("Typed with keys alone.")
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000)  # people type slower than this
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "comment-submit":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#comment-list > li").last).to_contain_text("Typed with keys alone.")


def test_hostile_input_never_runs(page, data):
    data(article_with_comments, 0)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(ARTICLE)
    name = '<img src=x onerror="alert(1)">'
    body = "<script>alert('body')</script> and <b onmouseover=alert(2)>bold</b>"
    fill_comment(page, name=name, body=body, website="javascript:alert(3)")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-website-error")).to_be_visible()
    page.fill("#comment-website", "")
    page.get_by_role("button", name="Post Comment").click()
    comment = page.locator("#comment-list > li").last
    expect(comment.locator(".comment-author")).to_have_text(name)
    expect(comment.locator(".comment-body")).to_have_text(body)
    comment.hover()
    page.reload()
    page.locator("#comment-list > li").last.hover()
    expect(page.locator("#comment-list > li").last.locator(".comment-body")).to_have_text(body)
    assert dialogs == []
    assert page.locator("#comment-list img, #comment-list script, #comment-list b").count() == 0
