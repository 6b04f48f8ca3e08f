"""Console sign-in lock-out: failed sign-ins counted per agent, and a lock until a set time.

Revision ID: 0007_sign_in_lockout
Revises: 0006_console
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_sign_in_lockout"
down_revision = "0006_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_sign_ins")
