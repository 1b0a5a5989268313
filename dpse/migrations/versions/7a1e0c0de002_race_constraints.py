"""constraints that races end in (one open flag per person and object)

Revision ID: 7a1e0c0de002
Revises: 7a1e0c0de001
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1e0c0de002'
down_revision = '7a1e0c0de001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
