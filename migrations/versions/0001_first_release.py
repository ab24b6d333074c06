"""The schema of the first release (commit 17b639f), which `init-db` made with create_all.

A database made that way has these tables and no alembic_version: this migration adopts
it as it is (after checking that it is complete) instead of creating anything.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = {"article", "comment", "throttle", "word_rule", "admin_user"}


def upgrade():
    present = TABLES & set(sa.inspect(op.get_bind()).get_table_names())
    if present == TABLES:
        return  # a database from before migrations: already this schema
    if present:
        raise RuntimeError(
            f"The database has only some of the blog's tables ({', '.join(sorted(present))});"
            " it was not made by this blog, or was damaged. Nothing was changed."
        )
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("copyright_year", sa.Integer(), nullable=False),
        sa.Column("copyright_holder", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_index("ix_article_listing", "article", ["is_published", "published_at", "id"])
    op.create_table(
        "throttle",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "word_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "admin_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.String(length=80), nullable=False),
        sa.Column("author_email", sa.String(length=254), nullable=False),
        sa.Column("author_url", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_comment_fingerprint", "comment", ["article_id", "fingerprint"], unique=True)
    op.create_index("ix_comment_email_status", "comment", ["email_key", "status"])
    op.create_index("ix_comment_listing", "comment", ["article_id", "status", "created_at", "id"])
    op.create_index("ix_comment_queue", "comment", ["status", "created_at"])


def downgrade():
    raise RuntimeError(
        "0001 is the first schema: going below it would delete every table and row. "
        "To start over, restore a backup or remove the database file."
    )
