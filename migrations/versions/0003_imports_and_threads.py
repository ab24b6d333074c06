"""Imports: where an article or comment came from (so that importing a file again adds
nothing twice), and the comment a reply answers (threads from WordPress and Disqus).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_key", sa.String(length=300), nullable=True))
        batch_op.create_index("ux_article_import_key", ["import_key"], unique=True)

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("import_key", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_comment_parent", ["parent_id"], unique=False)
        batch_op.create_index("ux_comment_import_key", ["import_key"], unique=True)
        batch_op.create_foreign_key(
            "fk_comment_parent_id", "comment", ["parent_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_comment_parent_id", type_="foreignkey")
        batch_op.drop_index("ux_comment_import_key")
        batch_op.drop_index("ix_comment_parent")
        batch_op.drop_column("import_key")
        batch_op.drop_column("parent_id")

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index("ux_article_import_key")
        batch_op.drop_column("import_key")
