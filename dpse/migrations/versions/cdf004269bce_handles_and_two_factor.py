"""handles and two-factor sign-in

Every account gets a unique handle, made here from its display name for existing accounts
(lower-case a-z 0-9 -, a number added where two names give the same handle); former handles
keep redirecting; TOTP secrets and hashed recovery codes for two-factor sign-in.

Revision ID: cdf004269bce
Revises: b4679499a4c5
Create Date: 2026-12-04 23:45:00

"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "cdf004269bce"
down_revision = "b4679499a4c5"
branch_labels = None
depends_on = None


RESERVED = {  # skeletons of dpse.accounts.handles.RESERVED's words, as it was at this revision
    "admln",
    "admlnlstrator",
    "admlns",
    "abuse",
    "account",
    "accounts",
    "apl",
    "help",
    "helpdesk",
    "lnfo",
    "mod",
    "mods",
    "moderator",
    "moderators",
    "moderatlon",
    "null",
    "offlclal",
    "owner",
    "people",
    "postmaster",
    "prlvacy",
    "root",
    "securlty",
    "slte",
    "staff",
    "support",
    "system",
    "team",
    "terms",
    "undeflned",
    "webmaster",
    "dpse",
    "exchange",
}
LOOK_ALIKE = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("0", "o"), ("1", "l"), ("i", "l"))


def _skeleton(handle):
    # dpse.accounts.handles.skeleton as it was at this revision
    folded = unicodedata.normalize("NFKC", handle).casefold().replace("-", "")
    for group, reads_as in LOOK_ALIKE:
        folded = folded.replace(group, reads_as)
    return folded


def _base(name):
    # The same rule as dpse.accounts.handles.suggest, frozen here as it was at this revision.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:24].strip("-")
    if len(base) < 3 or not re.search("[a-z]", base) or _skeleton(base) in RESERVED:
        return f"person-{base}".strip("-")
    return base


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handle", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("handle_key", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column("handle_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    taken = set()
    users = conn.execute(sa.text("SELECT id, display_name FROM user_account ORDER BY id")).all()
    for user_id, name in users:
        base = _base(name or "")
        handle, n = base, 2
        while _skeleton(handle) in taken:
            handle, n = f"{base}-{n}", n + 1
        taken.add(_skeleton(handle))
        conn.execute(
            sa.text("UPDATE user_account SET handle = :handle, handle_key = :key WHERE id = :id"),
            {"handle": handle, "key": _skeleton(handle), "id": user_id},
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("handle", existing_type=sa.String(length=30), nullable=False)
        batch_op.alter_column("handle_key", existing_type=sa.String(length=30), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_user_account_handle"), ["handle"])
        batch_op.create_unique_constraint(batch_op.f("uq_user_account_handle_key"), ["handle_key"])
    op.create_table(
        "former_handle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=30), nullable=False),
        sa.Column("handle_key", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_former_handle_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_former_handle")),
        sa.UniqueConstraint("handle", name=op.f("uq_former_handle_handle")),
    )
    op.create_index(op.f("ix_former_handle_user_id"), "former_handle", ["user_id"])
    op.create_index(op.f("ix_former_handle_handle_key"), "former_handle", ["handle_key"])
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_recovery_code_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    op.create_index(op.f("ix_recovery_code_user_id"), "recovery_code", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_recovery_code_user_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    op.drop_index(op.f("ix_former_handle_handle_key"), table_name="former_handle")
    op.drop_index(op.f("ix_former_handle_user_id"), table_name="former_handle")
    op.drop_table("former_handle")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_handle_key"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_user_account_handle"), type_="unique")
        batch_op.drop_column("handle_key")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("handle_changed_at")
        batch_op.drop_column("handle")
