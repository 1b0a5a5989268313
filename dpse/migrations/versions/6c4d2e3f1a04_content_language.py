"""content language on case studies, events and threads

Revision ID: 6c4d2e3f1a04
Revises: 5b3c1d2e0f03
Create Date: 2026-12-05 04:00:00

"""

import os
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6c4d2e3f1a04"
down_revision = "5b3c1d2e0f03"
branch_labels = None
depends_on = None

TABLES = ("case_study", "event", "thread")


def _site_language():
    """What existing rows were written in: the site's language, as the app reads it."""
    tag = os.environ.get("DPSE_SITE_LANGUAGE", "").strip() or "en"
    return tag if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", tag) else "en"


def upgrade():
    language = _site_language()
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("language", sa.String(35), nullable=False, server_default=language)
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
