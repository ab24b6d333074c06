"""The owner's desk: tags, old slugs that redirect, a version for saves from the editor,
the body's plain words, search (FTS5 on SQLite, a GIN index on PostgreSQL), and the
archive edition that triggers change with every article added, removed or re-addressed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from blog.models import POSTGRES_SEARCH_DDL, SQLITE_SEARCH_DDL
from blog.rendering import plain_text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The search index as blog/models.py defines it (create_all makes the same for tests); a
# later change to it ships a migration that drops and recreates it.
SQLITE_SEARCH = (
    *SQLITE_SEARCH_DDL,
    "INSERT INTO article_search(article_search) VALUES ('rebuild')",
)
POSTGRES_SEARCH = POSTGRES_SEARCH_DDL


def upgrade():
    with op.batch_alter_table("article") as table:
        table.add_column(sa.Column("body_text", sa.Text(), server_default="", nullable=False))
        table.add_column(
            sa.Column("edit_version", sa.Integer(), server_default="1", nullable=False)
        )
    connection = op.get_bind()
    article = sa.table("article", sa.column("id"), sa.column("body_html"), sa.column("body_text"))
    for article_id, body_html in connection.execute(sa.select(article.c.id, article.c.body_html)):
        connection.execute(
            article.update()
            .where(article.c.id == article_id)
            .values(body_text=plain_text(body_html))
        )
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "article_tag",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "tag_id"),
    )
    op.create_index("ix_article_tag_tag", "article_tag", ["tag_id", "article_id"])
    op.create_table(
        "old_slug",
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_index("ix_old_slug_article_id", "old_slug", ["article_id"])
    op.create_table(
        "archive_edition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO archive_edition (id, stamp) VALUES (1, 0)")
    for statement in SQLITE_SEARCH if connection.dialect.name == "sqlite" else POSTGRES_SEARCH:
        op.execute(statement)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS article_search_{trigger}")
            op.execute(f"DROP TRIGGER IF EXISTS article_archive_{trigger}")
        op.execute("DROP TABLE IF EXISTS article_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_article_search")
        op.execute("DROP TRIGGER IF EXISTS article_archive ON article")
        op.execute("DROP FUNCTION IF EXISTS archive_changed()")
    op.drop_table("archive_edition")
    op.drop_table("old_slug")
    op.drop_table("article_tag")
    op.drop_table("tag")
    with op.batch_alter_table("article") as table:
        table.drop_column("edit_version")
        table.drop_column("body_text")
