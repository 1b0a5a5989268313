"""case studies: an index covering the list's one-pass count of outcome, sector, country, year

Revision ID: b1c2d3e4f509
Revises: a0b1c2d3e408
Create Date: 2026-12-05 21:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b1c2d3e4f509'
down_revision = 'a0b1c2d3e408'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_case_study_facets',
        'case_study',
        ['status', 'outcome', 'sector', 'country', 'year'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_case_study_facets', table_name='case_study')
