"""The bot's dialogue state per conversation, the handoff briefings, and facts known per customer (issue 4).

Revision ID: 0002_bot
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0002_bot"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_states",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("state", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_bot_states_conversation_id_conversations")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_bot_states_customer_id_customers")),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_bot_states")),
    )
    op.create_index(op.f("ix_bot_states_customer_id"), "bot_states", ["customer_id"])
    op.create_table(
        "briefings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_briefings_conversation_id_conversations")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_briefings_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefings")),
    )
    op.create_index(op.f("ix_briefings_conversation_id"), "briefings", ["conversation_id"])
    op.create_index(op.f("ix_briefings_customer_id"), "briefings", ["customer_id"])
    op.create_table(
        "customer_facts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("fact", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_facts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_facts")),
        sa.UniqueConstraint("customer_id", "fact", name=op.f("uq_customer_facts_customer_id_fact")),
    )
    op.create_index(op.f("ix_customer_facts_customer_id"), "customer_facts", ["customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_facts_customer_id"), table_name="customer_facts")
    op.drop_table("customer_facts")
    op.drop_index(op.f("ix_briefings_customer_id"), table_name="briefings")
    op.drop_index(op.f("ix_briefings_conversation_id"), table_name="briefings")
    op.drop_table("briefings")
    op.drop_index(op.f("ix_bot_states_customer_id"), table_name="bot_states")
    op.drop_table("bot_states")
