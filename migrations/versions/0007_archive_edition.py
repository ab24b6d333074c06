"""The archive edition: one row whose stamp triggers change whenever an article readers
may see (before or after the change) is added, removed, renamed, re-addressed, published
or re-dated; article pages key on it, so that their previous/next links follow.

Written so that it also completes a database made by an earlier draft of 0006 that
already had the table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen copies of blog/models.py's SQLITE_ARCHIVE_DDL and POSTGRES_ARCHIVE_DDL as of this
# migration: a later change ships a migration of its own.
SQLITE = (
    """CREATE TRIGGER IF NOT EXISTS article_archive_insert AFTER INSERT ON article
    WHEN new.is_published BEGIN
        UPDATE archive_edition SET stamp = random();
    END""",
    """CREATE TRIGGER IF NOT EXISTS article_archive_delete AFTER DELETE ON article
    WHEN old.is_published BEGIN
        UPDATE archive_edition SET stamp = random();
    END""",
    """CREATE TRIGGER IF NOT EXISTS article_archive_update
    AFTER UPDATE OF slug, title, is_published, published_at ON article
    WHEN old.is_published OR new.is_published BEGIN
        UPDATE archive_edition SET stamp = random();
    END""",
)
POSTGRES = (
    """CREATE OR REPLACE FUNCTION archive_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        shown boolean;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            shown := NEW.is_published;
        ELSIF TG_OP = 'DELETE' THEN
            shown := OLD.is_published;
        ELSE
            shown := OLD.is_published OR NEW.is_published;
        END IF;
        IF shown THEN
            UPDATE archive_edition SET stamp = floor(random() * 9e18)::bigint;
        END IF;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS article_archive ON article",
    """CREATE TRIGGER article_archive
    AFTER INSERT OR DELETE OR UPDATE OF slug, title, is_published, published_at ON article
    FOR EACH ROW EXECUTE FUNCTION archive_changed()""",
)


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # an earlier draft's triggers, if any, go: these replace them
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS article_archive_{name}")
    op.execute(
        "CREATE TABLE IF NOT EXISTS archive_edition "
        "(id INTEGER NOT NULL PRIMARY KEY, stamp BIGINT NOT NULL)"
    )
    op.execute(
        "INSERT INTO archive_edition (id, stamp) SELECT 1, 0 "
        "WHERE NOT EXISTS (SELECT 1 FROM archive_edition)"
    )
    for statement in SQLITE if sqlite else POSTGRES:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS article_archive_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS article_archive ON article")
        op.execute("DROP FUNCTION IF EXISTS archive_changed()")
    op.drop_table("archive_edition")
