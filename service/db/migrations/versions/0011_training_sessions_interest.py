"""training modules' next session, and members' « Ça m'intéresse » on modules

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00

- `training_modules.next_session` (a date, optional): the next session of a module, if known;
- `module_interests`: one row per member and module (primary key `(module_id, member_id)`: a
  member is counted once whatever arrives at the same time).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_modules") as batch:
        batch.add_column(sa.Column("next_session", sa.Date(), nullable=True))
    op.create_table(
        "module_interests",
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["training_modules.id"],
            name=op.f("fk_module_interests_module_id_training_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_module_interests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("module_id", "member_id", name=op.f("pk_module_interests")),
    )
    op.create_index(
        op.f("ix_module_interests_member_id"), "module_interests", ["member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("module_interests")
    with op.batch_alter_table("training_modules") as batch:
        batch.drop_column("next_session")
