"""content language on case studies, events and threads

Revision ID: 6c4d2e3f1a04
Revises: 5b3c1d2e0f03
Create Date: 2026-12-05 04:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '6c4d2e3f1a04'
down_revision = '5b3c1d2e0f03'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
