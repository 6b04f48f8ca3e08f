"""Console: agents sign in (email, password hash, role), console sessions, call-backs.

Revision ID: 0006_console
Revises: 0005_privacy
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_console"
down_revision = "0005_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("role", sa.String(length=16), server_default="agent", nullable=False))
    op.create_index(op.f("ix_agents_email"), "agents", ["email"], unique=True)

    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_console_sessions_agent_id_agents")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_sessions")),
    )
    op.create_index(op.f("ix_console_sessions_agent_id"), "console_sessions", ["agent_id"])

    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_callbacks_agent_id_agents")),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_callbacks_conversation_id_conversations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
    )
    op.create_index(op.f("ix_callbacks_agent_id"), "callbacks", ["agent_id"])
    op.create_index(op.f("ix_callbacks_conversation_id"), "callbacks", ["conversation_id"])
    op.create_index(op.f("ix_callbacks_customer_id"), "callbacks", ["customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_callbacks_customer_id"), table_name="callbacks")
    op.drop_index(op.f("ix_callbacks_conversation_id"), table_name="callbacks")
    op.drop_index(op.f("ix_callbacks_agent_id"), table_name="callbacks")
    op.drop_table("callbacks")
    op.drop_index(op.f("ix_console_sessions_agent_id"), table_name="console_sessions")
    op.drop_table("console_sessions")
    op.drop_index(op.f("ix_agents_email"), table_name="agents")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("role")
        batch.drop_column("password_hash")
        batch.drop_column("email")
