"""Delivering the outbox: a background thread in each web process (MAIL_SENDER "thread"),
or `flask send-mail --forever` as a service of its own ("worker"). Any number of either may
run at once: each message is claimed before it is sent (see outbox.py).
"""

import logging
import os
import signal
import threading
from datetime import timedelta

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import delete, func

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, Subscriber, utcnow
from ..web import errors
from . import digests, outbox

log = logging.getLogger(__name__)

# Unconfirmed addresses are forgotten this long after their confirmation was sent.
FORGET_UNCONFIRMED = timedelta(days=8)


# Forgetting is a write (a moment of SQLite's write lock): an hourly chore, not every round.
TIDY_EVERY = timedelta(hours=1)
_last_tidy: list = []  # when this process last tidied


def run_once(now=None) -> dict[str, int]:
    """One round: write due digests, send due messages, and now and then forget stale
    requests and old messages."""
    now = now or utcnow()
    written = digests.write_due(now)
    counts = outbox.deliver_due(now)
    if not _last_tidy or abs(now - _last_tidy[0]) >= TIDY_EVERY:
        _forget_unconfirmed(now)
        _forget_old_messages(now)
        _last_tidy[:] = [now]
    return {"digests": written, **counts}


def _forget_old_messages(now) -> None:
    """Messages that went (or never will) are kept MAIL_KEEP_DAYS for the Outbox page,
    then deleted with the addresses and words in them."""
    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(
                (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DROPPED)
            ),
            OutboxMessage.created_at < now - timedelta(days=current_app.config["MAIL_KEEP_DAYS"]),
        )
    )
    db.session.commit()


def _forget_unconfirmed(now) -> None:
    """Addresses not confirmed (never, or no longer: they stopped all email): gone with
    their inert subscriptions once their link has expired (and the one-a-day limit with
    them)."""
    db.session.execute(
        delete(Subscriber).where(
            Subscriber.confirmed_at.is_(None),
            func.coalesce(Subscriber.confirmation_sent_at, Subscriber.created_at)
            < now - FORGET_UNCONFIRMED,
        )
    )
    db.session.commit()


class Loop:
    """Rounds until stopped, every MAIL_POLL_SECONDS or sooner when nudged."""

    def __init__(self, app: Flask):
        self.app = app
        self.wanted = threading.Event()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None  # when it runs in one

    def nudge(self) -> None:
        self.wanted.set()

    def stop(self) -> None:
        self.stopped.set()
        self.wanted.set()

    def run(self) -> None:
        pause = self.app.config["MAIL_POLL_SECONDS"]
        while not self.stopped.is_set():
            self.wanted.clear()
            with self.app.app_context():
                try:
                    run_once()
                except Exception as error:  # an outage, a bug: log, and try again later
                    if errors.is_outage(error):  # news for the owner, not a bug: one line
                        log.warning("mail waits: %s", str(error).splitlines()[0])
                    else:
                        log.exception("sending mail failed; trying again in %s s", pause)
                    db.session.rollback()
                finally:
                    db.session.remove()
            self.wanted.wait(pause)


def start_thread(app: Flask) -> None:
    """Start this process's sender thread, once per process (gunicorn forks workers after
    the app was made, and threads do not survive a fork)."""
    running = app.extensions.get("mail_sender")
    if running is not None and running[0] == os.getpid():
        return
    loop = Loop(app)
    loop.thread = threading.Thread(target=loop.run, name="mail-sender", daemon=True)
    loop.thread.start()
    app.extensions["mail_sender"] = (os.getpid(), loop)


def nudge_after_request() -> None:
    """Mail was queued in this request: wake the sender once the request's work committed."""
    if has_request_context():
        g.mail_queued = True


def register(app: Flask) -> None:
    if app.config["MAIL_SENDER"] != "thread":
        return

    @app.before_request
    def sender_running() -> None:
        start_thread(app)

    @app.teardown_request
    def wake_sender(_error=None) -> None:
        if g.pop("mail_queued", False):
            running = current_app.extensions.get("mail_sender")
            if running is not None:
                running[1].nudge()


def stop_on_signals(loop: Loop) -> None:
    """SIGTERM (systemd stopping the service) and Ctrl+C end the loop after its round, so
    no message is left half-claimed."""

    def stop(_signum, _frame):
        loop.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
