"""A held comment seen by its poster, then approved inline by the owner."""

from axe_playwright_python.sync_playwright import Axe
from journey import article_with_comments, fill_comment
from playwright.sync_api import expect
from support import ARTICLE
from werkzeug.security import generate_password_hash

from blog.extensions import db
from blog.models import AdminUser

PASSWORD = "a long admin password"


def add_admin() -> None:
    db.session.add(AdminUser(username="owner", password_hash=generate_password_hash(PASSWORD)))
    db.session.commit()


def test_held_comment_then_inline_approval(page, browser, base_url, live_app, data):
    live_app.config["COMMENT_MODERATION"] = "all"
    data(article_with_comments, 1)
    data(add_admin)

    page.goto(ARTICLE)
    fill_comment(page, name="Held Hana", body="Please approve me.")
    page.get_by_role("button", name="Post Comment").click()
    held = page.locator("#comment-list > li").last
    expect(held).to_contain_text("Your comment is awaiting moderation.")
    expect(page.locator("#comment-status")).to_have_text(
        "Thank you. Your comment is awaiting moderation."
    )
    expect(page.locator("#comment-count")).to_have_text("1 Comment")
    page.reload()
    expect(page.locator("#comment-list > li").last).to_contain_text("Please approve me.")

    stranger = browser.new_context(base_url=base_url).new_page()
    stranger.goto(ARTICLE)
    expect(stranger.get_by_text("Please approve me.")).to_have_count(0)

    owner = browser.new_context(base_url=base_url).new_page()
    owner.goto("/admin/")
    expect(owner).to_have_url(f"{base_url}/admin/login?next=/admin/")
    owner.get_by_label("Username").fill("owner")
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    expect(owner.get_by_role("heading", name="Pending comments")).to_be_visible()
    scan = Axe().run(owner)
    assert scan.violations_count == 0, scan.response["violations"]
    owner.evaluate("window.samePageMarker = 7")
    row = owner.locator(".queue-row", has_text="Please approve me.")
    row.get_by_role("button", name="Approve").click()
    expect(owner.locator(".queue-row", has_text="Please approve me.")).to_contain_text("Approved.")
    assert owner.evaluate("window.samePageMarker") == 7

    stranger.reload()
    expect(stranger.get_by_text("Please approve me.")).to_be_visible()
    expect(stranger.locator("#comment-count")).to_have_text("2 Comments")
