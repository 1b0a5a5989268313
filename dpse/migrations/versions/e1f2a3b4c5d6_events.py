"""events: events, registrations (with the waitlist), event tags, private calendar feeds

Revision ID: e1f2a3b4c5d6
Revises: b7c1d2e3f4a5
Create Date: 2026-11-25 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1f2a3b4c5d6'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('format', sa.Enum('in-person', 'online', 'hybrid', name='event_format', native_enum=False, length=16), nullable=False),
    sa.Column('venue_name', sa.String(length=200), nullable=False),
    sa.Column('venue_address', sa.String(length=500), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('going_count', sa.Integer(), nullable=False),
    sa.Column('registration_opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'postponed', 'cancelled', name='event_status', native_enum=False, length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR going_count <= capacity', name=op.f('ck_event_going_within_capacity')),
    sa.CheckConstraint('going_count >= 0', name=op.f('ck_event_going_not_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_event_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organiser_id'], ['user_account.id'], name=op.f('fk_event_organiser_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('slug', name=op.f('uq_event_slug'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_starts_at'), ['starts_at'], unique=False)

    op.create_table('event_tag',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_tag_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_event_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'tag_id', name=op.f('pk_event_tag'))
    )
    with op.batch_alter_table('event_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_tag_tag_id'), ['tag_id'], unique=False)

    op.create_table('event_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('going', 'waitlisted', 'cancelled', name='registration_status', native_enum=False, length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_registration_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_event_registration_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_registration')),
    sa.UniqueConstraint('event_id', 'user_id', name=op.f('uq_event_registration_event_id'))
    )
    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.create_index('ix_event_registration_event_id_status_position', ['event_id', 'status', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_registration_user_id'), ['user_id'], unique=False)

    op.create_table('event_calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_event_calendar_feed_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_calendar_feed')),
    sa.UniqueConstraint('token', name=op.f('uq_event_calendar_feed_token')),
    sa.UniqueConstraint('user_id', name=op.f('uq_event_calendar_feed_user_id'))
    )


def downgrade():
    op.drop_table('event_calendar_feed')
    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_registration_user_id'))
        batch_op.drop_index('ix_event_registration_event_id_status_position')

    op.drop_table('event_registration')
    with op.batch_alter_table('event_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_tag_tag_id'))

    op.drop_table('event_tag')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_starts_at'))
        batch_op.drop_index(batch_op.f('ix_event_organiser_id'))
        batch_op.drop_index(batch_op.f('ix_event_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_event_ends_at'))

    op.drop_table('event')
