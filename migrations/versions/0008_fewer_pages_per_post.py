"""Fewer pages written per post: the comment indexes on columns that are empty in most
rows (root_id, parent_id, import_key) hold only the rows that fill them, and on SQLite the
throttle's rows live in their key's index (WITHOUT ROWID). Every row is kept.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# (name, columns, unique): the comment indexes this migration makes partial
PARTIAL = (
    ("ix_comment_root", ["root_id", "created_at", "id"], False),
    ("ix_comment_parent", ["parent_id"], False),
    ("ux_comment_import_key", ["import_key"], True),
)


def _make_indexes(partial: bool) -> None:
    for name, columns, unique in PARTIAL:
        where = sa.text(f"{columns[0]} IS NOT NULL") if partial else None
        op.drop_index(name, table_name="comment")
        op.create_index(
            name, "comment", columns, unique=unique, sqlite_where=where, postgresql_where=where
        )


def _throttle_rowid(with_rowid: bool) -> None:
    """SQLite copies the table into a new one with or without rowids (rows kept)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "throttle", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ):
        pass


def upgrade():
    _make_indexes(partial=True)
    _throttle_rowid(False)


def downgrade():
    _throttle_rowid(True)
    _make_indexes(partial=False)
