"""the content generation that keeps the anonymous page cache fresh

Revision ID: 7d5e3f4a2b05
Revises: 6c4d2e3f1a04
Create Date: 2026-12-05 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d5e3f4a2b05'
down_revision = '6c4d2e3f1a04'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'content_generation',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 1}])


def downgrade():
    op.drop_table('content_generation')
