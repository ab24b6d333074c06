"""Automated accessibility scans and layout from phone to desktop."""

import pytest
from journey import article_with_comments, assert_no_violations, fill_comment
from playwright.sync_api import expect
from support import ARTICLE


def test_axe_finds_no_violations(page, data):
    data(article_with_comments, 2)
    page.goto("/")
    assert_no_violations(page, "home page")
    page.goto(ARTICLE)
    assert_no_violations(page, "article page")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-name-error")).to_be_visible()
    assert_no_violations(page, "article page with form errors")
    fill_comment(page, body="An accessible comment.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text("Thank you, your comment has been posted.")
    assert_no_violations(page, "article page after an inline post")


@pytest.mark.parametrize("width", [375, 768, 1280])
def test_no_horizontal_scrolling_and_usable_form(page, data, artifacts, width):
    data(article_with_comments, 3, title="A Quiet Article With A Rather Long Title For Phones")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(ARTICLE)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px of horizontal scrolling at {width}px"
    # caret="initial": Playwright would otherwise inject a style the CSP (rightly) blocks
    page.screenshot(path=str(artifacts / f"article-{width}px.png"), full_page=True, caret="initial")
    body = page.locator("#comment-body")
    body.scroll_into_view_if_needed()
    box = body.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert box["width"] >= min(280, width - 40)
    fill_comment(page, body=f"Sent at {width} pixels.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-list > li").last).to_contain_text(f"Sent at {width} pixels.")
