"""device cookies for sign-in throttling: no schema change

Device cookies (dpse.accounts.devices) need no table: each is a signed [user id, nonce,
fingerprint of the password hash], so changing the password revokes them all, and a device
that fails too often is locked out by the rate limiter's counter for its nonce. The revision
stays in the chain so that databases at any point of it upgrade alike.

Revision ID: 6d0c157e3be5
Revises: fc5857b14b61
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d0c157e3be5'
down_revision = 'fc5857b14b61'
branch_labels = None
depends_on = None


def upgrade():
    pass  # nothing stored: see the docstring


def downgrade():
    pass
