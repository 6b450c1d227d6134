"""The profile read cache: bounded, forgets on change, never stores a read that raced a change."""

from __future__ import annotations

from datetime import UTC, datetime

from service.members.read_cache import MemberReadCache
from service.members.reads import as_seen_by
from service.members.schemas import MemberRead

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def profile(member_id: int, bio: str = "") -> MemberRead:
    return MemberRead(
        id=member_id,
        email=f"m{member_id}@exemple.fr",
        display_name=f"Membre {member_id}",
        role="member",
        job_title="",
        organization="",
        organization_type="commune",
        region=None,
        department=None,
        network_level="national",
        bio=bio,
        offers=[],
        needs=[],
        topics=[],
        capacity=0,
        tools=[],
        consent=True,
        consent_at=NOW,
        consent_version="v1",
        paused=False,
        exclude_own_organization=False,
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )


def test_a_read_is_served_until_its_member_changes() -> None:
    cache = MemberReadCache()
    cache.put(profile(1), cache.epoch)
    assert cache.get(1) == profile(1)
    cache.forget({1})
    assert cache.get(1) is None
    cache.put(profile(1, "nouvelle bio"), cache.epoch)
    assert cache.get(1) == profile(1, "nouvelle bio")


def test_a_read_that_started_before_a_change_is_not_stored() -> None:
    cache = MemberReadCache()
    epoch = cache.epoch  # a request starts reading member 1 from the database
    cache.forget({1})  # meanwhile the change log says member 1 changed
    cache.put(profile(1, "ancienne bio"), epoch)
    assert cache.get(1) is None
    cache.put(profile(2), epoch)  # another member is unaffected
    assert cache.get(2) is not None


def test_forgetting_everyone_refuses_every_older_read() -> None:
    cache = MemberReadCache()
    cache.put(profile(1), cache.epoch)
    epoch = cache.epoch
    cache.forget(None)
    assert cache.get(1) is None
    cache.put(profile(2), epoch)
    assert cache.get(2) is None


def test_the_least_recently_used_profile_goes_first() -> None:
    cache = MemberReadCache(capacity=2)
    cache.put(profile(1), cache.epoch)
    cache.put(profile(2), cache.epoch)
    cache.get(1)
    cache.put(profile(3), cache.epoch)
    assert cache.get(2) is None and cache.get(1) is not None and cache.get(3) is not None


def test_the_email_and_need_texts_are_hidden_from_other_members() -> None:
    hidden = as_seen_by(profile(1), manages=False)
    assert hidden.email is None and hidden.needs is None
    shown = as_seen_by(profile(1), manages=True)
    assert shown.email == "m1@exemple.fr" and shown.needs == profile(1).needs
