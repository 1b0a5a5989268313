"""events link to related case studies; joins the search and events branches

Revision ID: a9b8c7d6e5f4
Revises: d4e6f8a0b2c4, e1f2a3b4c5d6
Create Date: 2026-11-25 02:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9b8c7d6e5f4'
down_revision = ('d4e6f8a0b2c4', 'e1f2a3b4c5d6')
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_case_study',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('case_study_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_study_id'], ['case_study.id'], name=op.f('fk_event_case_study_case_study_id_case_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_case_study_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'case_study_id', name=op.f('pk_event_case_study'))
    )
    with op.batch_alter_table('event_case_study', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_case_study_case_study_id'), ['case_study_id'], unique=False)


def downgrade():
    with op.batch_alter_table('event_case_study', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_case_study_case_study_id'))
    op.drop_table('event_case_study')
