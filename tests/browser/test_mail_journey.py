"""Email in a real browser, with a real SMTP server: a reader asks to hear of replies,
confirms from the message, hears of a reply and stops it with one click; the owner
approves a held comment from the email, without signing in."""

import re

from journey import assert_no_violations
from playwright.sync_api import expect
from test_conversation_journeys import DEMO, comment_id, fill, seed_demo
from test_moderation_journey import PASSWORD, add_admin

from blog.mail import sender

ASKED = "look for our message"


def deliver(data) -> None:
    data(sender.run_once)


def link(message, kind: str) -> str:
    return re.search(rf"http://127\.0\.0\.1:\d+/mail/{kind}/\S+", message.text).group(0)


def test_reply_notifications_from_opt_in_to_one_click_unsubscribe(
    page, browser, base_url, live_app, data, smtp_server
):
    smtp_server.received.clear()
    live_app.config["COMMENTS_PER_PAGE"] = 50
    data(seed_demo)
    page.goto(DEMO)
    box = page.get_by_label("Email me when someone replies")
    expect(box).not_to_be_checked()
    assert_no_violations(page, "article with the email box and the follow form")
    page.get_by_role("button", name="Follow by email").click()  # inline, nothing filled in
    expect(page.locator("#follow-email-error")).to_have_text("Please enter your email address.")
    expect(page.locator("#follow-email")).to_be_focused()
    assert_no_violations(page, "follow form with an error")
    fill(page, "comment", name="Ann Asker", email="ann@example.com", body="Tell me of answers.")
    box.check()
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_contain_text(ASKED)

    deliver(data)
    (confirmation,) = smtp_server.to("ann@example.com")
    page.goto(link(confirmation, "confirm"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    assert_no_violations(page, "confirmation page")
    page.get_by_role("button", name="Yes, email me").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your address is confirmed")
    assert_no_violations(page, "confirmed page")

    other = browser.new_context(base_url=base_url).new_page()  # another reader, another browser
    other.goto(DEMO)
    ann = data(comment_id, "Ann Asker")
    other.get_by_role("link", name="Reply to Ann Asker").click()
    fill(other, f"reply-{ann}", name="Bea Answer", email="bea@example.com", body="Here you go.")
    other.get_by_role("button", name="Post Reply").click()
    expect(other.locator(f"#replies-{ann} > li")).to_contain_text("Here you go.")

    deliver(data)
    notice = smtp_server.to("ann@example.com")[-1]
    assert "Bea Answer replied to your comment" in notice.message["Subject"]
    assert "Here you go." in notice.html
    # the link in the message leads to the reply on the page
    page.goto(re.search(r"http://127\.0\.0\.1:\d+/articles/\S+", notice.text).group(0))
    expect(page.locator(f"#replies-{ann} > li").first).to_contain_text("Here you go.")

    unsubscribe = notice.message["List-Unsubscribe"].strip()[1:-1]
    assert unsubscribe == link(notice, "unsubscribe")
    page.goto(unsubscribe)  # the page behind the visible link
    expect(page.get_by_role("button", name="Stop emails about this conversation")).to_be_visible()
    assert_no_violations(page, "unsubscribe page")
    # what a mail client does with one click (RFC 8058): a POST, no page, no cookies
    clicked = other.request.post(unsubscribe, form={"List-Unsubscribe": "One-Click"})
    assert clicked.status == 200

    other.get_by_role("link", name="Reply to Ann Asker").click()
    fill(other, f"reply-{ann}", name="Cal Later", email="cal@example.com", body="And more.")
    other.wait_for_timeout(1100)  # COMMENT_FLOOD_SECONDS since Bea's reply from this client
    other.get_by_role("button", name="Post Reply").click()
    expect(other.locator(f"#replies-{ann} > li")).to_have_count(2)
    deliver(data)
    assert smtp_server.to("ann@example.com") == [confirmation, notice]
    page.goto(unsubscribe)  # and now everything
    page.get_by_role("button", name="Stop all email to this address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stopped")
    assert_no_violations(page, "stopped page")
    other.context.close()


def test_the_owner_approves_from_the_email_on_a_device_never_signed_in(
    page, browser, base_url, live_app, data, smtp_server
):
    smtp_server.received.clear()
    live_app.config["COMMENT_MODERATION"] = "all"
    live_app.config["COMMENTS_PER_PAGE"] = 50
    data(seed_demo)
    page.goto(DEMO)
    fill(page, "comment", name="Dee Held", email="dee@example.com", body="Please let me in.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_contain_text("awaiting moderation")

    deliver(data)
    (held,) = smtp_server.to("owner@example.com")
    approve = link(held, "moderate")
    owner = browser.new_context(base_url=base_url).new_page()
    owner.goto(approve)
    expect(owner.get_by_role("heading", level=1)).to_have_text("Approve this comment?")
    expect(owner.locator(".mail-quote")).to_contain_text("Please let me in.")
    assert_no_violations(owner, "moderation confirmation page")
    owner.get_by_role("button", name="Approve and publish").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Approved: the comment is published")
    assert_no_violations(owner, "moderated page")
    owner.goto(DEMO)
    expect(owner.locator("#comment-list")).to_contain_text("Please let me in.")
    owner.goto(approve)
    expect(owner.get_by_role("heading", level=1)).to_have_text("This link was already used")
    assert_no_violations(owner, "used link page")
    data(add_admin)  # the Outbox, as the owner sees it
    owner.goto("/admin/outbox?status=sent")
    owner.get_by_label("Username").fill("owner")
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Outbox: sent messages")
    expect(owner.locator("table.outbox")).to_contain_text("owner@example.com")
    assert_no_violations(owner, "Outbox page")
    owner.context.close()


def test_following_an_article_without_javascript(no_js_page, live_app, data, smtp_server):
    smtp_server.received.clear()
    data(seed_demo)
    page = no_js_page
    page.goto(DEMO)
    page.fill("#follow-email", "not an address")
    page.get_by_role("button", name="Follow by email").click()
    expect(page.locator("#follow-email-error")).to_contain_text("valid email address")
    page.fill("#follow-email", "fan@example.com")
    page.get_by_role("button", name="Follow by email").click()
    expect(page.locator("#follow-message")).to_contain_text("we have sent it a link to confirm")
    deliver(data)
    (confirmation,) = smtp_server.to("fan@example.com")
    assert "new comments on" in confirmation.text
