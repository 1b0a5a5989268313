"""forum threads point at events with a foreign key; joins the forum and events branches

Revision ID: b1c2d3e4f5a6
Revises: a9b8c7d6e5f4, f0a1b2c3d4e5
Create Date: 2026-11-25 03:25:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b1c2d3e4f5a6'
down_revision = ('a9b8c7d6e5f4', 'f0a1b2c3d4e5')
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_thread_event_id_event'), 'event', ['event_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_thread_event_id_event'), type_='foreignkey')
