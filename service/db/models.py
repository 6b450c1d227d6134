"""SQLAlchemy 2 models. The schema itself is created by Alembic migrations, never `create_all`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
    func,
    true,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from service.reference import search_key

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

IdType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """Timezone-aware current time, the only clock the models use."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    """`created_at` and `updated_at`, set by the application in UTC."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
"""SQLite reuses the largest id after a delete unless the table says AUTOINCREMENT; an id that
comes back could let a cached token of a deleted account act as the next person."""


class Account(Timestamped, Base):
    """Who signs in: email, argon2 password hash (none until an invitation is used), role."""

    __tablename__ = "accounts"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    member: Mapped[Member] = relationship(back_populates="account", uselist=False)


def _search_name_default(context: ExecutionContext) -> str:
    """`search_name` for rows inserted with Core statements (bulk imports)."""
    return search_key(str(context.get_current_parameters().get("display_name") or ""))


class Member(Timestamped, Base):
    """A member's profile: one per account.

    `version` is SQLAlchemy's version counter: every ORM UPDATE of a profile says
    `WHERE version = <the version read>` and raises `StaleDataError` when another write got
    there first, so two saves of the same version cannot both succeed. `search_name` is the
    display name as searched (accents and case folded), kept by `display_name`'s validator.
    """

    __tablename__ = "members"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    display_name: Mapped[str] = mapped_column(String(120), index=True)
    search_name: Mapped[str] = mapped_column(
        String(120), default=_search_name_default, server_default=""
    )
    job_title: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str] = mapped_column(String(200), default="")
    organization_type: Mapped[str] = mapped_column(String(32), default="autre")
    region: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    department: Mapped[str | None] = mapped_column(String(3), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(10), nullable=True)
    """A French number, 10 digits (`0612345678`), shown only to the member's accepted pairs."""
    network_level: Mapped[str] = mapped_column(String(16), default="national")
    bio: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    tools: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    consent_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    exclude_own_organization: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    peer_exchange: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """E-mail notifications wanted (invitations and password mails are sent regardless)."""

    account: Mapped[Account] = relationship(back_populates="member", lazy="joined")
    needs: Mapped[list[Need]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="Need.id"
    )
    offers: Mapped[list[Offer]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="Offer.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("display_name")
    def _keep_search_name(self, _: str, value: str) -> str:
        self.search_name = search_key(value)
        return value


class Need(Timestamped, Base):
    """One need of a member, with its own status history."""

    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    status_changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, server_default=func.now()
    )
    theme: Mapped[str | None] = mapped_column(String(48), nullable=True)
    """The theme an animator set for this need (None: the theme model decides)."""

    member: Mapped[Member] = relationship(back_populates="needs")


class Offer(Timestamped, Base):
    """One thing a member can bring, kept in the order they wrote them."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0)

    member: Mapped[Member] = relationship(back_populates="offers")


class ApiToken(Base):
    """A bearer token or a single-use invitation, stored as a SHA-256 hash only."""

    __tablename__ = "api_tokens"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    kind: Mapped[str] = mapped_column(String(16), default="access")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


PAIR_LOW_SQL = "CASE WHEN mentee_id < coach_id THEN mentee_id ELSE coach_id END"
PAIR_HIGH_SQL = "CASE WHEN mentee_id < coach_id THEN coach_id ELSE mentee_id END"
"""The two members of a request, smaller id first: the pair whatever its direction."""


class MatchRequest(Timestamped, Base):
    """A request to be accompanied (`mentor`) or to work together (`peer`).

    `mentee_id` asked; `coach_id` answers (a coach, or the other member for a peer request).
    Status: proposed -> info_requested -> proposed ... -> accepted | declined; accepted -> closed.
    """

    __tablename__ = "match_requests"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8), default="mentor")
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("needs.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[float | None] = mapped_column(nullable=True)
    created_by: Mapped[str] = mapped_column(String(16), default="member")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    mentee_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    coach_rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pair_low: Mapped[int] = mapped_column(
        IdType, Computed(PAIR_LOW_SQL, persisted=True), nullable=True
    )
    pair_high: Mapped[int] = mapped_column(
        IdType, Computed(PAIR_HIGH_SQL, persisted=True), nullable=True
    )


BLOCKING_STATUSES = ("proposed", "info_requested", "accepted", "declined")
"""A request in one of these states blocks a new request between the same two members (in
either direction); withdrawn and closed requests do not."""

_blocking = MatchRequest.status.in_(BLOCKING_STATUSES)
Index(
    "uq_match_requests_blocking_pair",
    MatchRequest.pair_low,
    MatchRequest.pair_high,
    unique=True,
    sqlite_where=_blocking,
    postgresql_where=_blocking,
)


class Lesson(Base):
    """A lesson learned when a pair closed; shared with the community only if its author agreed."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_requests.id", ondelete="SET NULL"), nullable=True, index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    need_text: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PairMessage(Base):
    """A message between the two members of a request (written while the pair is accepted)."""

    __tablename__ = "pair_messages"
    __table_args__ = (Index("ix_pair_messages_request_id_id", "request_id", "id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("match_requests.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CoachOffer(Base):
    """« Proposer un accompagnement »: a coach offers to accompany a member, who may accept it
    (it becomes an accepted request, within the coach's capacity) or decline it.

    At most one open offer per coach and member: a unique partial index.
    """

    __tablename__ = "coach_offers"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("needs.id", ondelete="SET NULL"), nullable=True
    )
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_requests.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


_open_offer = CoachOffer.status == "open"
Index(
    "uq_coach_offers_open_pair",
    CoachOffer.coach_id,
    CoachOffer.member_id,
    unique=True,
    sqlite_where=_open_offer,
    postgresql_where=_open_offer,
)


class IndexChange(Base):
    """Change log of matchable data: every worker replays it to keep its in-memory index fresh.

    The highest `seq` is the index version recorded in the database.
    """

    __tablename__ = "index_changes"

    seq: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(IdType, index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class TrainingModule(Timestamped, Base):
    """A training module of the catalogue (validated by `catalogue.modules.Module`)."""

    __tablename__ = "training_modules"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(Text)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    format: Mapped[str] = mapped_column(String(16))
    duration_hours: Mapped[float] = mapped_column(Float)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    source: Mapped[str] = mapped_column(String(16), default="catalogue")
    next_session: Mapped[date | None] = mapped_column(Date, nullable=True)


class ModuleInterest(Base):
    """A member's « Ça m'intéresse » on a training module.

    The primary key makes it once per member and module, whatever arrives at the same time.
    """

    __tablename__ = "module_interests"

    module_id: Mapped[str] = mapped_column(
        ForeignKey("training_modules.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FollowedModule(Base):
    """A module a member has followed (left out of their recommendations)."""

    __tablename__ = "followed_modules"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[str] = mapped_column(
        ForeignKey("training_modules.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DemandRun(Base):
    """One clustering of the community's open needs, kept so cluster ids stay stable."""

    __tablename__ = "demand_runs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data_version: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)


class ModuleProposal(Timestamped, Base):
    """A module the incubator proposes for an uncovered demand cluster."""

    __tablename__ = "module_proposals"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    cluster_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    format: Mapped[str] = mapped_column(String(16))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    demand: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    contributors: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    module_id: Mapped[str | None] = mapped_column(
        ForeignKey("training_modules.id", ondelete="SET NULL"), nullable=True
    )
    theme: Mapped[str | None] = mapped_column(String(48), nullable=True, index=True)


class ThemeExample(Base):
    """A sentence the community taught the theme model: a corrected need, or a good pair's need.

    The text is a member's need: erasing the member (or the need) erases the example.

    At most one example per need corrected (`source` "correction") and per closed pair
    (`source` "pair"): unique partial indexes, so concurrent requests cannot add two.
    """

    __tablename__ = "theme_examples"
    __table_args__ = (
        Index(
            "uq_theme_examples_correction",
            "need_id",
            unique=True,
            sqlite_where=sql_text("source = 'correction'"),
            postgresql_where=sql_text("source = 'correction'"),
        ),
        Index(
            "uq_theme_examples_pair",
            "request_id",
            unique=True,
            sqlite_where=sql_text("source = 'pair'"),
            postgresql_where=sql_text("source = 'pair'"),
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(String(500))
    theme: Mapped[str] = mapped_column(String(48))
    source: Mapped[str] = mapped_column(String(16))
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), nullable=True
    )
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_requests.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ThemeModelRun(Base):
    """One decision on a refit of the theme model, taken once for every worker.

    The examples up to `examples_until` were added to the corpus; the refitted model was kept
    (`accepted`) only if its accuracy on the corpus's guard split was not worse than the model
    in use (`reference_accuracy`). `fingerprint` (of those examples) is unique: the first
    worker to evaluate a set of examples records the decision, the others follow it.
    """

    __tablename__ = "theme_model_runs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(32), unique=True)
    examples_until: Mapped[int] = mapped_column(Integer)
    examples: Mapped[int] = mapped_column(Integer)
    guard_accuracy: Mapped[float] = mapped_column(Float)
    reference_accuracy: Mapped[float] = mapped_column(Float)
    accepted: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Practice(Timestamped, Base):
    """A tool sheet (« fiche outil ») of the community's library.

    `version` is SQLAlchemy's version counter: an edit names the version it read, and of two
    edits of the same version exactly one is saved. `search_body` is the text searched besides
    the title and summary (when to use, steps, materials), written with every save; each
    database indexes it with its own full-text engine (`service.practices.search`).
    `source_key` identifies a sheet brought in by an import (re-importing updates it);
    `lesson_id` the shared lesson it was written from (at most one sheet per lesson).
    """

    __tablename__ = "practices"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    when_to_use: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    group_size: Mapped[str] = mapped_column(String(60), default="")
    materials: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    licence: Mapped[str] = mapped_column(String(80), default="CC BY-SA 4.0")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    credit: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(16), default="written")
    source_key: Mapped[str | None] = mapped_column(String(300), nullable=True, unique=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    search_body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class PracticeRevision(Base):
    """One change to a sheet: an edit applied at once (`applied`), or a suggestion waiting for
    the author or an animator (`pending` -> `accepted` | `rejected`).

    `changes` is `{field: [before, after]}` for applied ones, `proposed` the fields a suggestion
    would set. `version` is the sheet's version the change produced (unique per sheet), null
    while a suggestion waits or when it was rejected.
    """

    __tablename__ = "practice_revisions"
    __table_args__ = (
        Index("uq_practice_revisions_version", "practice_id", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="applied", index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    author_label: Mapped[str] = mapped_column(String(120), default="")
    base_version: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str] = mapped_column(String(500), default="")
    changes: Mapped[dict[str, list[object]]] = mapped_column(JSON, default=dict)
    proposed: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )


class ProposalInterest(Base):
    """A member's « Ça m'intéresse » on an incubator proposal, with an optional comment.

    The primary key makes it once per member and proposal, whatever arrives at the same time.
    """

    __tablename__ = "proposal_interests"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("module_proposals.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MailOutbox(Base):
    """An e-mail to send, written in the transaction of the event it tells about.

    A background worker (`service.mail.worker`) sends it after the commit: a row is claimed
    by a conditional UPDATE (`next_attempt_at` pushed forward, `attempts` + 1) before sending,
    marked `sent_at` after; a failure sets the next attempt with exponential back-off.
    `dedup_key` is unique: the same event never queues the same mail twice.
    `next_attempt_at` null and `sent_at` null: given up (see `last_error`).
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, default=utcnow
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class StaleReminder(Base):
    """The reminder about a request left unanswered was queued: once per request (primary key)."""

    __tablename__ = "stale_reminders"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("match_requests.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
