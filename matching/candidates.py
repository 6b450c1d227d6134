"""Candidate attributes as small integer codes, for vectorised filters and ranking rules.

`MemberCodes` gives each region, organisation type and organisation an integer once, then answers
"same region as me?", "another organisation type than mine?" and "excluded, or of my
organisation?" over a whole array of candidates (a stack's members, the peer candidates) with
array comparisons. The arrays are cached by name: per engine version (`clear`) and, for the base
part of a stack, per build (`clear_base`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from matching.profiles import MemberProfile
from matching.stacks import Stack

__all__ = ["MemberCodes"]


class MemberCodes:
    """Integer codes of members' regions, organisation types and organisations, with caches.

    `profiles` is the engine's live id -> profile mapping (read, never modified).
    """

    def __init__(self, profiles: Mapping[int, MemberProfile]) -> None:
        self._profiles = profiles
        self._codes: dict[str, int] = {}
        self._base_structure: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._structure: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._organizations: dict[str, np.ndarray] = {}

    def clear(self) -> None:
        """Forget the cached arrays of the current version (call after every change)."""
        self._structure.clear()
        self._organizations.clear()

    def clear_base(self) -> None:
        """Forget the cached arrays of the stacks' base parts (call after every build)."""
        self._base_structure.clear()

    def code(self, value: str | None) -> int:
        """The code of a value (-1 for None), assigned on first sight."""
        if value is None:
            return -1
        return self._codes.setdefault(value, len(self._codes))

    def structure(
        self,
        name: str,
        stack: Stack,
        base_members: np.ndarray,
        me: MemberProfile,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(same region as me, other organisation type than me) over the members of `stack`.

        `name` identifies the stack; `base_members` is the member of each group of its base part
        (`RowStore.base_members`), whose codes are computed once per build.
        """
        if name not in self._structure:
            if name not in self._base_structure:  # the stack's base part, once per build
                self._base_structure[name] = self._region_type_codes(base_members)
            regions, types = self._base_structure[name]
            n_base = stack.base_groups.size
            extra = self._region_type_codes(stack.members[n_base:])
            regions = np.concatenate([regions[stack.base_groups], extra[0]])
            types = np.concatenate([types[stack.base_groups], extra[1]])
            self._structure[name] = (regions, types)
        regions, types = self._structure[name]
        same_region = regions == (self.code(me.region) if me.region else -2)
        return same_region, types != self.code(me.organization_type)

    def allowed(
        self,
        candidates: np.ndarray,
        me: MemberProfile,
        exclude: Collection[int],
        exclude_organization: bool,
        cache_key: str | None = None,
    ) -> np.ndarray:
        """Candidates not excluded and not `me`; optionally not of my organisation.

        `cache_key` names a fixed candidate array (a stack's members, the peer candidates) whose
        organisation codes are then computed once per version.
        """
        banned = np.fromiter({*exclude, me.id}, dtype=np.int64)
        keep = ~np.isin(candidates, banned)
        if exclude_organization and me.organization:
            mine = self.code("org:" + me.organization)
            keep &= self._organization_codes(candidates, cache_key) != mine
        return keep

    def _region_type_codes(self, member_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Region and organisation-type codes (-1 for members gone since: never selected)."""
        members = [self._profiles.get(int(i)) for i in member_ids]
        regions = [self.code(p.region) if p else -1 for p in members]
        types = [self.code(p.organization_type) if p else -1 for p in members]
        return np.asarray(regions, dtype=np.int64), np.asarray(types, dtype=np.int64)

    def _organization_codes(self, candidates: np.ndarray, cache_key: str | None) -> np.ndarray:
        """Organisation code of each candidate (cached per version under `cache_key`)."""
        if cache_key is None or cache_key not in self._organizations:
            profiles = self._profiles
            codes = [self.code("org:" + profiles[c].organization) for c in candidates.tolist()]
            array = np.asarray(codes, dtype=np.int64)
            if cache_key is None:
                return array
            self._organizations[cache_key] = array
        return self._organizations[cache_key]
