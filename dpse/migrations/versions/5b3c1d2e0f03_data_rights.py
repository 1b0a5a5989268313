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
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('data_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('queued', 'ready', 'failed', 'expired', name='export_status', native_enum=False, length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_data_export_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_export')),
    sa.UniqueConstraint('token', name=op.f('uq_data_export_token'))
    )
    with op.batch_alter_table('data_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_export_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_export_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('data_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_export_status'))
        batch_op.drop_index(batch_op.f('ix_data_export_user_id'))
    op.drop_table('data_export')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('pending_email')
