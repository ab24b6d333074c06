"""Senders running at once never send one message twice: two `flask send-mail --forever`
processes on one outbox (SQLite, and PostgreSQL when the suite runs on it), and the
background thread a web process starts by itself."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from support import ARTICLE, comment_data, form_tokens, make_article
from test_mail import smtp  # noqa: F401 (the session's SMTP server fixture)

from blog.extensions import db, mail
from blog.mail import outbox, sender
from blog.mail.outbox import Message
from blog.models import OutboxMessage
from blog.speed.hot_sql import in_session

ROOT = Path(__file__).resolve().parent.parent


def queue_messages(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            outbox.queue(in_session(), Message("test", f"r{n}@example.com", f"n{n}", "t", "h"))
        db.session.commit()


def wait_for(condition, seconds=30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_two_sender_processes_deliver_each_message_once(app, smtp):  # noqa: F811
    smtp.received.clear()
    smtp.delay = 0.02  # slow enough that both senders work through the queue together
    count = 60
    queue_messages(app, count)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        FLASK_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        FLASK_SECRET_KEY="test-secret",
        FLASK_SITE_URL="http://localhost",
        FLASK_MAIL_BACKEND="smtp",
        FLASK_MAIL_SERVER="127.0.0.1",
        FLASK_MAIL_PORT=str(smtp.port),
        FLASK_MAIL_POLL_SECONDS="0.1",
        FLASK_MAIL_SENDER="worker",
    )
    command = [sys.executable, "-m", "flask", "--app", "app", "send-mail", "--forever"]
    senders = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(2)
    ]
    try:
        wait_for(lambda: len(smtp.received) >= count, 60)
        time.sleep(0.5)  # anything sent twice would arrive by now
    finally:
        smtp.delay = 0.0
        for process in senders:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=30)[0].decode() for process in senders]
    assert [process.returncode for process in senders] == [0, 0], outputs
    ids = [received.message["Message-ID"] for received in smtp.received]
    assert len(ids) == count and len(set(ids)) == count
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_a_web_process_sends_from_its_own_thread(app, client, smtp):  # noqa: F811
    smtp.received.clear()
    app.config.update(
        smtp.settings(),
        MAIL_SENDER="thread",
        OWNER_EMAIL="owner@example.com",
        COMMENT_MODERATION="all",
    )
    mail.init_app(app)
    sender.register(app)
    with app.app_context():
        make_article()
    try:
        posted = client.post(ARTICLE + "/comments", data=comment_data(form_tokens(client, ARTICLE)))
        assert posted.status_code == 303
        # nudged after the request: no need to wait for the next round
        wait_for(lambda: len(smtp.received) == 1, 4)
    finally:
        loop = app.extensions["mail_sender"][1]
        loop.stop()
        loop.thread.join(10)
    assert smtp.received[0].recipients == ["owner@example.com"]
