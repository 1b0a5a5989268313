"""stored HTML and plain text of user Markdown

Revision ID: 2f3f88c50119
Revises: c3d4e5f6a7b8
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2f3f88c50119'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None


# Each table's Markdown columns; every one gets <name>_html and <name>_text beside it.
MARKDOWN = {
    "case_study": ("challenge", "what_we_built", "results", "lessons_learned"),
    "post": ("body",),
    "post_revision": ("body",),
    "event": ("description",),
    "user_account": ("bio",),
}


def upgrade():
    # Existing rows get empty renderings and version 0: `dpse init` (which runs this migration)
    # then renders them with `dpse content rerender`'s code, so no app code is imported here.
    for table, names in MARKDOWN.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in names:
                for suffix in ("html", "text"):
                    batch_op.add_column(
                        sa.Column(f"{name}_{suffix}", sa.Text(), nullable=False, server_default="")
                    )
            batch_op.add_column(
                sa.Column("render_version", sa.Integer(), nullable=False, server_default="0")
            )


def downgrade():
    for table, names in MARKDOWN.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("render_version")
            for name in reversed(names):
                for suffix in ("text", "html"):
                    batch_op.drop_column(f"{name}_{suffix}")
