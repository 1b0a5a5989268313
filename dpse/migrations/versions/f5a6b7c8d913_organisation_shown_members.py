"""organisation.shown_members: its active, verified members, kept by triggers

The people directory's organisation filter ranked every organisation by counting every
member (3.5 ms on SQLite, 11 on PostgreSQL at S10, ten times S1), and the organisations list
counted a page's members. The count is now a column of the organisation, kept by the
database in the same transaction as any change to a person's organisation, whether they are
active or their membership is verified, and as people are added or deleted (the ORM and bulk
statements alike; an organisation's deletion sets its people's organisation to NULL, which
is such a change).

A later migration that rebuilds user_account or organisation on SQLite (batch mode's
copy-and-move) drops these triggers with the old table: it must create them again
(tests/accounts/test_shown_members.py would fail).

Revision ID: f5a6b7c8d913
Revises: e4f5a6b7c812
Create Date: 2026-12-06 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5a6b7c8d913'
down_revision = 'e4f5a6b7c812'
branch_labels = None
depends_on = None

SHOWN = "{row}.active AND {row}.membership_verified_at IS NOT NULL"
LESS = f"UPDATE organisation SET shown_members = shown_members - 1 WHERE id = OLD.organisation_id AND {SHOWN.format(row='OLD')}"
MORE = f"UPDATE organisation SET shown_members = shown_members + 1 WHERE id = NEW.organisation_id AND {SHOWN.format(row='NEW')}"

SQLITE = [
    f"CREATE TRIGGER organisation_members_added AFTER INSERT ON user_account BEGIN {MORE}; END",
    f"CREATE TRIGGER organisation_members_removed AFTER DELETE ON user_account BEGIN {LESS}; END",
    "CREATE TRIGGER organisation_members_changed"
    " AFTER UPDATE OF organisation_id, active, membership_verified_at ON user_account"
    f" BEGIN {LESS}; {MORE}; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS organisation_members_added",
    "DROP TRIGGER IF EXISTS organisation_members_removed",
    "DROP TRIGGER IF EXISTS organisation_members_changed",
]
POSTGRES = [
    f"""CREATE FUNCTION organisation_members() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN {LESS}; END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN {MORE}; END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER organisation_members_added AFTER INSERT OR DELETE ON user_account"
    " FOR EACH ROW EXECUTE FUNCTION organisation_members()",
    "CREATE TRIGGER organisation_members_changed"
    " AFTER UPDATE OF organisation_id, active, membership_verified_at ON user_account"
    " FOR EACH ROW EXECUTE FUNCTION organisation_members()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS organisation_members_added ON user_account",
    "DROP TRIGGER IF EXISTS organisation_members_changed ON user_account",
    "DROP FUNCTION IF EXISTS organisation_members()",
]


def upgrade():
    # A plain ADD COLUMN: batch mode would rebuild the table on SQLite, which fails once
    # other triggers (e4f5a6b7c812's) name it.
    op.add_column(
        'organisation',
        sa.Column('shown_members', sa.Integer(), nullable=False, server_default=sa.text('0')),
    )
    op.execute(
        "UPDATE organisation SET shown_members = (SELECT count(*) FROM user_account"
        f" WHERE user_account.organisation_id = organisation.id AND {SHOWN.format(row='user_account')})"
    )
    for statement in POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    for statement in (
        POSTGRES_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP
    ):
        op.execute(statement)
    op.execute("ALTER TABLE organisation DROP COLUMN shown_members")  # SQLite 3.35 and later
