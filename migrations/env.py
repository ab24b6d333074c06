"""Alembic's environment for `flask db ...` and `flask init-db`: the app's own engine
and models (Flask-Migrate provides both).

Every pending migration runs in one transaction, so an upgrade that fails or is killed
half way changes nothing. PostgreSQL does DDL in transactions as it is; SQLite can too,
but its Python driver commits before each DDL statement unless it is told to leave
transactions alone, which this does for the migration's connection only.
"""

from alembic import context
from flask import current_app

from blog.models import described_by_models


def run_migrations() -> None:
    if context.is_offline_mode():
        raise SystemExit("Migrations run against the database itself; --sql is not supported.")
    migrate = current_app.extensions["migrate"]
    with migrate.db.engine.connect() as connection:
        options = {
            "compare_type": True,
            "include_name": described_by_models,
            **migrate.configure_args,
            "render_as_batch": True,  # SQLite's ALTER TABLE does little: Alembic copies
            "transaction_per_migration": False,
        }
        if connection.dialect.name == "sqlite":
            _run_on_sqlite(connection, options)
        else:
            context.configure(connection=connection, target_metadata=migrate.db.metadata, **options)
            with context.begin_transaction():
                context.run_migrations()


def _run_on_sqlite(connection, options: dict) -> None:
    driver = connection.connection.driver_connection
    driver.isolation_level = None  # we say BEGIN and COMMIT, and DDL stays inside
    try:
        # Batch mode changes a table by copying it; with foreign keys on, dropping the
        # old `article` would delete every comment (ON DELETE CASCADE). Off for the copy.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        broken_before = _broken_references(connection)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            context.configure(
                connection=connection,
                target_metadata=current_app.extensions["migrate"].db.metadata,
                **{**options, "transactional_ddl": True},
            )
            context.run_migrations()
            broken = _broken_references(connection) - broken_before
            if broken:
                raise RuntimeError(f"a migration broke foreign keys: {sorted(broken)[:5]}")
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")
        if broken_before:
            current_app.logger.warning(
                "rows that point at rows which no longer exist (left as they were): %s",
                sorted(broken_before)[:5],
            )
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        driver.isolation_level = ""  # back to the driver's usual way, for the pool


def _broken_references(connection) -> set[tuple]:
    return {tuple(row) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")}


run_migrations()
