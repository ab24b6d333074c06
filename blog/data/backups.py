"""Backups and restores of the whole blog, safe while it serves and is written to.

SQLite: SQLite's online backup API copies every page in one step, inside one read
transaction, so the copy is one consistent moment while writers go on (never a file copy
of a live database). PostgreSQL (or any other database): the JSON export, read in one
repeatable-read transaction. Either is written to a temporary file, checked, flushed to
disk and renamed into place, so a backup is whole or absent; the newest `keep` are kept.
"""

import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import flask_migrate
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import URL

from ..admin import auth
from ..database import sqlite_file
from ..extensions import db
from ..models import utcnow
from . import exchange

NAME = re.compile(r"blog-\d{4}-\d\d-\d\dT\d{6}\.\d{6}Z\.(sqlite3|json)")
SQLITE_HEADER = b"SQLite format 3\x00"


class RestoreRefused(Exception):
    """The backup cannot be restored here; nothing was changed."""


def backup(folder: Path, keep: int) -> Path:
    """A new backup in `folder`, named by the time it began; returns its path."""
    if keep < 1:
        raise RestoreRefused(f"BACKUP_KEEP must be at least 1 (it is {keep})")
    folder.mkdir(parents=True, exist_ok=True)
    database = sqlite_file(db.engine)
    name = f"blog-{utcnow():%Y-%m-%dT%H%M%S.%f}Z." + ("sqlite3" if database else "json")
    if database:
        write_atomically(folder / name, lambda temp: _copy_sqlite(database, temp))
    else:
        document = exchange.export_blog(with_secrets=True)
        write_atomically(folder / name, lambda temp: write_json(document, temp))
    prune(folder, keep)
    return folder / name


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (only files named as backups are)."""
    backups = sorted(p for p in folder.iterdir() if NAME.fullmatch(p.name))
    old = backups[: max(len(backups) - keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)  # another backup running at once may prune it first
    return old


def write_atomically(final: Path, write: Callable[[Path], None]) -> None:
    temp = final.with_name(f".{final.name}.partial")
    try:
        # emails, and with secrets password hashes: the owner's alone, from the first byte
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        os.chmod(temp, 0o600)
        write(temp)
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def _copy_sqlite(source_path: str, target: Path) -> None:
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step: one consistent moment
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _check_sqlite(copy)
    finally:
        copy.close()
        source.close()


def write_json(document: dict, target: Path) -> None:
    with target.open("r+", encoding="utf-8") as file:  # made 0600 by write_atomically
        file.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")


def _check_sqlite(connection: sqlite3.Connection) -> None:
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        result = [(str(error),)]
    if result != [("ok",)]:
        raise RestoreRefused(f"the database file is damaged: {result[:3]}")


def restore(path: Path, force: bool) -> None:
    """Put the blog back as `path` holds it (a SQLite backup, or a JSON export), then
    bring it to the newest schema. Refuses to replace a blog that has articles or
    comments unless `force`."""
    if not path.is_file():
        raise RestoreRefused(f"{path} is not a file")
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    flask_migrate.upgrade()  # the blog itself first, so that it can be checked and filled
    if not force and not exchange.is_empty():
        raise RestoreRefused("this blog has articles or comments: add --force to replace them")
    if header == SQLITE_HEADER:
        _restore_sqlite(path)  # its rows, in a schema our migrations brought up to date
        auth.end_every_session()  # sessions signed out since the backup stay signed out
        db.session.commit()
        return
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        message = f"{path} is neither a SQLite backup nor a JSON export: {error}"
        raise RestoreRefused(message) from None
    try:
        exchange.import_blog(document, replace=True)
    except exchange.ImportRefused as refusal:
        raise RestoreRefused(str(refusal)) from None


def _restore_sqlite(path: Path) -> None:
    """The backup's rows, never its schema: it is copied to a scratch file beside the
    database and brought up to date there; a fresh database made by our own migrations
    takes its rows, table by table; only that is copied into the live database."""
    database = sqlite_file(db.engine)
    if database is None:
        raise RestoreRefused(
            "a SQLite backup restores into a SQLite blog; move to PostgreSQL with "
            "`flask export` and `flask import`"
        )
    folder = Path(database).parent
    for stale in folder.glob(f"{SCRATCH_PREFIX}*"):  # left by a restore that was killed
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=folder) as scratch:
        trial, fresh = Path(scratch) / "backup.sqlite3", Path(scratch) / "fresh.sqlite3"
        _migrate(fresh)
        with closing(sqlite3.connect(fresh)) as connection:
            ours = _extras(connection)
        backup_copy = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            _check_sqlite(backup_copy)
            _check_schema(backup_copy, ours)
            with closing(sqlite3.connect(trial)) as copy:
                backup_copy.backup(copy)
        finally:
            backup_copy.close()
        _migrate(trial)
        _copy_rows(trial, fresh)  # the search index fills itself, by our own triggers
        db.session.remove()
        db.engine.dispose()
        live = sqlite3.connect(database, timeout=current_app.config["DATABASE_BUSY_SECONDS"])
        try:
            (page_size,) = live.execute("PRAGMA page_size").fetchone()
            with closing(sqlite3.connect(fresh, isolation_level=None)) as copy:
                copy.execute("PRAGMA journal_mode=DELETE")
                copy.execute(f"PRAGMA page_size={int(page_size)}")
                copy.execute("VACUUM")  # the live database's page size, or it cannot take it
                copy.backup(live)  # page by page into the live file, under its locks
        finally:
            live.close()
    db.engine.dispose()


SCRATCH_PREFIX = ".restore-"


def _migrate(scratch: Path) -> None:
    """Bring a scratch database to the newest schema with our migrations (a second app,
    on that file only)."""
    from .. import create_app

    config = {k: v for k, v in current_app.config.items() if k != "SQLALCHEMY_ENGINE_OPTIONS"}
    uri = URL.create("sqlite", database=str(scratch)).render_as_string()
    scratch_app = create_app({**config, "SQLALCHEMY_DATABASE_URI": uri})
    with scratch_app.app_context():
        try:
            flask_migrate.upgrade()
        except (Exception, SystemExit) as error:
            raise RestoreRefused(
                f"this SQLite file is not a backup of this blog ({error})"
            ) from None
        finally:
            db.engine.dispose()


DERIVED_TABLES = {"archive_edition"}


def _copy_rows(source: Path, target: Path) -> None:
    """Every row of the blog's tables, column by column as the models name them."""
    with closing(sqlite3.connect(target, isolation_level=None)) as connection:
        try:
            connection.execute("ATTACH DATABASE ? AS backup", (str(source),))
            connection.execute("PRAGMA foreign_keys=OFF")  # replies may come before parents
            connection.execute("BEGIN")
            for table in db.metadata.sorted_tables:
                if table.name in DERIVED_TABLES:
                    continue  # the fresh database's own, kept by its triggers
                columns = ", ".join(f'"{column.name}"' for column in table.columns)
                connection.execute(
                    f'INSERT INTO main."{table.name}" ({columns})'
                    f' SELECT {columns} FROM backup."{table.name}"'
                )
            broken = connection.execute("PRAGMA main.foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"rows that point nowhere: {broken[:3]}")
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise RestoreRefused(f"the backup's rows do not fit this blog: {error}") from None


def _extras(connection: sqlite3.Connection) -> set[tuple[str, str, str]]:
    """Triggers and views, word for word: the blog makes only its search index's."""
    return set(
        connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type NOT IN ('table', 'index')"
        ).fetchall()
    )


def _check_schema(connection: sqlite3.Connection, ours: set[tuple[str, str, str]]) -> None:
    """A backup of this blog's schema, this version's or an older one, with nothing else."""
    objects = connection.execute("SELECT type, name FROM sqlite_master").fetchall()
    tables = {name for kind, name in objects if kind == "table"}
    extras = sorted(f"{kind} {name}" for kind, name, _sql in _extras(connection) - ours)
    if not {"article", "comment"} <= tables:
        raise RestoreRefused("this SQLite file is not a backup of this blog")
    if extras:
        raise RestoreRefused(f"the backup holds what this blog never makes: {', '.join(extras)}")
    if "alembic_version" not in tables:
        return  # from before migrations: the first schema, which upgrade adopts
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    known = {r.revision for r in _scripts().walk_revisions()}
    if row is None or row[0] not in known:
        raise RestoreRefused(
            f"the backup has schema {row[0] if row else 'none'}, which this version of the"
            " blog does not know (it was made by a newer version, or is not a backup)"
        )


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
