"""Rate limits whose state lives in the database, shared by every worker and machine."""

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import Throttle, utcnow


def client_fingerprint() -> str:
    """A keyed hash of the client's address: enough to count, useless if leaked."""
    address = (request.remote_addr or "unknown").encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, address, hashlib.sha256).hexdigest()[:32]


def hit(key: str, window_seconds: float) -> int:
    """Count one event for `key`; return how many fell in its current window.

    Runs inside the caller's transaction, so a rolled-back post is not counted.
    """
    now = utcnow()
    expired = Throttle.window_start <= now - timedelta(seconds=window_seconds)
    result = db.session.execute(
        update(Throttle)
        .where(Throttle.key == key)
        .values(
            hits=case((expired, 1), else_=Throttle.hits + 1),
            window_start=case((expired, now), else_=Throttle.window_start),
        )
    )
    if result.rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(Throttle(key=key, window_start=now, hits=1))
            return 1
        except IntegrityError:  # another worker created it a moment ago
            return hit(key, window_seconds)
    return db.session.scalar(select(Throttle.hits).where(Throttle.key == key))


def count(key: str, window_seconds: float) -> int:
    """Events for `key` in its current window, without counting a new one."""
    row = db.session.get(Throttle, key)
    if row is None or row.window_start <= utcnow() - timedelta(seconds=window_seconds):
        return 0
    return row.hits


def reset(key: str) -> None:
    db.session.execute(delete(Throttle).where(Throttle.key == key))
