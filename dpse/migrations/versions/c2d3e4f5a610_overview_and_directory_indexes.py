"""indexes for the forum's overview and the people directory's counts (S10 measurements)

Covering indexes: each category's latest visible thread and its thread and post counts
(the forum page: 80 ms of SQL at S10 on SQLite), and people counted per organisation and
active accounts counted (the people filter and the home page), without reading whole rows.

Revision ID: c2d3e4f5a610
Revises: b1c2d3e4f509
Create Date: 2026-12-05 22:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c2d3e4f5a610'
down_revision = 'b1c2d3e4f509'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_thread_category_activity',
        'thread',
        ['category_id', 'visible', 'last_activity_at', 'id', 'reply_count'],
        unique=False,
    )
    op.create_index(
        'ix_user_account_directory',
        'user_account',
        ['organisation_id', 'active', 'membership_verified_at'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_user_account_directory', table_name='user_account')
    op.drop_index('ix_thread_category_activity', table_name='thread')
