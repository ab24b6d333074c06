"""Per-connection settings for SQLite: WAL, foreign keys and a busy timeout."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return  # PostgreSQL needs none of this
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer commits; the timeout makes writers queue
    # instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Copy the log back into the database every ~40 MB rather than every 4 MB: pages that
    # every post touches (the article's row, the ends of the comment indexes) are copied
    # once per checkpoint, not ten times, and the log is cut back to 64 MB after each.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA journal_size_limit=67108864")
    cursor.close()


def configure_engine_events() -> None:
    """Install the connect hook once per process, for every engine."""
    global _configured
    if not _configured:
        event.listen(Engine, "connect", _on_connect)
        _configured = True
