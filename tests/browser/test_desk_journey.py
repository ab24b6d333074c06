"""The owner writes in the browser: live preview as they type, a draft, a schedule, then
published; a new slug, and the old link still leads there. Axe on every desk page."""

from datetime import datetime, timedelta

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from test_moderation_journey import PASSWORD, add_admin


def sign_in(page) -> None:
    page.goto("/admin/articles")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()


def new_article(page, title: str, text: str) -> None:
    """Signed in, the New article page with its title, author and text filled in."""
    sign_in(page)
    page.goto("/admin/articles/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Author").fill("Ada Writer")
    page.get_by_label("Text (Markdown)").fill(text)


def no_violations(page, where: str) -> None:
    scan = Axe().run(page)
    assert scan.violations_count == 0, (where, scan.response["violations"])


def test_write_preview_draft_schedule_publish_and_move(page, browser, base_url, data):
    data(add_admin)
    sign_in(page)
    no_violations(page, "articles list")
    page.get_by_role("link", name="Write a new article").click()
    expect(page.get_by_role("heading", name="New article")).to_be_visible()
    no_violations(page, "new article")
    page.evaluate("window.samePageMarker = 7")

    page.get_by_label("Title").fill("Notes on Quiet Mornings")
    page.get_by_label("Author").fill("Ada Writer")
    body = page.get_by_label("Text (Markdown)")
    body.click()
    body.press_sequentially("Mornings can be **gentle**.", delay=10)
    preview = page.locator("#preview")
    expect(preview.locator("strong")).to_have_text("gentle")  # rendered as one types
    expect(preview.locator("h2")).to_have_text("Notes on Quiet Mornings")
    assert page.evaluate("document.activeElement.id") == "body"  # focus stays in the editor
    assert page.evaluate("window.samePageMarker") == 7  # no page load
    body.press_sequentially(" <script>alert(1)</script>", delay=5)
    expect(preview).to_contain_text("Mornings can be")
    expect(preview.locator("script")).to_have_count(0)
    page.get_by_label("Tags").fill("Mornings, Small habits")

    page.get_by_role("button", name="Save").click()  # a draft, the default
    expect(page.get_by_role("status")).to_contain_text("as a draft")
    no_violations(page, "edit article")
    reader = browser.new_context(base_url=base_url).new_page()
    assert reader.goto("/articles/notes-on-quiet-mornings").status == 404

    later = (datetime.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    page.get_by_role("radio", name="Scheduled").check()
    page.get_by_role("textbox", name="Publish time").fill(f"{later:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Scheduled")
    assert reader.goto("/articles/notes-on-quiet-mornings").status == 404
    page.goto("/admin/articles?show=scheduled")
    expect(page.get_by_role("link", name="Notes on Quiet Mornings")).to_be_visible()
    page.get_by_role("link", name="Notes on Quiet Mornings").click()

    page.get_by_role("radio", name="Published").check()
    page.get_by_role("textbox", name="Publish time").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Published “Notes on Quiet Mornings”")
    assert reader.goto("/articles/notes-on-quiet-mornings").status == 200
    expect(reader.locator(".article-body strong")).to_have_text("gentle")
    expect(reader.get_by_role("link", name="Small habits")).to_be_visible()

    page.get_by_label("Address (slug)").fill("quiet-mornings")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Readers see the changes now")
    reader.goto("/articles/notes-on-quiet-mornings")  # the old link, from a bookmark
    expect(reader).to_have_url(f"{base_url}/articles/quiet-mornings")
    expect(reader.get_by_role("heading", name="Notes on Quiet Mornings")).to_be_visible()

    page.get_by_role("link", name="Delete this article…").click()
    no_violations(page, "delete article")
    page.get_by_role("button", name="Delete the article").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted “Notes on Quiet Mornings”")
    assert reader.goto("/articles/quiet-mornings").status == 404


def test_a_second_tab_cannot_overwrite_the_first(page, browser, base_url, data):
    data(add_admin)
    new_article(page, "Two Tabs", "First words.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("as a draft")
    other = page.context.new_page()
    other.goto(page.url)
    other.get_by_label("Text (Markdown)").fill("Words from tab two.")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_role("status")).to_contain_text("as a draft")
    page.get_by_label("Text (Markdown)").fill("Words from tab one.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("saved from another page")
    expect(page.get_by_label("Text (Markdown)")).to_have_value("Words from tab one.")


def test_preview_without_javascript(no_js_page, data):
    data(add_admin)
    page = no_js_page
    new_article(page, "No Script Here", "Plain *and* simple.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview em")).to_have_text("and")
    expect(page.get_by_label("Title")).to_have_value("No Script Here")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("as a draft")
