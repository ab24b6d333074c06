"""Email, against a real SMTP server (aiosmtpd on loopback): double opt-in, reply
notifications, article digests, "your comment is published", the owner's held-comment
mail with links that moderate, one-click unsubscribe, and an outbox that loses nothing."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from mailbox_server import Mailbox
from sqlalchemy import func, select
from support import ARTICLE, add_comments, comment_data, form_tokens, make_article
from test_conversations import reply_data, signed_in_owner

from blog.extensions import db, mail
from blog.mail import sender
from blog.models import (
    Article,
    Comment,
    CommentStatus,
    OutboxMessage,
    Subscriber,
    Subscription,
    utcnow,
)

POST = ARTICLE + "/comments"
OWNER = "owner@example.com"
LINK = re.compile(r"http://localhost(/mail/[a-z]+/[A-Za-z0-9._-]+)")


@pytest.fixture(scope="session")
def smtp():
    server = Mailbox()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(app, smtp):
    """The app sends to the test SMTP server; the owner is told of held comments."""
    smtp.received.clear()
    smtp.refuse = False
    app.config.update(smtp.settings(), OWNER_EMAIL=OWNER)
    mail.init_app(app)
    yield smtp
    if not smtp.running:
        smtp.start()


@pytest.fixture
def discussion(app):
    """Three published comments (ids 1-3) on the article."""
    with app.app_context():
        add_comments(make_article(), 3)


def deliver(app, now=None) -> dict:
    with app.app_context():
        return sender.run_once(now)


def outbox(app, **filters) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).filter_by(**filters))
        return list(rows)


def post(client, htmx=False, ip="192.0.2.1", **fields):
    return client.post(
        POST,
        data=comment_data(form_tokens(client, ARTICLE), **fields),
        headers={"HX-Request": "true"} if htmx else {},
        environ_base={"REMOTE_ADDR": ip},
    )


def post_reply(client, parent_id, ip="192.0.2.2", **fields):
    return client.post(
        f"{POST}/{parent_id}/replies",
        data=reply_data(client, parent_id, **fields),
        environ_base={"REMOTE_ADDR": ip},
    )


def link_in(received, kind: str) -> str:
    """The path of the first /mail/<kind>/ link in a message's text part."""
    for path in LINK.findall(received.text):
        if path.startswith(f"/mail/{kind}/"):
            return path
    raise AssertionError(f"no {kind} link in:\n{received.text}")


def confirm(client, received) -> None:
    path = link_in(received, "confirm")
    page = client.get(path)
    assert page.status_code == 200 and "Confirm your email address" in page.get_data(as_text=True)
    done = client.post(path, data={"confirm": "1"})
    assert done.status_code == 200 and "Your address is confirmed" in done.get_data(as_text=True)


def subscribed_commenter(app, client, mailbox, email="ann@example.com", **fields) -> int:
    """Ann posts with the box ticked and confirms: the id of her comment."""
    assert post(client, name="Ann", email=email, notify="y", **fields).status_code == 303
    deliver(app)
    (confirmation,) = mailbox.to(email)
    confirm(client, confirmation)
    mailbox.received.clear()
    return stored(app)[-1].id


def approve_as_owner(app, client, comment_id: int) -> None:
    """The owner signs in and approves a held comment from the queue."""
    signed_in_owner(app, client)
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/admin/").get_data(as_text=True)
    ).group(1)
    client.post(f"/admin/comments/{comment_id}/approve", data={"csrf_token": token})


def stored(app, **filters) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).filter_by(**filters).order_by(Comment.id)))


# --- double opt-in ---------------------------------------------------------------------


def test_the_box_is_there_and_unticked(client, discussion):
    html = client.get(ARTICLE).get_data(as_text=True)
    box = re.search(r'<input[^>]*name="comment-notify"[^>]*>', html).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert '<label for="comment-notify">Email me when someone replies</label>' in html


def test_a_new_address_gets_one_confirmation_and_nothing_else_until_it_confirms(
    app, client, mailbox, discussion
):
    post(client, name="Ann", email="Ann@Example.com", notify="y")
    assert deliver(app)["sent"] == 1
    (message,) = mailbox.received
    assert message.recipients == ["ann@example.com"]
    assert message.message["Subject"] == "Please confirm your email address | Test Notes"
    assert message.message["From"] == "Test Notes <no-reply@localhost>"
    assert message.message["Message-ID"].endswith("@localhost>")
    assert message.message["Date"] and message.message["Reply-To"] == OWNER
    assert "A Quiet Article" in message.text and "A Quiet Article" in message.html
    assert link_in(message, "confirm") in message.html
    ann = stored(app)[-1].id
    # not confirmed: a reply to Ann sends nothing to her
    post_reply(client, ann, name="Bo", email="bo@example.com", body="Hello Ann.")
    deliver(app)
    assert mailbox.to("ann@example.com") == [message]
    # a scanner that fetches the link confirms nothing: only the button does
    client.get(link_in(message, "confirm"))
    with app.app_context():
        assert db.session.scalar(select(Subscriber.confirmed_at)) is None
    confirm(client, message)
    post_reply(client, ann, name="Cy", email="cy@example.com", body="Welcome, Ann.")
    deliver(app)
    (notice,) = mailbox.to("ann@example.com")[1:]
    assert "Cy replied to your comment" in notice.message["Subject"]


def test_a_confirmed_address_stays_confirmed_for_later_comments(app, client, mailbox, discussion):
    subscribed_commenter(app, client, mailbox)
    post(client, name="Ann", email="ann@example.com", notify="y", body="Second thoughts.")
    second = stored(app)[-1].id
    post_reply(client, second, name="Bo", email="bo@example.com", body="Good point.")
    deliver(app)
    (notice,) = mailbox.received  # no second confirmation, and the notification
    assert "Bo replied" in notice.message["Subject"]


def test_without_the_box_nothing_is_asked(app, client, mailbox, discussion):
    post(client, name="Ann", email="ann@example.com")
    deliver(app)
    assert mailbox.received == [] and outbox(app) == []


def test_confirmations_are_limited_per_address_and_per_client(app, client, mailbox, discussion):
    app.config["MAIL_CONFIRMATIONS_PER_HOUR"] = 5
    ip = "192.0.2.9"
    for n in range(3):  # one address, three asks: one message a day
        post(client, email="victim@example.com", notify="y", body=f"Words {n}.", ip=ip)
    assert len(outbox(app, kind="confirm")) == 1
    for n in range(3):  # every ask counts against the client's five an hour
        post(client, email=f"other{n}@example.com", notify="y", body="More.", ip=ip)
    assert [m.recipient for m in outbox(app, kind="confirm")][1:] == [
        "other0@example.com",
        "other1@example.com",
    ]
    post(client, email="fresh@example.com", notify="y", body="Elsewhere.", ip="198.51.100.7")
    assert len(outbox(app, kind="confirm")) == 4
    # a day later the first address may be asked again
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        post(client, email="victim@example.com", notify="y", body="Later.", ip="203.0.113.1")
    assert len(outbox(app, kind="confirm", recipient="victim@example.com")) == 2
    # the comments themselves were all posted
    assert len(stored(app)) == 3 + 8


def test_one_address_written_many_ways_is_asked_once(app, client, mailbox, discussion):
    """Case, full-width letters and IDN forms reach one mailbox: one subscriber, one ask.
    Clients in one IPv6 /64 share one allowance."""
    app.config["MAIL_CONFIRMATIONS_PER_HOUR"] = 4
    ways = [
        "victim@example.com",
        "VICTIM@EXAMPLE.COM",
        "victim@ｅxample.com",
        "victim@ＥＸＡＭＰＬＥ.ＣＯＭ",
    ]
    for n, address in enumerate(ways):
        asked = client.post(
            ARTICLE + "/follow",
            data={"follow-email": address},
            environ_base={"REMOTE_ADDR": f"2001:db8::{n + 1}"},
        )
        assert asked.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Subscriber.email)).all() == ["victim@example.com"]
    assert len(outbox(app, kind="confirm")) == 1
    blocked = client.post(
        ARTICLE + "/follow",
        data={"follow-email": "someone@example.com"},
        environ_base={"REMOTE_ADDR": "2001:db8::99"},  # same /64: its allowance is used up
    )
    assert blocked.status_code == 429 and len(outbox(app, kind="confirm")) == 1
    assert "Too many requests for email came from your network" in blocked.get_data(as_text=True)


def test_an_address_mail_cannot_go_to_is_refused_in_place(app, client, htmx_client, discussion):
    address = "中" * 20 + "@example.com"
    answer = post(htmx_client, htmx=True, email=address, notify="y")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "We can only email addresses" in html
    assert 'id="comment-notify-error"' in html and "autofocus" in html
    assert post(client, email=address).status_code == 303  # without the box: fine
    follow = client.post(ARTICLE + "/follow", data={"follow-email": "josé@example.com"})
    assert follow.status_code == 422 and "We can only email" in follow.get_data(as_text=True)
    assert outbox(app) == []


def test_what_the_reader_is_told_never_reveals_whether_an_address_is_confirmed(
    app, client, mailbox, discussion, htmx_client
):
    subscribed_commenter(app, client, mailbox)
    known = post(htmx_client, email="ann@example.com", notify="y", body="Again.", htmx=True)
    unknown = post(htmx_client, email="new@example.com", notify="y", body="Hi.", htmx=True)
    strip = lambda r: re.sub(r"\S+@example\.com", "", r.get_data(as_text=True))  # noqa: E731
    assert "look for our message" in known.get_data(as_text=True)
    assert re.findall(r'role="status"[^>]*>[^<]*', strip(known)) == re.findall(
        r'role="status"[^>]*>[^<]*', strip(unknown)
    )


# --- reply notifications ---------------------------------------------------------------


def test_a_published_reply_notifies_with_a_quote_a_link_and_one_click_unsubscribe(
    app, client, mailbox, discussion
):
    ann = subscribed_commenter(app, client, mailbox)
    body = "Dear Ann, <script>alert(1)</script> " + "so true " * 80
    post_reply(client, ann, name="Bo <b>", email="bo@example.com", body=body)
    deliver(app)
    (notice,) = mailbox.received
    msg = notice.message
    assert notice.recipients == ["ann@example.com"]
    assert msg["Subject"] == "Bo <b> replied to your comment | Test Notes"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = msg["List-Unsubscribe"].strip()
    unsubscribe = re.fullmatch(r"<http://localhost(/mail/unsubscribe/\S+)>", header)
    assert unsubscribe.group(1) in notice.html
    assert "&lt;script&gt;" in notice.html and "<script>" not in notice.html  # escaped
    assert "<script>alert(1)</script>" in notice.text  # the text part shows it as typed
    assert len(notice.text) < 1200 and "..." in notice.text  # shortened
    assert "bo@example.com" not in notice.text + notice.html  # never another's address
    reply_id = stored(app)[-1].id
    reply_link = re.search(r"http://localhost(/articles/\S+/comments/\d+)", notice.text).group(1)
    assert reply_link.endswith(f"/comments/{reply_id}")
    landed = client.get(reply_link)
    assert landed.status_code == 302 and f"#comment-{reply_id}" in landed.headers["Location"]
    # one click, as a mail client does it: a POST with that body, no page, no cookies
    clicked = app.test_client().post(unsubscribe.group(1), data={"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200
    post_reply(client, ann, name="Cy", email="cy@example.com", body="Another answer.")
    deliver(app)
    assert mailbox.received == [notice]  # stopped at once


def test_no_notification_for_held_or_spam_replies_until_published(app, client, mailbox, discussion):
    ann = subscribed_commenter(app, client, mailbox)
    app.config["COMMENT_MODERATION"] = "all"
    post_reply(client, ann, name="Bo", email="bo@example.com", body="Held words.")
    app.config["COMMENT_BLOCK_WORDS"] = ["casino"]
    post_reply(client, ann, name="Cy", email="cy@example.com", body="casino bonus")
    deliver(app)
    assert mailbox.to("ann@example.com") == []
    held, spam = stored(app)[-2:]
    assert (held.status, spam.status) == (CommentStatus.PENDING, CommentStatus.SPAM)
    owner_mail = mailbox.to(OWNER)
    assert len(owner_mail) == 1 and "Bo" in owner_mail[0].message["Subject"]  # spam: not told
    approve_as_owner(app, client, held.id)
    deliver(app)
    (notice,) = mailbox.to("ann@example.com")
    assert "Bo replied" in notice.message["Subject"]


def test_no_notification_for_a_reply_to_oneself(app, client, mailbox, discussion):
    ann = subscribed_commenter(app, client, mailbox)
    post_reply(client, ann, name="Ann", email="ANN@example.com", body="And one more thing.")
    deliver(app)
    assert mailbox.received == []


def test_the_owners_reply_from_the_queue_notifies(app, client, mailbox, discussion):
    ann = subscribed_commenter(app, client, mailbox)
    signed_in_owner(app, client)
    page = client.get(f"/admin/comments/{ann}/reply").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(f"/admin/comments/{ann}/reply", data={"csrf_token": token, "body": "Thank you."})
    deliver(app)
    (notice,) = mailbox.to("ann@example.com")
    assert "Ada Writer replied" in notice.message["Subject"] and "Thank you." in notice.text


def test_unsubscribe_page_stops_this_thread_or_everything(app, client, mailbox, discussion):
    ann = subscribed_commenter(app, client, mailbox)
    post(client, name="Ann", email="ann@example.com", notify="y", body="A second thread.")
    other = stored(app)[-1].id
    post_reply(client, ann, name="Bo", email="bo@example.com", body="Reply one.")
    deliver(app)
    path = link_in(mailbox.received[0], "unsubscribe")
    page = client.get(path)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Stop emails about this conversation" in page.get_data(as_text=True)
    client.post(path, data={"these": "1"})
    post_reply(client, ann, name="Cy", email="cy@example.com", body="Reply two.")
    post_reply(client, other, name="Cy", email="cy@example.com", body="Reply three.")
    deliver(app)
    assert [r.message["Subject"][:2] for r in mailbox.to("ann@example.com")] == ["Bo", "Cy"]
    (old,) = LINK.findall(outbox(app, kind="confirm")[0].text_body)
    stopped = client.post(link_in(mailbox.received[-1], "unsubscribe"), data={"everything": "1"})
    assert "No more email will be sent to ann@example.com" in stopped.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0
        assert db.session.scalar(select(Subscriber.confirmed_at)) is None
    post_reply(client, other, name="Di", email="di@example.com", body="Reply four.")
    deliver(app)
    assert len(mailbox.to("ann@example.com")) == 2
    assert outbox(app, recipient="ann@example.com") == []  # what was kept for her, gone
    # the old confirmation link is dead; no one can have a new one sent for a day
    assert client.post(old, data={"confirm": "1"}).status_code == 410
    post(client, name="Mal", email="ann@example.com", notify="y", body="Back again.")
    assert outbox(app, kind="confirm") == []
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        post(client, name="Ann", email="ann@example.com", notify="y", body="Back once more.")
    assert len(outbox(app, kind="confirm")) == 1


@pytest.mark.parametrize("kind", ["confirm", "unsubscribe", "moderate"])
def test_forged_or_edited_links_get_a_clear_page_and_change_nothing(
    app, client, mailbox, discussion, kind
):
    if kind != "confirm":
        ann = subscribed_commenter(app, client, mailbox)
        app.config["COMMENT_MODERATION"] = "all"
        post_reply(client, ann, name="Bo", email="bo@example.com", body="A held reply.")
        app.config["COMMENT_MODERATION"] = "none"
        deliver(app)
    else:
        post(client, name="Ann", email="ann@example.com", notify="y")
        deliver(app)
    source = mailbox.to(OWNER)[-1] if kind == "moderate" else mailbox.received[-1]
    if kind == "unsubscribe":  # an approved reply's notification
        with app.app_context():
            from blog.admin import moderation

            moderation.apply("approve", [stored(app)[-1].id])
            db.session.commit()
        deliver(app)
        source = mailbox.to("ann@example.com")[-1]
    path = link_in(source, kind)
    before = snapshot(app)
    token = path.rsplit("/", 1)[1]
    edited = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (edited, token[:20], "x" * 5000, "%00%0d%0a", "..", "é" * 10):
        for method in ("get", "post"):
            answer = getattr(client, method)(f"/mail/{kind}/{bad}", data={"go": "1"})
            assert answer.status_code in (400, 404), (bad, answer.status_code)
            if answer.status_code == 400:
                assert "This link does not work" in answer.get_data(as_text=True)
    # a token for one purpose does not pass for another
    other = "confirm" if kind != "confirm" else "unsubscribe"
    assert client.post(f"/mail/{other}/{token}", data={"go": "1"}).status_code == 400
    assert snapshot(app) == before


def snapshot(app):
    with app.app_context():
        return (
            [(c.id, c.status) for c in db.session.scalars(select(Comment))],
            [(s.email, s.confirmed_at) for s in db.session.scalars(select(Subscriber))],
            db.session.scalar(select(func.count()).select_from(Subscription)),
        )


def test_confirmation_links_expire_after_7_days(app, client, mailbox, discussion):
    post(client, name="Ann", email="ann@example.com", notify="y")
    deliver(app)
    path = link_in(mailbox.received[0], "confirm")
    with time_machine.travel(datetime.now() + timedelta(days=7, minutes=1)):
        expired = client.post(path, data={"confirm": "1"})
    assert expired.status_code == 410 and "This link has expired" in expired.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Subscriber.confirmed_at)) is None


# --- your comment is published ---------------------------------------------------------


def test_a_held_commenter_who_asked_is_told_when_it_is_published(app, client, mailbox, discussion):
    subscribed_commenter(app, client, mailbox)  # confirmed before
    app.config["COMMENT_MODERATION"] = "all"
    post(client, name="Ann", email="ann@example.com", notify="y", body="Held thoughts.")
    post(client, name="Bo", email="bo@example.com", body="Held, did not ask.")
    deliver(app)
    assert mailbox.to("ann@example.com") == []
    ann_held, bo_held = stored(app)[-2:]
    with app.app_context():
        from blog.admin import moderation

        moderation.apply("approve", [ann_held.id, bo_held.id])
        db.session.commit()
    deliver(app)
    (notice,) = mailbox.to("ann@example.com")
    assert notice.message["Subject"] == "Your comment is published | Test Notes"
    assert f"/comments/{ann_held.id}" in notice.text and "Held thoughts." in notice.html
    assert mailbox.to("bo@example.com") == []


# --- the owner -------------------------------------------------------------------------


def test_the_owner_moderates_from_the_email_with_a_confirmation_page(
    app, client, mailbox, discussion
):
    app.config["COMMENT_MODERATION"] = "all"
    post(client, name="Eve", email="eve@example.com", body="Please approve me.")
    deliver(app)
    (held,) = mailbox.to(OWNER)
    assert "Eve" in held.message["Subject"] and "Please approve me." in held.text
    assert "eve@example.com" not in held.text + held.html
    approve = [p for p in LINK.findall(held.text) if p.startswith("/mail/moderate/")][0]
    scanner = app.test_client()  # no session: a link scanner, or the owner's phone
    page = scanner.get(approve)
    assert page.status_code == 200 and "Approve this comment?" in page.get_data(as_text=True)
    assert stored(app)[-1].status == CommentStatus.PENDING  # opening changed nothing
    done = scanner.post(approve, data={"go": "1"})
    assert done.status_code == 200 and "Approved" in done.get_data(as_text=True)
    assert stored(app)[-1].status == CommentStatus.PUBLISHED
    again = scanner.post(approve, data={"go": "1"})
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)


def test_a_moderation_link_refuses_once_the_comment_changed_or_expired(
    app, client, mailbox, discussion
):
    app.config["COMMENT_MODERATION"] = "all"
    post(client, name="Eve", email="eve@example.com", body="First words.")
    deliver(app)
    spam_link = LINK.findall(mailbox.to(OWNER)[0].text)[1]
    assert spam_link.startswith("/mail/moderate/")
    with time_machine.travel(datetime.now() + timedelta(days=8)):
        assert client.post(spam_link, data={"go": "1"}).status_code == 410
    with app.app_context():
        comment = db.session.get(Comment, stored(app)[-1].id)
        comment.set_body("Different words now.")
        db.session.commit()
    changed = client.post(spam_link, data={"go": "1"})
    assert changed.status_code == 410 and "changed after" in changed.get_data(as_text=True)
    assert stored(app)[-1].status == CommentStatus.PENDING


def test_held_comments_in_an_owner_digest_when_asked(app, client, mailbox, discussion):
    app.config.update(COMMENT_MODERATION="all", MAIL_OWNER_DIGEST_MINUTES=30)
    post(client, name="Eve", email="eve@example.com", body="One.")
    post(client, name="Fay", email="fay@example.com", body="Two.", ip="192.0.2.50")
    deliver(app)
    deliver(app)  # a second round writes no second digest
    (digest,) = mailbox.to(OWNER)
    assert "2 comments await moderation" in digest.message["Subject"]
    assert len([p for p in LINK.findall(digest.text) if "/moderate/" in p]) == 4


# --- following an article --------------------------------------------------------------


def test_followers_get_at_most_one_digest_per_window(app, client, mailbox, discussion, htmx_client):
    form = client.get(ARTICLE).get_data(as_text=True)
    assert 'action="/articles/a-quiet-article/follow"' in form
    asked = htmx_client.post(ARTICLE + "/follow", data={"follow-email": "fan@example.com"})
    assert asked.status_code == 200 and 'role="status"' in asked.get_data(as_text=True)
    deliver(app)
    confirm(client, mailbox.to("fan@example.com")[0])
    mailbox.received.clear()
    start = utcnow()
    post(client, name="Gil", email="gil@example.com", body="First news.")
    deliver(app, start)
    (first,) = mailbox.to("fan@example.com")
    assert "1 new comment on A Quiet Article" in first.message["Subject"]
    assert first.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    post(client, name="Hal", email="hal@example.com", body="Second news.", ip="192.0.2.60")
    post(client, name="Ivy", email="ivy@example.com", body="Third news.", ip="192.0.2.61")
    deliver(app, start + timedelta(minutes=30))
    assert len(mailbox.to("fan@example.com")) == 1  # not before the hour
    deliver(app, start + timedelta(minutes=61))
    second = mailbox.to("fan@example.com")[1]
    assert "2 new comments" in second.message["Subject"]
    assert "Second news." in second.text and "Third news." in second.text
    assert "First news." not in second.text
    assert "hal@example.com" not in second.text + second.html


def test_follow_form_errors_and_limits(app, client, discussion):
    bad = client.post(ARTICLE + "/follow", data={"follow-email": "not an address"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Please enter a valid email address" in html and 'aria-invalid="true"' in html
    asking = {"follow-email": "x@example.com"}
    assert client.post("/articles/no-such/follow", data=asking).status_code == 404
    for _ in range(20):
        client.post(ARTICLE + "/follow", data=asking)
    assert client.post(ARTICLE + "/follow", data=asking).status_code == 429
    cross = client.post(
        ARTICLE + "/follow",
        data={"follow-email": "y@example.com"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403
    with app.app_context():
        stored_addresses = db.session.scalars(select(Subscriber.email)).all()
    assert stored_addresses == ["x@example.com"]


# --- the outbox ------------------------------------------------------------------------


def test_a_post_that_fails_its_checks_sends_nothing(app, client, mailbox, discussion):
    post(client, email="not-an-address", notify="y")
    post(client, name="", email="ann@example.com", notify="y")
    assert outbox(app) == [] and deliver(app)["sent"] == 0


def test_a_rolled_back_post_leaves_no_mail(app, client, mailbox, discussion):
    post(client, name="Ann", email="ann@example.com", notify="y", body="Said once.")
    post(client, name="Ann", email="ann@example.com", notify="y", body="Said once.")  # duplicate
    assert len(outbox(app)) == 1 and len(stored(app)) == 4


def test_mail_waits_while_the_server_is_down_and_goes_once_when_it_is_back(
    app, client, mailbox, discussion
):
    mailbox.stop()
    post(client, name="Ann", email="ann@example.com", notify="y")
    app.config["COMMENT_MODERATION"] = "all"
    post(client, name="Eve", email="eve@example.com", body="Held.", ip="192.0.2.70")
    now = utcnow()
    assert deliver(app, now) == {"digests": 0, "sent": 0, "retried": 2, "failed": 0, "dropped": 0}
    (queued, _) = outbox(app)
    assert queued.status == "queued"
    assert (
        timedelta(0)
        <= queued.next_attempt_at - (now + timedelta(seconds=30))
        < timedelta(seconds=1)
    )
    assert "ConnectionRefusedError" in queued.last_error
    assert deliver(app, now + timedelta(seconds=10))["retried"] == 0  # not due yet
    mailbox.start()
    assert deliver(app, now + timedelta(seconds=31))["sent"] == 2
    assert deliver(app, now + timedelta(hours=1))["sent"] == 0
    assert sorted(r.recipients[0] for r in mailbox.received) == ["ann@example.com", OWNER]


def test_retries_back_off_to_an_hour_and_give_up_after_two_days(app, client, mailbox, discussion):
    mailbox.refuse = True
    post(client, name="Ann", email="ann@example.com", notify="y")
    now = utcnow()
    waits = []
    while True:
        (message,) = outbox(app)
        if message.status == "failed":
            break
        now = max(now, message.next_attempt_at)
        before = now
        deliver(app, now)
        (message,) = outbox(app)
        if message.status == "queued":  # (the round's own few milliseconds dropped)
            waits.append(timedelta(seconds=int((message.next_attempt_at - before).total_seconds())))
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == timedelta(hours=1) and now - message.created_at <= timedelta(days=2)
    assert now - message.created_at > timedelta(days=2) - timedelta(hours=1)
    assert "554" in message.last_error and mailbox.received == []
    # the owner retries it from the Outbox page once the server takes mail again
    mailbox.refuse = False
    signed_in_owner(app, client)
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "ann@example.com" in page and "Please confirm your email address" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post(f"/admin/outbox/{message.id}/retry").status_code in (400, 403)
    client.post(f"/admin/outbox/{message.id}/retry", data={"csrf_token": token})
    deliver(app)
    assert len(mailbox.received) == 1
    assert "ann@example.com" in client.get("/admin/outbox?status=sent").get_data(as_text=True)


def test_a_claimed_message_is_not_sent_by_another_sender(app, client, mailbox, discussion):
    from blog.mail import outbox as box

    post(client, name="Ann", email="ann@example.com", notify="y")
    post(client, name="Bo", email="bo@example.com", notify="y", body="Me too.", ip="192.0.2.3")
    now = utcnow()
    with app.app_context():
        first = box.claim_next(now)  # one at a time, just before it is sent
        assert first.recipient == "ann@example.com"
        assert box.claim_next(now).recipient == "bo@example.com"  # another sender's turn
        assert box.claim_next(now) is None
        # a sender that died holding it: after the lease another sends it
        assert box.claim_next(now + box.LEASE + timedelta(seconds=1)).id == first.id


# --- what an attack review found ------------------------------------------------------


def test_a_message_the_library_cannot_send_fails_at_once_and_blocks_nothing(
    app, client, mailbox, discussion
):
    from blog.mail import outbox as box
    from blog.speed.hot_sql import in_session

    with app.app_context():
        bad = box.Message("test", "a\nb@example.com", "Bad", "t", "h")
        box.queue(in_session(), bad)
        box.queue(in_session(), box.Message("test", "bob@example.com", "Good", "t", "h"))
        db.session.commit()
    counts = deliver(app)
    assert (counts["failed"], counts["sent"]) == (1, 1)
    assert [r.recipients for r in mailbox.received] == [["bob@example.com"]]


def test_approving_again_after_an_edit_neither_fails_nor_lists_twice(
    app, client, mailbox, discussion, htmx_client
):
    from blog.admin import moderation
    from blog.comments import changes

    htmx_client.post(ARTICLE + "/follow", data={"follow-email": "fan@example.com"})
    deliver(app)
    confirm(client, mailbox.to("fan@example.com")[0])
    start = utcnow()
    post(client, name="Gil", email="gil@example.com", body="Early news.")
    deliver(app, start)  # the first digest
    post(client, name="Hal", email="hal@example.com", body="Waiting news.", ip="192.0.2.8")
    hal = stored(app)[-1].id
    app.config["COMMENT_BLOCK_WORDS"] = []
    app.config["COMMENT_MODERATION_WORDS"] = ["hold-me"]
    with app.app_context():
        changes.change_text(db.session.get(Comment, hal), "Waiting news, hold-me.")
        assert db.session.get(Comment, hal).status == CommentStatus.PENDING
        moderation.apply("approve", [hal])  # its digest item is still waiting: no error
        db.session.commit()
    deliver(app, start + timedelta(minutes=61))
    with app.app_context():
        moderation.apply("spam", [hal])
        moderation.apply("approve", [hal])  # approved once more
        db.session.commit()
    deliver(app, start + timedelta(minutes=130))
    digests = [r for r in mailbox.to("fan@example.com") if "new comment" in r.message["Subject"]]
    assert len(digests) == 2 and "hold-me" in digests[1].text


def test_a_long_title_or_site_name_still_sends(app, client, mailbox):
    app.config["SITE_NAME"] = "N" * 200
    with app.app_context():
        make_article(title="T" * 300)
    post(client, name="Ann", email="ann@example.com", notify="y")
    assert deliver(app)["sent"] == 1
    assert len(mailbox.received[0].message["Subject"]) < 300


def test_unsubscribe_while_queued_or_a_reply_marked_as_spam_stops_the_message(
    app, client, mailbox, discussion
):
    from blog.admin import moderation

    ann = subscribed_commenter(app, client, mailbox)
    post_reply(client, ann, name="Bo", email="bo@example.com", body="First reply.")
    post_reply(client, ann, name="Cy", email="cy@example.com", body="Buy things.", ip="192.0.2.4")
    with app.app_context():
        moderation.apply("spam", [stored(app)[-1].id])
        db.session.commit()
    assert deliver(app)["dropped"] == 1  # the spam's notice
    assert [r.message["Subject"][:2] for r in mailbox.received] == ["Bo"]
    post_reply(client, ann, name="Di", email="di@example.com", body="Second reply.")
    client.post(link_in(mailbox.received[0], "unsubscribe"), data={"everything": "1"})
    assert outbox(app, recipient="ann@example.com") == []  # stopping all took it too
    assert deliver(app)["sent"] == 0 and len(mailbox.received) == 1


def test_an_old_unsubscribe_link_never_reaches_someone_elses_mail(app, client, mailbox, discussion):
    ann = subscribed_commenter(app, client, mailbox)
    post_reply(client, ann, name="Bo", email="bo@example.com", body="A reply.")
    deliver(app)
    path = link_in(mailbox.received[0], "unsubscribe")
    with app.app_context():  # Ann is forgotten; her row's id goes to Zed
        db.session.execute(Subscriber.__table__.delete())
        db.session.execute(
            Subscriber.__table__.insert().values(id=1, email="zed@example.com", created_at=utcnow())
        )
        db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "zed@example.com" not in page and "nothing to stop" in page
    client.post(path, data={"everything": "1"})
    with app.app_context():
        assert db.session.scalar(select(Subscriber.email)) == "zed@example.com"


def test_a_spam_comment_asks_for_nothing(app, client, mailbox, discussion):
    app.config["COMMENT_BLOCK_WORDS"] = ["casino"]
    post(client, email="victim@example.com", notify="y", body="casino bonus")
    assert outbox(app) == []


def test_the_confirmation_page_lists_every_request_made_with_the_address(
    app, client, mailbox, discussion
):
    post(client, name="Ann", email="ann@example.com", notify="y", body="My own words.")
    post(client, name="Mal", email="ann@example.com", notify="y", body="Not Ann at all.")
    deliver(app)
    page = client.get(link_in(mailbox.received[0], "confirm")).get_data(as_text=True)
    assert "My own words." in page and "Not Ann at all." in page and "by Mal" in page


def test_buttons_work_from_browsers_that_send_origin_null_and_one_click_from_anywhere(
    app, client, mailbox, discussion
):
    post(client, name="Ann", email="ann@example.com", notify="y")
    deliver(app)
    path = link_in(mailbox.received[0], "confirm")
    page = client.get(path)
    assert page.headers["Referrer-Policy"] == "same-origin"  # not no-referrer: Origin stays
    stranger = client.post(path, data={"confirm": "1"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert stranger.status_code == 403
    mailbox.received.clear()
    post_reply(client, stored(app)[-1].id, name="Bo", email="bo@example.com", body="Hi.")
    client.post(path, data={"confirm": "1"}, headers={"Origin": "http://localhost"})
    post_reply(client, stored(app)[-2].id, name="Cy", email="cy@example.com", body="Hello.")
    deliver(app)
    one_click = link_in(mailbox.to("ann@example.com")[0], "unsubscribe")
    webmail = client.post(
        one_click,
        data={"List-Unsubscribe": "One-Click"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://webmail.example"},
    )
    assert webmail.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_held_again_by_an_edit_the_owner_hears_again(app, client, mailbox, discussion):
    from blog.comments import changes

    app.config["COMMENT_MODERATION"] = "all"
    post(client, name="Eve", email="eve@example.com", body="First words.")
    eve = stored(app)[-1].id
    with app.app_context():
        changes.change_text(db.session.get(Comment, eve), "Second words.")
    deliver(app)
    first, second = mailbox.to(OWNER)
    assert "Second words." in second.text
    approve = LINK.findall(second.text)[0]
    assert client.post(approve, data={"go": "1"}).status_code == 200


def test_owner_digest_lists_comments_held_again_by_an_edit(app, client, mailbox, discussion):
    from blog.comments import changes

    app.config.update(MAIL_OWNER_DIGEST_MINUTES=30, COMMENT_MODERATION_WORDS=["hold-me"])
    start = utcnow()
    post(client, name="Eve", email="eve@example.com", body="Innocent.")
    deliver(app, start)  # nothing held: no digest
    with app.app_context():
        changes.change_text(db.session.get(Comment, stored(app)[-1].id), "Now hold-me.")
    deliver(app, utcnow() + timedelta(minutes=31))
    (digest,) = mailbox.to(OWNER)
    assert "1 comment awaits moderation" in digest.message["Subject"]
    assert "Now hold-me." in digest.text


def test_addresses_never_asked_are_forgotten(app, client, mailbox, discussion):
    app.config["MAIL_CONFIRMATIONS_PER_HOUR"] = 1
    post(client, email="a@example.com", notify="y", body="One.", ip="192.0.2.20")
    post(client, email="b@example.com", notify="y", body="Two.", ip="192.0.2.20")  # not heard
    with app.app_context():
        assert db.session.scalars(select(Subscriber.email)).all() == ["a@example.com"]
    with app.app_context():  # and one who stopped all email
        db.session.add(Subscriber(email="gone@example.com", created_at=utcnow()))
        db.session.commit()
    deliver(app, utcnow() + timedelta(days=7))
    with app.app_context():
        assert len(db.session.scalars(select(Subscriber.email)).all()) == 2
    deliver(app, utcnow() + timedelta(days=9))
    with app.app_context():
        assert db.session.scalars(select(Subscriber.email)).all() == []


@pytest.mark.parametrize("odd", [[1], 2**70, "abc", None, True, -1, 0, 1.5, {"x": 1}])
def test_signed_but_odd_payloads_are_bad_links(app, client, discussion, odd):
    from blog.mail import links

    with app.test_request_context():
        tokens = {
            "confirm": links.make(links.CONFIRM, {"s": odd, "a": 1, "e": "a@example.com"}),
            "unsubscribe": links.make(links.UNSUBSCRIBE, {"s": 1, "u": odd}),
            "moderate": links.make(links.MODERATE, {"c": odd, "a": "approve"}),
        }
    for kind, token in tokens.items():
        for method in (client.get, client.post):
            answer = method(f"/mail/{kind}/{token}", data={"go": "1"})
            assert answer.status_code == 400, (kind, odd)
            assert "This link does not work" in answer.get_data(as_text=True)


# --- what a second attack review found -----------------------------------------------


def test_the_owner_answering_twice_in_the_same_words_is_told_so(app, client, mailbox, discussion):
    signed_in_owner(app, client)
    for expected in (303, 422):
        page = client.get("/admin/comments/1/reply").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = client.post("/admin/comments/1/reply", data={"csrf_token": token, "body": "Hi."})
        assert answer.status_code == expected
    assert "You have already said that" in answer.get_data(as_text=True)


def test_a_reply_held_again_before_its_notice_went_is_announced_when_approved(
    app, client, mailbox, discussion
):
    from blog.admin import moderation
    from blog.comments import changes

    ann = subscribed_commenter(app, client, mailbox)
    post_reply(client, ann, name="Bo", email="bo@example.com", body="Quick answer.")
    bo = stored(app)[-1].id
    app.config["COMMENT_MODERATION_WORDS"] = ["hold-me"]
    with app.app_context():
        changes.change_text(db.session.get(Comment, bo), "Quick answer, hold-me.")
    assert deliver(app)["dropped"] == 1  # held now: its notice does not go
    with app.app_context():
        moderation.apply("approve", [bo])
        db.session.commit()
    deliver(app)
    (notice,) = mailbox.to("ann@example.com")
    assert "hold-me" in notice.text


def test_a_comment_held_again_before_its_digest_is_listed_once_approved(
    app, client, mailbox, discussion, htmx_client
):
    from blog.admin import moderation
    from blog.comments import changes

    htmx_client.post(ARTICLE + "/follow", data={"follow-email": "fan@example.com"})
    deliver(app)
    confirm(client, mailbox.to("fan@example.com")[0])
    post(client, name="Bo", email="bo@example.com", body="Words.")
    bo = stored(app)[-1].id
    app.config["COMMENT_MODERATION_WORDS"] = ["hold-me"]
    with app.app_context():
        changes.change_text(db.session.get(Comment, bo), "Words, hold-me.")
    start = utcnow()
    deliver(app, start)  # nothing published to list
    with app.app_context():
        moderation.apply("approve", [bo])
        db.session.commit()
    deliver(app, start + timedelta(minutes=1))
    (digest,) = mailbox.to("fan@example.com")[1:]
    assert "Words, hold-me." in digest.text
    assert "/articles/a-quiet-article#comments" in digest.text


def test_a_slow_server_never_makes_two_senders_send_one_message(
    app, client, mailbox, discussion, monkeypatch
):
    import threading
    import time

    from blog.mail import outbox as box

    for n in range(6):
        client.post(
            ARTICLE + "/follow",
            data={"follow-email": f"p{n}@example.com"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 10}"},
        )
    monkeypatch.setattr(box, "LEASE", timedelta(seconds=1.5))
    mailbox.delay = 0.4  # a slow server: a round outlives the lease of its first claim
    first = threading.Thread(target=deliver, args=(app,))
    first.start()
    time.sleep(2.0)
    second = threading.Thread(target=deliver, args=(app,))
    second.start()
    first.join()
    second.join()
    mailbox.delay = 0
    recipients = [r.recipients[0] for r in mailbox.received]
    assert sorted(recipients) == [f"p{n}@example.com" for n in range(6)]


def test_a_confirmed_reader_behind_a_busy_address_still_hears(app, client, mailbox, discussion):
    app.config["MAIL_CONFIRMATIONS_PER_HOUR"] = 2
    ann = subscribed_commenter(app, client, mailbox)
    for n in range(3):
        post(client, name="Ann", email="ann@example.com", notify="y", body=f"More {n}.")
    last = stored(app)[-1].id
    post_reply(client, last, name="Bo", email="bo@example.com", body="Answer.")
    deliver(app)
    assert len(mailbox.to("ann@example.com")) == 1 and ann < last


def test_ipv4_clients_of_a_dual_stack_server_are_counted_each_alone(
    app, client, mailbox, discussion
):
    app.config["MAIL_CONFIRMATIONS_PER_HOUR"] = 1
    for n in range(3):
        client.post(
            ARTICLE + "/follow",
            data={"follow-email": f"v{n}@example.com"},
            environ_base={"REMOTE_ADDR": f"::ffff:198.51.100.{n + 1}"},
        )
    assert len(outbox(app, kind="confirm")) == 3


def test_old_or_empty_confirmation_links_say_what_happened(app, client, mailbox, discussion):
    from blog.comments import changes

    post(client, name="Ann", email="ann@example.com", notify="y", body="Day one.")
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        post(client, name="Ann", email="ann@example.com", notify="y", body="Day two.")
    first, newer = (LINK.findall(m.text_body)[0] for m in outbox(app, kind="confirm"))
    page = client.get(first)
    assert page.status_code == 410 and "no longer works" in page.get_data(as_text=True)
    with app.app_context():
        for comment in db.session.scalars(select(Comment).where(Comment.author_name == "Ann")):
            changes.take_back(comment)
        db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=26), tick=False):
        emptied = client.get(newer)
    assert emptied.status_code == 410 and "Nothing to confirm" in emptied.get_data(as_text=True)


def test_a_held_notice_for_a_comment_moderated_meanwhile_does_not_go(
    app, client, mailbox, discussion
):
    from blog.admin import moderation

    app.config["COMMENT_MODERATION"] = "all"
    post(client, name="Eve", email="eve@example.com", body="Fast approval.")
    with app.app_context():
        moderation.apply("approve", [stored(app)[-1].id])
        db.session.commit()
    assert deliver(app)["dropped"] == 1 and mailbox.to(OWNER) == []


def test_without_javascript_the_box_leads_to_a_page_that_says_what_happens_next(
    app, client, mailbox, discussion
):
    app.config["COMMENT_MODERATION"] = "all"
    posted = post(client, name="Ann", email="ann@example.com", notify="y", body="Held words.")
    ann = stored(app)[-1].id
    assert posted.status_code == 303
    assert posted.headers["Location"] == f"/articles/a-quiet-article/comments/{ann}/email"
    page = client.get(posted.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "once your address is confirmed" in html
    assert f'href="/articles/a-quiet-article/comments/{ann}"' in html
    landed = client.get(f"/articles/a-quiet-article/comments/{ann}")  # the held comment: theirs
    assert landed.status_code == 302 and f"#comment-{ann}" in landed.headers["Location"]
    assert client.get(f"{POST}/99999999999999999999/email").status_code == 404


# --- what a third review found -------------------------------------------------------


def test_past_the_hourly_allowance_the_writer_is_told_so(app, client, htmx_client, discussion):
    app.config["MAIL_CONFIRMATIONS_PER_HOUR"] = 1
    post(htmx_client, htmx=True, email="one@example.com", notify="y", body="First.")
    busy = post(htmx_client, htmx=True, email="two@example.com", notify="y", body="Second.")
    assert busy.status_code == 200  # the comment itself is posted
    assert "Too many requests for email came from your network" in busy.get_data(as_text=True)
    plain = post(client, email="three@example.com", notify="y", body="Third.")
    page = client.get(plain.headers["Location"]).get_data(as_text=True)
    assert "busy=1" in plain.headers["Location"] and "Too many requests for email" in page
    assert len(outbox(app, kind="confirm")) == 1


def test_a_follower_who_asked_for_replies_hears_of_a_reply_once(
    app, client, mailbox, discussion, htmx_client
):
    ann = subscribed_commenter(app, client, mailbox)
    htmx_client.post(ARTICLE + "/follow", data={"follow-email": "ann@example.com"})
    post_reply(client, ann, name="Bo", email="bo@example.com", body="To Ann.")
    post(client, name="Cy", email="cy@example.com", body="To everyone.", ip="192.0.2.30")
    deliver(app)
    notice, digest = mailbox.to("ann@example.com")
    assert "Bo replied" in notice.message["Subject"]
    assert "To everyone." in digest.text and "To Ann." not in digest.text
    assert digest.text.splitlines()[-2:] == ["Test Notes", "http://localhost"]  # signed
    assert digest.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_messages_that_went_are_deleted_after_mail_keep_days(app, client, mailbox, discussion):
    post(client, name="Ann", email="ann@example.com", notify="y")
    deliver(app)
    deliver(app, utcnow() + timedelta(days=29))
    assert len(outbox(app)) == 1
    deliver(app, utcnow() + timedelta(days=31))
    assert outbox(app) == []


def test_nothing_about_an_article_readers_cannot_see(app, client, mailbox, discussion):
    """A reply approved while its article is a draft again is not announced (its link
    would be a 404, its title a secret); a follower's digest waits until it is back."""
    ann = subscribed_commenter(app, client, mailbox)
    app.config["COMMENT_MODERATION"] = "all"
    post_reply(client, ann, name="Bo", email="bo@example.com", body="Held words.")
    held = stored(app)[-1]
    with app.app_context():
        db.session.get(Article, 1).is_published = False
        db.session.commit()
    approve_as_owner(app, client, held.id)
    deliver(app)
    assert mailbox.to("ann@example.com") == []
    (dropped,) = outbox(app, kind="reply")
    assert dropped.status == "dropped" and "not published" in dropped.last_error


def test_a_digest_of_an_article_made_a_draft_waits_until_it_is_back(
    app, client, mailbox, discussion, htmx_client
):
    htmx_client.post(ARTICLE + "/follow", data={"follow-email": "fan@example.com"})
    deliver(app)
    confirm(client, mailbox.to("fan@example.com")[0])
    mailbox.received.clear()
    post(client, name="Gil", email="gil@example.com", body="News while it is public.")

    def published(value: bool) -> None:
        with app.app_context():
            db.session.get(Article, 1).is_published = value
            db.session.commit()

    published(False)
    deliver(app)
    assert mailbox.to("fan@example.com") == []
    published(True)
    deliver(app)
    (digest,) = mailbox.to("fan@example.com")
    assert "News while it is public." in digest.text
