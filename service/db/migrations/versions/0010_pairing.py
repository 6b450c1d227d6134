"""the pairing: members' phone, messages between the two members of a request, coaches' offers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=10), nullable=True))
    op.create_table(
        "pair_messages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["match_requests.id"],
            name=op.f("fk_pair_messages_request_id_match_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_pair_messages_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair_messages")),
    )
    op.create_index(
        "ix_pair_messages_request_id_id", "pair_messages", ["request_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_pair_messages_author_id"), "pair_messages", ["author_id"], unique=False
    )
    op.create_table(
        "coach_offers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("coach_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("need_id", ID, nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["members.id"],
            name=op.f("fk_coach_offers_coach_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_coach_offers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
            name=op.f("fk_coach_offers_need_id_needs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["match_requests.id"],
            name=op.f("fk_coach_offers_request_id_match_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_offers")),
    )
    op.create_index(op.f("ix_coach_offers_coach_id"), "coach_offers", ["coach_id"], unique=False)
    op.create_index(op.f("ix_coach_offers_member_id"), "coach_offers", ["member_id"], unique=False)
    op.create_index(
        "uq_coach_offers_open_pair",
        "coach_offers",
        ["coach_id", "member_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_coach_offers_open_pair", table_name="coach_offers")
    op.drop_index(op.f("ix_coach_offers_member_id"), table_name="coach_offers")
    op.drop_index(op.f("ix_coach_offers_coach_id"), table_name="coach_offers")
    op.drop_table("coach_offers")
    op.drop_index(op.f("ix_pair_messages_author_id"), table_name="pair_messages")
    op.drop_index("ix_pair_messages_request_id_id", table_name="pair_messages")
    op.drop_table("pair_messages")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("phone")
