"""library of tool sheets (full-text search per database), their history, interest in proposals

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00

Full-text search is each database's own (see `service.practices.search`):

- PostgreSQL: the `unaccent` extension (a trusted extension: the database owner may create it),
  a text search configuration `passerelle_fr` (French stemming after accents are removed), a
  stored generated `search_vector` column (title A, summary B, the rest C) and its GIN index;
- SQLite: an FTS5 table `practices_fts` (rowid = practice id) holding the analysed text
  (folded, French Snowball stems), written by the service in the transaction of every save.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PG_VECTOR = (
    "setweight(to_tsvector('passerelle_fr'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('passerelle_fr'::regconfig, coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('passerelle_fr'::regconfig, coalesce(search_body, '')), 'C')"
)


def upgrade() -> None:
    op.create_table(
        "practices",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("when_to_use", sa.Text(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("group_size", sa.String(length=60), nullable=False),
        sa.Column("materials", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("licence", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("credit", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=300), nullable=True),
        sa.Column("lesson_id", ID, nullable=True),
        sa.Column("search_body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_practices_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_practices_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practices")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_practices_lesson_id")),
        sa.UniqueConstraint("source_key", name=op.f("uq_practices_source_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_practices_status"), "practices", ["status"], unique=False)
    op.create_index(op.f("ix_practices_author_id"), "practices", ["author_id"], unique=False)
    op.create_table(
        "practice_revisions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("practice_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("author_label", sa.String(length=120), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_revisions_practice_id_practices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_practice_revisions_author_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["members.id"],
            name=op.f("fk_practice_revisions_decided_by_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_revisions")),
    )
    op.create_index(
        op.f("ix_practice_revisions_practice_id"),
        "practice_revisions",
        ["practice_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_practice_revisions_status"), "practice_revisions", ["status"], unique=False
    )
    op.create_index(
        "uq_practice_revisions_version",
        "practice_revisions",
        ["practice_id", "version"],
        unique=True,
    )
    op.create_table(
        "proposal_interests",
        sa.Column("proposal_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["module_proposals.id"],
            name=op.f("fk_proposal_interests_proposal_id_module_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_proposal_interests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", "member_id", name=op.f("pk_proposal_interests")),
    )
    op.create_index(
        op.f("ix_proposal_interests_member_id"), "proposal_interests", ["member_id"], unique=False
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(
            "DO $$ BEGIN "
            "IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'passerelle_fr') THEN "
            "CREATE TEXT SEARCH CONFIGURATION passerelle_fr (COPY = french); "
            "ALTER TEXT SEARCH CONFIGURATION passerelle_fr ALTER MAPPING "
            "FOR hword, hword_part, word WITH unaccent, french_stem; "
            "END IF; END $$"
        )
        op.execute(
            f"ALTER TABLE practices ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_practices_search_vector ON practices USING gin (search_vector)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE practices_fts USING fts5("
            "title, summary, body, tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_practices_search_vector")
    else:
        op.execute("DROP TABLE IF EXISTS practices_fts")
    op.drop_table("proposal_interests")
    op.drop_table("practice_revisions")
    op.drop_table("practices")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS passerelle_fr")
