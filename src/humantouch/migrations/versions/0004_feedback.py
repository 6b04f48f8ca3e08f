"""Feedback: surveys, follow-up tasks and the agents' weekly pulse.

Revision ID: 0004_feedback
Revises: 0003_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0004_feedback"
down_revision = "0003_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("form_of_address", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("ces", sa.Integer(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("comment_analysis", JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_surveys_conversation_id_conversations")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_surveys_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_surveys_conversation_id")),
    )
    op.create_index(op.f("ix_surveys_customer_id"), "surveys", ["customer_id"])
    op.create_table(
        "followups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("assigned_agent_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_agent_id"], ["agents.id"], name=op.f("fk_followups_assigned_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_followups_conversation_id_conversations")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_followups_customer_id_customers")),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_followups_survey_id_surveys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_followups_survey_id")),
    )
    op.create_index(op.f("ix_followups_assigned_agent_id"), "followups", ["assigned_agent_id"])
    op.create_index(op.f("ix_followups_conversation_id"), "followups", ["conversation_id"])
    op.create_index(op.f("ix_followups_customer_id"), "followups", ["customer_id"])
    op.create_table(
        "agent_pulses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("work_preference", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_agent_pulses_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_pulses")),
        sa.UniqueConstraint("agent_id", "week", name=op.f("uq_agent_pulses_agent_id_week")),
    )
    op.create_index(op.f("ix_agent_pulses_agent_id"), "agent_pulses", ["agent_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_agent_pulses_agent_id"), table_name="agent_pulses")
    op.drop_table("agent_pulses")
    op.drop_index(op.f("ix_followups_customer_id"), table_name="followups")
    op.drop_index(op.f("ix_followups_conversation_id"), table_name="followups")
    op.drop_index(op.f("ix_followups_assigned_agent_id"), table_name="followups")
    op.drop_table("followups")
    op.drop_index(op.f("ix_surveys_customer_id"), table_name="surveys")
    op.drop_table("surveys")
