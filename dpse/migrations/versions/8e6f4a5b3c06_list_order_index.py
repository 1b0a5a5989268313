"""an index in the order the home page and the case-study list read published case studies

Revision ID: 8e6f4a5b3c06
Revises: 7d5e3f4a2b05
Create Date: 2026-12-05 04:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8e6f4a5b3c06'
down_revision = '7d5e3f4a2b05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_study', schema=None) as batch_op:
        batch_op.create_index(
            'ix_case_study_published_order', ['status', 'published_at', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('case_study', schema=None) as batch_op:
        batch_op.drop_index('ix_case_study_published_order')
