"""The few statements on the hottest paths, run straight on the database driver.

Even a prebuilt Core statement costs SQLAlchemy about 60 µs to run, and the ORM session's
transaction bookkeeping more, while an article view or a comment post is otherwise only a
few hundred µs of work. These statements are still written as Core expressions, so they
stay portable between SQLite and PostgreSQL; they are compiled once per dialect, and only
running them skips SQLAlchemy. Everything else goes through the ORM as usual.
"""

import os
import queue
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from typing import Any, NamedTuple

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import ClauseElement

from ..database import sqlite_file, write_turns
from ..extensions import db


class Link(NamedTuple):
    """A connection (committed, rolled back and given back as a whole), the dialect
    statements run on it are compiled for, and the driver's own connection they run on
    (SQLAlchemy's pool wraps it: each cursor through the wrapper cost a call more)."""

    connection: Any
    dialect: Dialect
    driver: Any


class Prepared:
    """A Core statement, compiled once per dialect, run on a DBAPI connection."""

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self._compiled: dict[str, tuple] = {}
        self._memo: dict[tuple, tuple] = {}  # a callable's last value, and as converted

    def _for(self, dialect) -> tuple:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            if compiled.insert_prefetch or compiled.update_prefetch:
                # SQLAlchemy computes those values while it runs a statement; we do not.
                raise ValueError("give every column a value: Python-side defaults won't run")
            # The driver gets values in its own form (SQLite stores datetimes as text).
            binds = compiled.binds.items()
            process_of = {
                name: process
                for name, bind in binds
                if (process := bind.type.dialect_impl(dialect).bind_processor(dialect))
            }
            order = list(compiled.positiontup) if compiled.positional else None
            literals = compiled.construct_params(_check=False)  # values written in the statement
            required = frozenset(n for n, bind in binds if bind.required)
            # Values computed as each run starts (the time that decides what is published),
            # converted once for as long as the callable returns the same object.
            callables = [
                (n, bind.callable, process_of.pop(n, None)) for n, bind in binds if bind.callable
            ]
            processors = list(process_of.items())
            found = (literals, required, str(compiled), processors, order, callables)
            self._compiled[dialect.name] = found
        return found

    def execute(self, link: Link, **params):
        """Run with `params` (literal values in the statement fill the rest); the cursor."""
        literals, required, sql, processors, order, callables = self._for(link.dialect)
        if not required.issubset(params):
            raise TypeError(f"values missing for {sorted(required.difference(params))}")
        values = {**literals, **params}
        for name, process in processors:
            values[name] = process(values[name])
        for name, make, process in callables:
            raw = make()
            key = (link.dialect.name, name)
            memo = self._memo.get(key)
            if memo is None or memo[0] is not raw:
                memo = self._memo[key] = (raw, process(raw) if process else raw)
            values[name] = memo[1]
        cursor = link.driver.cursor()
        cursor.execute(sql, [values[name] for name in order] if order else values)
        return cursor

    def first(self, link: Link, **params) -> tuple | None:
        with closing(self.execute(link, **params)) as cursor:
            return cursor.fetchone()

    def all(self, link: Link, **params) -> list[tuple]:
        with closing(self.execute(link, **params)) as cursor:
            return cursor.fetchall()


def in_session() -> Link:
    """The ORM session's own connection, inside its transaction (the caller commits)."""
    connection = db.session.connection()
    pooled = connection.connection
    return Link(pooled, connection.dialect, pooled.driver_connection)


class KeptLinks:
    """The hot paths' connections. On a SQLite file with SQLAlchemy's usual pool they are
    taken out of the pool for good and kept by this process between requests: the trip to
    the pool (checkout, reset, checkin) costs more than a post's lookup, and a SQLite file
    cannot drop a connection. At most the pool's size are kept; one that failed is closed;
    `engine.dispose()` closes the idle ones; a forked process makes its own. Elsewhere
    (PostgreSQL, a pool chosen in the settings) each is a trip to the pool, so its settings
    (pre-ping, recycle, size) and its handling of a server restart apply."""

    def __init__(self, app: Flask):
        with app.app_context():
            self.engine: Engine = db.engine
        self.keep = sqlite_file(self.engine) is not None and type(self.engine.pool) is QueuePool
        self.idle: queue.SimpleQueue[Link] = queue.SimpleQueue()
        event.listen(self.engine, "engine_disposed", lambda _engine: self._close_idle())
        # A forked child starts with none: the parent's connections stay the parent's.
        # (Told by the fork itself, not by asking for the pid on every request.)
        kept = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (links := kept()) and links._forget_idle())

    def take(self) -> Link:
        if not self.keep:
            fairy = self.engine.raw_connection()
            return Link(fairy, self.engine.dialect, fairy.driver_connection)
        with suppress(queue.Empty):
            return self.idle.get_nowait()
        fairy = self.engine.raw_connection()
        connection = fairy.driver_connection
        fairy.detach()
        return Link(connection, self.engine.dialect, connection)

    def give_back(self, link: Link, failed: bool = False) -> None:
        """Keep `link` for the next request, its transaction (if any) rolled back; or close
        it (back to the pool, which resets it, when it came from there)."""
        if self.keep and not failed and self.idle.qsize() < self.engine.pool.size():
            with suppress(sqlite3.Error):  # (a file moved away, say): closed below
                link.connection.rollback()
                self.idle.put(link)
                return
        link.connection.close()

    def _close_idle(self) -> None:
        with suppress(queue.Empty):
            while True:  # (another thread may take the last one meanwhile)
                self.idle.get_nowait().connection.close()

    def _forget_idle(self) -> None:
        self.idle = queue.SimpleQueue()


def for_request() -> Link:
    """A connection for the rest of this request, so that its reads and writes share one;
    given back when the request ends (see give_back)."""
    link = g.get("hot_sql_link")
    if link is None:
        link = g.hot_sql_link = current_app.extensions["hot_sql_links"].take()
    return link


def give_back(error: BaseException | None = None) -> None:
    link = g.pop("hot_sql_link", None)
    if link is not None:
        current_app.extensions["hot_sql_links"].give_back(link, failed=error is not None)


@contextmanager
def transaction(link: Link) -> Iterator[Link]:
    """Commit what the block writes on `link` if it ends normally, else roll it back;
    in this process's turn among the database's writers (see database.WriteTurns)."""
    turns = current_app.extensions.get("write_turns")
    if turns is None:
        turns = current_app.extensions["write_turns"] = write_turns(db.engine)
    with turns.turn(link.connection):
        try:
            yield link
            link.connection.commit()
        except BaseException:
            link.connection.rollback()
            raise


def integrity_error(engine: Engine) -> type[Exception]:
    """The driver's exception for a broken constraint (a unique index, a foreign key)."""
    return engine.dialect.loaded_dbapi.IntegrityError
