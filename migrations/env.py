"""Alembic's environment for `flask db ...` and `flask init-db`: the app's own engine
and models (Flask-Migrate provides both)."""

from alembic import context
from flask import current_app


def run_migrations() -> None:
    if context.is_offline_mode():
        raise SystemExit("Migrations run against the database itself; --sql is not supported.")
    migrate = current_app.extensions["migrate"]
    with migrate.db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode changes a SQLite table by copying it; with foreign keys on,
            # dropping the old `article` would delete every comment (ON DELETE CASCADE).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # so that Alembic begins (and commits) its own transaction
        context.configure(
            connection=connection,
            target_metadata=migrate.db.metadata,
            **{
                "compare_type": True,
                **migrate.configure_args,
                # SQLite's ALTER TABLE does little: Alembic copies the table instead
                "render_as_batch": True,
            },
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"a migration broke foreign keys: {broken[:5]}")
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


run_migrations()
