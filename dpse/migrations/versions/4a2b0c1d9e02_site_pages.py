"""the pages a public body must publish, their revisions, accessibility reports

Revision ID: 4a2b0c1d9e02
Revises: 3e1d0c5a7b01
Create Date: 2026-12-05 04:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '4a2b0c1d9e02'
down_revision = '3e1d0c5a7b01'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
