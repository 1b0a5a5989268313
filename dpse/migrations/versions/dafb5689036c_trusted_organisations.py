"""trusted organisations: approval, verified domains, verified membership, merge redirects

Organisations and memberships that exist already are trusted as they are: every organisation
is approved and every member verified as of the migration.

Revision ID: dafb5689036c
Revises: cdf004269bce
Create Date: 2026-12-05 00:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dafb5689036c'
down_revision = 'cdf004269bce'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('domains', sa.String(length=1000), nullable=False, server_default='')
        )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('membership_verified_at', sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE organisation SET approved_at = created_at")
    op.execute(
        "UPDATE user_account SET membership_verified_at = created_at"
        " WHERE organisation_id IS NOT NULL"
    )
    op.create_table(
        'organisation_redirect',
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_redirect_organisation_id_organisation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('slug', name=op.f('pk_organisation_redirect')),
    )
    op.create_index(op.f('ix_organisation_redirect_organisation_id'), 'organisation_redirect', ['organisation_id'])


def downgrade():
    op.drop_index(op.f('ix_organisation_redirect_organisation_id'), table_name='organisation_redirect')
    op.drop_table('organisation_redirect')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('membership_verified_at')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('domains')
        batch_op.drop_column('approved_at')
