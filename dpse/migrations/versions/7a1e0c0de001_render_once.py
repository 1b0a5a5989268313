"""stored HTML and plain text of user Markdown

Revision ID: 7a1e0c0de001
Revises: c3d4e5f6a7b8
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1e0c0de001'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
