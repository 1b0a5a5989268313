"""search change log: the outbox becomes a log that indexers follow, with their heartbeats

The outbox deleted a row once a request had applied it; the log keeps rows until every live
indexer has passed them. Waiting outbox rows carry over as the first changes of the log.

Revision ID: b4679499a4c5
Revises: 6d0c157e3be5
Create Date: 2026-12-04 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4679499a4c5'
down_revision = '6d0c157e3be5'
branch_labels = None
depends_on = None

LOG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        'search_changes',
        sa.Column('id', LOG_ID, nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_search_changes_created_at'), 'search_changes', ['created_at'])
    op.execute(
        "INSERT INTO search_changes (key, created_at) "
        "SELECT key, created_at FROM search_outbox ORDER BY id"
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_key'))
    op.drop_table('search_outbox')
    op.create_table(
        'search_indexers',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('position', LOG_ID, nullable=False),
        sa.Column('safe_through', LOG_ID, nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_indexers')),
    )
    op.create_table(
        'search_log_marks',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', LOG_ID, nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_search_log_marks')),
    )


def downgrade():
    op.drop_table('search_log_marks')
    op.drop_table('search_indexers')
    op.create_table(
        'search_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox')),
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_outbox_key'), ['key'], unique=False)
    op.drop_index(op.f('ix_search_changes_created_at'), table_name='search_changes')
    op.drop_table('search_changes')
