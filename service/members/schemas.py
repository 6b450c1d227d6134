"""Member and need schemas: the JSON field names are the API contract."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from service.accounts.emails import normalize_email
from service.reference import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    NeedStatus,
    NetworkLevel,
    OrganizationType,
    Role,
    Tool,
    normalize_region,
)

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters: refuse them everywhere

Email = Annotated[
    str,
    Meta(
        max_length=320,
        pattern=NO_NUL,
        description="An e-mail address: normalised (NFKC, invisible characters removed, lower "
        "case), then a-z, digits and . _ + - before @ and a domain name (see the README)",
    ),
]


def clean_email(value: str) -> str:
    """The normalised address, or ValueError naming `email` (for `__post_init__`)."""
    try:
        return normalize_email(value)
    except ValueError as exc:
        raise ValueError(f"email: {exc}") from None


DisplayName = Annotated[str, Meta(min_length=1, max_length=120, pattern=NO_NUL)]
ShortText = Annotated[str, Meta(max_length=200, pattern=NO_NUL)]
Bio = Annotated[str, Meta(max_length=2000, pattern=NO_NUL)]
ItemText = Annotated[str, Meta(min_length=1, max_length=500, pattern=NO_NUL)]
ItemList = Annotated[list[ItemText], Meta(max_length=10)]
Topic = Annotated[str, Meta(min_length=1, max_length=60, pattern=NO_NUL)]
TopicList = Annotated[list[Topic], Meta(max_length=20)]
ToolList = Annotated[list[Tool], Meta(max_length=4)]
Capacity = Annotated[int, Meta(ge=CAPACITY_MIN, le=CAPACITY_MAX)]
Department = Annotated[str, Meta(pattern=r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")]


Phone = Annotated[
    str,
    Meta(
        max_length=32,
        pattern=NO_NUL,
        description="A French phone number (10 digits, or +33 / 0033 and 9 digits; spaces, dots "
        "and hyphens allowed), stored as 10 digits; empty to remove it",
    ),
]
_PHONE_SEPARATORS = re.compile(r"[\s.\-()\u00a0]")
_NATIONAL = re.compile(r"^0[1-9][0-9]{8}$")
_INTERNATIONAL = re.compile(r"^(?:\+|00)(?:33|262|269|590|594|596)([1-9][0-9]{8})$")


def clean_phone(value: str | None) -> str | None:
    """A French number as its 10 digits (`0612345678`), None when empty; ValueError naming
    `phone` otherwise (overseas numbers through +262, +269, +590, +594, +596 too)."""
    if value is None:
        return None
    compact = _PHONE_SEPARATORS.sub("", value)
    if not compact:
        return None
    if _NATIONAL.match(compact):
        return compact
    international = _INTERNATIONAL.match(compact)
    if international:
        return "0" + international.group(1)
    raise ValueError("phone: not a French phone number (10 digits, e.g. 06 12 34 56 78)")


def _clean_region(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalize_region(value)
    except ValueError as exc:
        raise ValueError(f"region: {exc}") from None


def _clean_items(items: list[str], field: str) -> list[str]:
    cleaned = [item.strip() for item in items]
    if any(not item for item in cleaned):
        raise ValueError(f"{field}: items may not be blank")
    return list(dict.fromkeys(cleaned))


class MemberCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new member profile (animator creation and bulk import)."""

    email: Email
    display_name: DisplayName
    role: Role = "member"
    job_title: ShortText = ""
    organization: ShortText = ""
    organization_type: OrganizationType = "autre"
    region: str | None = None
    department: Department | None = None
    network_level: NetworkLevel = "national"
    bio: Bio = ""
    offers: ItemList = msgspec.field(default_factory=list)
    needs: ItemList = msgspec.field(default_factory=list)
    topics: TopicList = msgspec.field(default_factory=list)
    capacity: Capacity = 0
    tools: ToolList = msgspec.field(default_factory=list)
    consent: bool = False
    peer_exchange: bool = True

    def __post_init__(self) -> None:
        self.email = clean_email(self.email)
        self.display_name = self.display_name.strip()
        if not self.display_name:
            raise ValueError("display_name: may not be blank")
        self.region = _clean_region(self.region)
        self.offers = _clean_items(self.offers, "offers")
        self.needs = _clean_items(self.needs, "needs")
        self.topics = _clean_items(self.topics, "topics")
        self.tools = list(dict.fromkeys(self.tools))


class MemberUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial update: only the fields present change. `needs` replaces the open needs."""

    display_name: DisplayName | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    job_title: ShortText | UnsetType = UNSET
    organization: ShortText | UnsetType = UNSET
    organization_type: OrganizationType | UnsetType = UNSET
    region: str | UnsetType | None = UNSET
    department: Department | UnsetType | None = UNSET
    phone: Phone | UnsetType | None = UNSET
    network_level: NetworkLevel | UnsetType = UNSET
    bio: Bio | UnsetType = UNSET
    offers: ItemList | UnsetType = UNSET
    needs: ItemList | UnsetType = UNSET
    topics: TopicList | UnsetType = UNSET
    capacity: Capacity | UnsetType = UNSET
    tools: ToolList | UnsetType = UNSET
    consent: bool | UnsetType = UNSET
    paused: bool | UnsetType = UNSET
    exclude_own_organization: bool | UnsetType = UNSET
    peer_exchange: bool | UnsetType = UNSET
    notifications: bool | UnsetType = UNSET
    version: Annotated[int, Meta(ge=1, le=2**31 - 1)] | UnsetType = UNSET

    def __post_init__(self) -> None:
        if isinstance(self.display_name, str):
            self.display_name = self.display_name.strip()
            if not self.display_name:
                raise ValueError("display_name: may not be blank")
        if not isinstance(self.region, UnsetType):
            self.region = _clean_region(self.region)
        if not isinstance(self.phone, UnsetType):
            self.phone = clean_phone(self.phone)
        for field in ("offers", "needs", "topics"):
            value = getattr(self, field)
            if isinstance(value, list):
                setattr(self, field, _clean_items(value, field))
        if isinstance(self.tools, list):
            self.tools = list(dict.fromkeys(self.tools))

    def changes(self) -> dict[str, object]:
        """The fields that were given, by name (without `version`)."""
        return {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if name != "version" and getattr(self, name) is not UNSET
        }


class MemberRead(msgspec.Struct, kw_only=True):
    """A profile as returned by the API. `email`, `phone` and `needs` are null when the caller
    may not see them (anyone but the member themself and animators: see docs/permissions.md;
    the two members of an accepted pair see each other's phone in the request's `contact`).

    `peer_exchange`: open to peer exchange (requests of kind `peer`), whatever the coaching
    `capacity`.
    """

    id: int
    email: str | None
    display_name: str
    role: Role
    job_title: str
    organization: str
    organization_type: OrganizationType
    region: str | None
    department: str | None
    phone: str | None = None
    network_level: NetworkLevel
    bio: str
    offers: list[str]
    needs: list[str] | None
    topics: list[str]
    capacity: int
    tools: list[Tool]
    consent: bool
    consent_at: datetime | None = None
    consent_version: str | None = None
    paused: bool
    exclude_own_organization: bool
    peer_exchange: bool = True
    notifications: bool = True
    """E-mail notifications of requests and messages (invitations are always sent)."""
    created_at: datetime
    updated_at: datetime
    version: int


class NeedCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new need, in the member's own words."""

    text: ItemText

    def __post_init__(self) -> None:
        self.text = self.text.strip()
        if not self.text:
            raise ValueError("text: may not be blank")


class NeedUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A status change (`open`, `met`, `withdrawn`), and optionally new wording."""

    status: NeedStatus | UnsetType = UNSET
    text: ItemText | UnsetType = UNSET


class NeedRead(msgspec.Struct, kw_only=True):
    """One need with its status history."""

    id: int
    member_id: int
    text: str
    status: NeedStatus
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime


class InvitationRead(msgspec.Struct, kw_only=True):
    """A single-use invitation token to give to the member (shown once)."""

    member_id: int
    token: str
    expires_at: datetime


class InvitationSent(msgspec.Struct, kw_only=True):
    """An invitation queued by e-mail (the link travels only in the e-mail)."""

    member_id: int
    email: str
    expires_at: datetime
