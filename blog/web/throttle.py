"""Rate limits whose state lives in the database, shared by every worker and machine."""

import ipaddress
from contextlib import suppress
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import DateTime, String, bindparam, case, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import Throttle, utcnow
from ..signing import mac
from ..speed.hot_sql import Link, Prepared, in_session


def client_fingerprint(network: bool = False) -> str:
    """A keyed hash of the client's address: enough to count, useless if leaked. With
    `network`, an IPv6 client counts as its /64, which one client commonly holds whole."""
    address = request.remote_addr or "unknown"
    if network and ":" in address:
        with suppress(ValueError):
            ip = ipaddress.IPv6Address(address)
            # an IPv4 client seen by a dual-stack socket (::ffff:a.b.c.d) stays itself
            address = str(ip.ipv4_mapped or ipaddress.ip_network(f"{ip}/64", strict=False))
    return mac(current_app.config["SECRET_KEY"], "client-address", address)


def hit(key: str, window_seconds: float, link: Link | None = None) -> int:
    """Count one event for `key`; return how many fell in its current window.

    One atomic statement (insert, or update on conflict, returning the count), inside the
    caller's transaction (on `link`, else the session's), so a rolled-back post is not
    counted.
    """
    link = link or in_session()
    now = utcnow()
    (hits,) = _upsert(link.dialect.name).first(
        link,
        throttle_key=key,
        now=now,
        expired_at=now - timedelta(seconds=window_seconds),
    )
    return hits


_UPSERTS: dict[str, Prepared] = {}


def _upsert(dialect: str) -> Prepared:
    """The counting upsert, built once per database dialect (every post runs it)."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
        now = bindparam("now", type_=DateTime())
        expired = Throttle.window_start <= bindparam("expired_at", type_=DateTime())
        statement = _UPSERTS[dialect] = Prepared(
            insert(Throttle.__table__)
            .values(key=bindparam("throttle_key", type_=String()), window_start=now, hits=1)
            .on_conflict_do_update(
                index_elements=[Throttle.key],
                set_={
                    "hits": case((expired, 1), else_=Throttle.hits + 1),
                    "window_start": case((expired, now), else_=Throttle.window_start),
                },
            )
            .returning(Throttle.hits)
        )
    return statement


def count(key: str, window_seconds: float) -> int:
    """Events for `key` in its current window, without counting a new one."""
    row = db.session.get(Throttle, key)
    if row is None or row.window_start <= utcnow() - timedelta(seconds=window_seconds):
        return 0
    return row.hits


def reset(key: str) -> None:
    db.session.execute(delete(Throttle).where(Throttle.key == key))
