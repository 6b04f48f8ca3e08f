"""Channels: thread ids of e-mail, Chatwoot, web chat and webhooks, and outbound channel deliveries.

Revision ID: 0003_channels
Revises: 0002_bot
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0003_channels"
down_revision = "0002_bot"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_threads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_threads")),
        sa.UniqueConstraint("channel", "key", name=op.f("uq_channel_threads_channel_key")),
    )
    op.create_index(op.f("ix_channel_threads_conversation_id"), "channel_threads", ["conversation_id"])
    op.create_index(op.f("ix_channel_threads_customer_id"), "channel_threads", ["customer_id"])

    op.create_table(
        "channel_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("progress", JSON, nullable=False),
        sa.Column("external_id", sa.String(length=300), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_deliveries")),
        sa.UniqueConstraint("event_id", name=op.f("uq_channel_deliveries_event_id")),
    )
    op.create_index("ix_channel_deliveries_due", "channel_deliveries", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_channel_deliveries_conversation_id"), "channel_deliveries", ["conversation_id"])
    op.create_index(op.f("ix_channel_deliveries_customer_id"), "channel_deliveries", ["customer_id"])


def downgrade() -> None:
    op.drop_table("channel_deliveries")
    op.drop_table("channel_threads")
