"""indexes for the home page's active threads and the people directory's order (S10)

The home page read every visible thread through ix_thread_visible and sorted them for the
three most recently active (5.7 ms at S10 on SQLite); (visible, last_activity_at, id) gives
them in order and takes ix_thread_visible's place. The people directory sorted every listed
person by lower(display_name) for each page; an expression index over the people it lists
(a partial index: active, email verified) gives that order and counts them.

Revision ID: d3e4f5a6b711
Revises: c2d3e4f5a610
Create Date: 2026-12-06 00:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3e4f5a6b711'
down_revision = 'c2d3e4f5a610'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_thread_visible_activity',
        'thread',
        ['visible', 'last_activity_at', 'id'],
        unique=False,
    )
    op.drop_index('ix_thread_visible', table_name='thread')
    op.create_index(
        'ix_user_account_by_name',
        'user_account',
        [sa.text('lower(display_name)'), 'id', 'active', 'email_verified_at'],
        unique=False,
        sqlite_where=sa.text('active IS 1 AND email_verified_at IS NOT NULL'),
        postgresql_where=sa.text('active IS true AND email_verified_at IS NOT NULL'),
    )


def downgrade():
    op.drop_index('ix_user_account_by_name', table_name='user_account')
    op.create_index('ix_thread_visible', 'thread', ['visible'], unique=False)
    op.drop_index('ix_thread_visible_activity', table_name='thread')
