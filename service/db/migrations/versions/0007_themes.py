"""theme model: corrected need themes, community examples, refit decisions, proposal themes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme", sa.String(length=48), nullable=True))
    with op.batch_alter_table("module_proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme", sa.String(length=48), nullable=True))
        batch_op.create_index(batch_op.f("ix_module_proposals_theme"), ["theme"], unique=False)
    op.create_table(
        "theme_examples",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("theme", sa.String(length=48), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("need_id", ID, nullable=True),
        sa.Column("request_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["needs.id"],
            name=op.f("fk_theme_examples_need_id_needs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["match_requests.id"],
            name=op.f("fk_theme_examples_request_id_match_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_examples")),
    )
    op.create_index(
        "uq_theme_examples_correction",
        "theme_examples",
        ["need_id"],
        unique=True,
        sqlite_where=sa.text("source = 'correction'"),
        postgresql_where=sa.text("source = 'correction'"),
    )
    op.create_index(
        "uq_theme_examples_pair",
        "theme_examples",
        ["request_id"],
        unique=True,
        sqlite_where=sa.text("source = 'pair'"),
        postgresql_where=sa.text("source = 'pair'"),
    )
    op.create_table(
        "theme_model_runs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("examples_until", sa.Integer(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("guard_accuracy", sa.Float(), nullable=False),
        sa.Column("reference_accuracy", sa.Float(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_model_runs")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_theme_model_runs_fingerprint")),
    )


def downgrade() -> None:
    op.drop_table("theme_model_runs")
    op.drop_index("uq_theme_examples_pair", table_name="theme_examples")
    op.drop_index("uq_theme_examples_correction", table_name="theme_examples")
    op.drop_table("theme_examples")
    with op.batch_alter_table("module_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_proposals_theme"))
        batch_op.drop_column("theme")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_column("theme")
