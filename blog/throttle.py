"""Rate limits whose state lives in the database, shared by every worker and machine."""

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import case, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db
from .models import Throttle, utcnow


def client_fingerprint() -> str:
    """A keyed hash of the client's address: enough to count, useless if leaked."""
    address = (request.remote_addr or "unknown").encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, address, hashlib.sha256).hexdigest()[:32]


def hit(key: str, window_seconds: float) -> int:
    """Count one event for `key`; return how many fell in its current window.

    One atomic statement (insert, or update on conflict, returning the count), inside the
    caller's transaction, so a rolled-back post is not counted.
    """
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
    statement = insert(Throttle).values(key=key, window_start=now, hits=1)
    expired = Throttle.window_start <= now - timedelta(seconds=window_seconds)
    statement = statement.on_conflict_do_update(
        index_elements=[Throttle.key],
        set_={
            "hits": case((expired, 1), else_=Throttle.hits + 1),
            "window_start": case((expired, now), else_=Throttle.window_start),
        },
    ).returning(Throttle.hits)
    return db.session.execute(statement).scalar_one()


def count(key: str, window_seconds: float) -> int:
    """Events for `key` in its current window, without counting a new one."""
    row = db.session.get(Throttle, key)
    if row is None or row.window_start <= utcnow() - timedelta(seconds=window_seconds):
        return 0
    return row.hits


def reset(key: str) -> None:
    db.session.execute(delete(Throttle).where(Throttle.key == key))
