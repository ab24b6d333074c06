"""The owner's desk: tags, old slugs that redirect, a version for saves from the editor,
the body's plain words, and search (FTS5 on SQLite, a GIN index on PostgreSQL).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from blog.rendering import plain_text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# As blog/models.py defines them today; a later change to search ships its own migration.
SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(
        title, body_text, content='article', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS article_search_insert AFTER INSERT ON article BEGIN
        INSERT INTO article_search(rowid, title, body_text)
        VALUES (new.id, new.title, new.body_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON article BEGIN
        INSERT INTO article_search(article_search, rowid, title, body_text)
        VALUES ('delete', old.id, old.title, old.body_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_update
    AFTER UPDATE OF title, body_text ON article BEGIN
        INSERT INTO article_search(article_search, rowid, title, body_text)
        VALUES ('delete', old.id, old.title, old.body_text);
        INSERT INTO article_search(rowid, title, body_text)
        VALUES (new.id, new.title, new.body_text);
    END""",
    "INSERT INTO article_search(article_search) VALUES ('rebuild')",
)
POSTGRES_SEARCH = (
    "CREATE INDEX IF NOT EXISTS ix_article_search ON article USING gin "
    "(to_tsvector('english', title || ' ' || body_text))",
)


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
    for statement in SQLITE_SEARCH if connection.dialect.name == "sqlite" else POSTGRES_SEARCH:
        op.execute(statement)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS article_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS article_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_article_search")
    op.drop_table("old_slug")
    op.drop_table("article_tag")
    op.drop_table("tag")
    with op.batch_alter_table("article") as table:
        table.drop_column("edit_version")
        table.drop_column("body_text")
