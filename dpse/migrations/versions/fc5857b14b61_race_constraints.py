"""constraints that races end in (one open flag per person and object)

Revision ID: fc5857b14b61
Revises: 2f3f88c50119
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc5857b14b61'
down_revision = '2f3f88c50119'
branch_labels = None
depends_on = None

OPEN_ONLY = "status = 'open'"
TARGETS = ('post_id', 'case_study_id')


def upgrade():
    # Reports sent twice at once may already have left two open flags from one person on one
    # object: keep the first open, and close the later ones as duplicates.
    for target in TARGETS:
        op.execute(
            sa.text(
                f"UPDATE flag SET status = 'resolved', resolved_at = created_at, "
                f"resolution = 'Duplicate report' "
                f"WHERE status = 'open' AND {target} IS NOT NULL AND EXISTS ("
                f"SELECT 1 FROM flag AS earlier WHERE earlier.status = 'open' "
                f"AND earlier.reporter_id = flag.reporter_id "
                f"AND earlier.{target} = flag.{target} AND earlier.id < flag.id)"
            )
        )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(
            'uq_flag_open_post',
            ['reporter_id', 'post_id'],
            unique=True,
            sqlite_where=sa.text(OPEN_ONLY),
            postgresql_where=sa.text(OPEN_ONLY),
        )
        batch_op.create_index(
            'uq_flag_open_case_study',
            ['reporter_id', 'case_study_id'],
            unique=True,
            sqlite_where=sa.text(OPEN_ONLY),
            postgresql_where=sa.text(OPEN_ONLY),
        )


def downgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index('uq_flag_open_case_study')
        batch_op.drop_index('uq_flag_open_post')
