"""Conversations: each comment knows its thread (root_id) and depth, when it was edited,
whether the owner wrote it, and a hash of its writer's secret (edit and delete for a
while). Top-level comments get their own paging index. Replies already stored (from
imports) are given their thread and depth.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # On SQLite the table is made anew, with AUTOINCREMENT: ids of deleted comments are
    # never handed out again (PostgreSQL's sequences never do).
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "comment",
        schema=None,
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch_op:
        batch_op.add_column(sa.Column("root_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("depth", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("by_owner", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("owner_key", sa.String(length=64), nullable=True))
        batch_op.drop_index("ix_comment_listing")
        batch_op.create_index(
            "ix_comment_threads", ["article_id", "status", "depth", "created_at", "id"]
        )
        batch_op.create_index("ix_comment_root", ["root_id", "created_at", "id"])
        batch_op.create_foreign_key(
            "fk_comment_root_id", "comment", ["root_id"], ["id"], ondelete="SET NULL"
        )
    place_replies(op.get_bind())


def place_replies(connection) -> None:
    """Give every stored reply its thread's top-level comment and its depth."""
    comment = sa.table(
        "comment",
        sa.column("id", sa.Integer),
        sa.column("parent_id", sa.Integer),
        sa.column("root_id", sa.Integer),
        sa.column("depth", sa.Integer),
    )
    parents = dict(
        connection.execute(
            sa.select(comment.c.id, comment.c.parent_id).where(comment.c.parent_id.is_not(None))
        ).all()
    )
    for reply_id in parents:
        root, depth = reply_id, 0
        while root in parents and depth <= len(parents):  # imports never make loops
            root, depth = parents[root], depth + 1
        connection.execute(
            sa.update(comment).where(comment.c.id == reply_id).values(root_id=root, depth=depth)
        )


def downgrade():
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_comment_root_id", type_="foreignkey")
        batch_op.drop_index("ix_comment_root")
        batch_op.drop_index("ix_comment_threads")
        batch_op.create_index(
            "ix_comment_listing", ["article_id", "status", "created_at", "id"], unique=False
        )
        batch_op.drop_column("owner_key")
        batch_op.drop_column("by_owner")
        batch_op.drop_column("edited_at")
        batch_op.drop_column("depth")
        batch_op.drop_column("root_id")
