"""sign-in with an organisation's OpenID Connect provider: linked identities

Revision ID: 3e1d0c5a7b01
Revises: dafb5689036c
Create Date: 2026-12-05 04:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '3e1d0c5a7b01'
down_revision = 'dafb5689036c'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
