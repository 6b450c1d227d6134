"""integrity: one blocking request per pair, ids never reused, peer exchange, searchable names

- `uq_match_requests_blocking_pair`: a unique partial index on the (smaller, larger) member
  ids of a request (generated columns `pair_low`, `pair_high`) while it is proposed,
  info_requested, accepted or declined, so that two concurrent requests between the same two
  members cannot both be created. Duplicates left by the race this closes are resolved
  first: per pair the accepted request is kept (else the oldest pending, else the oldest
  declined); other pending or declined duplicates become `withdrawn`, other accepted
  duplicates `closed` (outcome `cancelled`).
- SQLite: `accounts`, `members` and `api_tokens` are rebuilt with AUTOINCREMENT so that the id
  of a deleted row is never given again (the migration runner turns foreign keys off while
  tables are rebuilt, and checks them afterwards).
- `members.peer_exchange` (open to peer exchange, default true) and `members.search_name`
  (the display name with accents and case folded, for search on every database).
- `ix_index_changes_changed_at`: the change log is read and pruned by time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.reference import search_key

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BLOCKING = ("proposed", "info_requested", "accepted", "declined")
KEEP_FIRST = {"accepted": 0, "proposed": 1, "info_requested": 1, "declined": 2}
PAIR_INDEX = "uq_match_requests_blocking_pair"
PAIR_LOW_SQL = "CASE WHEN mentee_id < coach_id THEN mentee_id ELSE coach_id END"
PAIR_HIGH_SQL = "CASE WHEN mentee_id < coach_id THEN coach_id ELSE mentee_id END"
REBUILT_ON_SQLITE = ("accounts", "members", "api_tokens")

requests = sa.table(
    "match_requests",
    sa.column("id", sa.Integer),
    sa.column("mentee_id", sa.Integer),
    sa.column("coach_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("outcome", sa.String),
    sa.column("closed_at", sa.DateTime(timezone=True)),
)
members = sa.table(
    "members",
    sa.column("id", sa.Integer),
    sa.column("display_name", sa.String),
    sa.column("search_name", sa.String),
)


def _resolve_duplicate_pairs() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(requests.c.id, requests.c.mentee_id, requests.c.coach_id, requests.c.status)
        .where(requests.c.status.in_(BLOCKING))
        .order_by(requests.c.id)
    ).all()
    pairs: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for request_id, mentee, coach, status in rows:
        pairs.setdefault((min(mentee, coach), max(mentee, coach)), []).append((request_id, status))
    for found in pairs.values():
        if len(found) < 2:
            continue
        found.sort(key=lambda item: (KEEP_FIRST[item[1]], item[0]))
        for request_id, status in found[1:]:
            if status == "accepted":
                values = {"status": "closed", "outcome": "cancelled", "closed_at": sa.func.now()}
            else:
                values = {"status": "withdrawn"}
            bind.execute(sa.update(requests).where(requests.c.id == request_id).values(**values))


def _fill_search_names() -> None:
    bind = op.get_bind()
    for member_id, name in bind.execute(sa.select(members.c.id, members.c.display_name)).all():
        bind.execute(
            sa.update(members)
            .where(members.c.id == member_id)
            .values(search_name=search_key(name or ""))
        )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_name", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("peer_exchange", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    _fill_search_names()

    if sqlite:
        for table in REBUILT_ON_SQLITE:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass

    with op.batch_alter_table("index_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_index_changes_changed_at"), ["changed_at"], unique=False
        )

    _resolve_duplicate_pairs()
    with op.batch_alter_table(
        "match_requests", recreate="always" if sqlite else "auto"
    ) as batch_op:
        for name, expression in (("pair_low", PAIR_LOW_SQL), ("pair_high", PAIR_HIGH_SQL)):
            batch_op.add_column(
                sa.Column(
                    name,
                    sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                    sa.Computed(expression, persisted=True),
                    nullable=True,
                )
            )
    blocking = sa.column("status").in_(BLOCKING)
    op.create_index(
        PAIR_INDEX,
        "match_requests",
        ["pair_low", "pair_high"],
        unique=True,
        sqlite_where=blocking,
        postgresql_where=blocking,
    )


def downgrade() -> None:
    op.drop_index(PAIR_INDEX, table_name="match_requests")
    with op.batch_alter_table("match_requests", schema=None) as batch_op:
        batch_op.drop_column("pair_high")
        batch_op.drop_column("pair_low")
    with op.batch_alter_table("index_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_index_changes_changed_at"))
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("peer_exchange")
        batch_op.drop_column("search_name")
