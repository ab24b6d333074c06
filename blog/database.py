"""SQLite: per-connection settings (WAL, foreign keys, a busy timeout), writers taking
turns, and no writes once the file is made read-only."""

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_configured = False


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return  # PostgreSQL needs none of this
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer commits. (The busy timeout, which makes
    # writers queue instead of failing with "database is locked", is the driver's
    # `timeout`: the DATABASE_BUSY_SECONDS setting.)
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Copy the log back into the database every ~40 MB rather than every 4 MB: pages that
    # every post touches (the article's row, the ends of the comment indexes) are copied
    # once per checkpoint, not ten times, and the log is cut back to 64 MB after each.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA journal_size_limit=67108864")
    cursor.close()


def configure_engine_events() -> None:
    """Install the connect and commit hooks once per process, for every engine."""
    global _configured
    if not _configured:
        event.listen(Engine, "connect", _on_connect)
        event.listen(Session, "before_commit", _refuse_read_only_commit)
        _configured = True


class WriteTurns:
    """Writers to one SQLite file take turns on a file lock beside it.

    SQLite makes a writer that finds the database locked sleep (1 ms, then longer) before
    it tries again, however soon the lock is freed: under load one post in five slept so
    (the benchmark's POST scenario). A blocked `flock` wakes as soon as its holder lets go.
    The database's own locking still decides; this only saves the sleep.

    A commit that fills the log past `wal_autocheckpoint` copies it back into the database
    before it returns (about 30 ms), which would keep the turn from everyone else. So each
    process checkpoints now and then after its turn, and the automatic one rarely comes:
    in a thread of its own, on its own connection, so that no request waits for the copy
    and its disk flushes (SQLite lets other threads run meanwhile).
    """

    CHECKPOINT_EVERY = 200  # writes by one process: a few thousand log pages at most

    def __init__(self, database_path: str | None):
        self.database = database_path
        self.path = f"{database_path}-writers.lock" if database_path else None
        self._fd = -1
        self._threads = threading.Lock()
        self._pid = 0
        self._writes = 0
        self._checkpoint_due = threading.Event()
        self.checkpoints = 0  # done by this process

    @contextmanager
    def turn(self, connection) -> Iterator[None]:
        """Write and commit on the DBAPI `connection` within the block, in this turn."""
        if self.path is None:  # PostgreSQL, or SQLite in memory: nothing to share
            yield
            return
        refuse_if_read_only(self.database)
        fd, threads = self._for_this_process()
        with threads:  # threads of one process share the open file, so take turns here too
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._writes += 1
            due = self._writes % self.CHECKPOINT_EVERY == 0
        if due:
            self._checkpoint_due.set()

    def _for_this_process(self) -> tuple[int, threading.Lock]:
        """The lock file, opened once per process: a forked worker needs its own open
        file (a shared one is one lock), and threads must not open two."""
        if self._pid != os.getpid():
            with _opening:
                if self._pid != os.getpid():
                    self._threads = threading.Lock()
                    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                    self._checkpoint_due = threading.Event()
                    threading.Thread(
                        target=self._checkpoints, args=(self._checkpoint_due,), daemon=True
                    ).start()
                    self._pid = os.getpid()
        return self._fd, self._threads

    def _checkpoints(self, due: threading.Event) -> None:
        """Copy the log back into the database whenever this process's writers ask."""
        connection = None
        while True:
            due.wait()
            due.clear()
            try:
                connection = connection or sqlite3.connect(self.database, timeout=1)
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
                self.checkpoints += 1
            except sqlite3.Error:  # busy, moved, read-only: the next one will try again
                connection = None


_opening = threading.Lock()


def sqlite_file(engine: Engine) -> str | None:
    """The path of the engine's SQLite database file, if it has one."""
    url = engine.url
    on_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    return url.database if on_file else None


def write_turns(engine: Engine) -> WriteTurns:
    return WriteTurns(sqlite_file(engine))


def refuse_if_read_only(database: str) -> None:
    """Stop writing once the owner makes the database file read-only (for a copy or a
    move). SQLite looks at the file's permissions only when it opens it, so connections
    already open would go on writing; and root may write to any file."""
    try:
        writable = os.stat(database).st_mode & 0o222
    except OSError as error:  # moved or removed under us
        raise sqlite3.OperationalError(f"unable to open database file: {error}") from None
    if not writable:
        raise sqlite3.OperationalError("attempt to write a readonly database")


def _refuse_read_only_commit(session: Session) -> None:
    database = sqlite_file(session.get_bind())
    if database:
        refuse_if_read_only(database)
