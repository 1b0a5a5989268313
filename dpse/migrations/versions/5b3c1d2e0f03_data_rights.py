"""people's data rights: data exports, email change, account deletion

Revision ID: 5b3c1d2e0f03
Revises: 4a2b0c1d9e02
Create Date: 2026-12-05 04:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '5b3c1d2e0f03'
down_revision = '4a2b0c1d9e02'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
