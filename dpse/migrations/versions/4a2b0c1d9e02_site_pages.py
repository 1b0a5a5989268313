"""the pages a public body must publish, their revisions, accessibility reports

Revision ID: 4a2b0c1d9e02
Revises: 3e1d0c5a7b01
Create Date: 2026-12-05 04:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '4a2b0c1d9e02'
down_revision = '3e1d0c5a7b01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision_count', sa.Integer(), nullable=False),
    sa.Column('render_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_page')),
    sa.UniqueConstraint('key', name=op.f('uq_site_page_key'))
    )
    op.create_table('site_page_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('render_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['user_account.id'], name=op.f('fk_site_page_revision_editor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['page_id'], ['site_page.id'], name=op.f('fk_site_page_revision_page_id_site_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_page_revision')),
    sa.UniqueConstraint('page_id', 'number', name=op.f('uq_site_page_revision_page_id'))
    )
    with op.batch_alter_table('site_page_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_page_revision_page_id'), ['page_id'], unique=False)

    op.create_table('accessibility_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('page_url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'], name=op.f('fk_accessibility_report_handled_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_accessibility_report_reporter_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_report'))
    )
    with op.batch_alter_table('accessibility_report', schema=None) as batch_op:
        batch_op.create_index('ix_accessibility_report_open', ['handled_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_accessibility_report_reporter_id'), ['reporter_id'], unique=False)


def downgrade():
    with op.batch_alter_table('accessibility_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accessibility_report_reporter_id'))
        batch_op.drop_index('ix_accessibility_report_open')

    op.drop_table('accessibility_report')
    with op.batch_alter_table('site_page_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_page_revision_page_id'))

    op.drop_table('site_page_revision')
    op.drop_table('site_page')
