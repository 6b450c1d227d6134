"""Who may be proposed, and how candidates are described for the ranking rules.

Every stack of rows carries, per member, three integer codes (`Codes.describe`): region,
organisation type and organisation. The ranking rules and filters then compare whole arrays
(same region as me? another organisation type? my own organisation?) instead of looking
profiles up one by one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from matching.profiles import MemberProfile

__all__ = ["REGION", "TYPE", "Codes"]

REGION, TYPE, ORGANIZATION = 0, 1, 2


class Codes:
    """Integer codes of regions, organisation types and organisations, given on first sight."""

    def __init__(self, profiles: Mapping[int, MemberProfile]) -> None:
        self._profiles = profiles  # the index's live profiles (read only)
        self._codes: dict[str, int] = {}

    def code(self, value: str | None) -> int:
        """The code of a value (-1 for none)."""
        if value is None:
            return -1
        return self._codes.setdefault(value, len(self._codes))

    def describe(self, member_ids: np.ndarray) -> np.ndarray:
        """(n, 3) codes of members: region, organisation type, organisation (-1: unknown)."""
        out = np.full((member_ids.size, 3), -1, dtype=np.int64)
        for i, member_id in enumerate(member_ids.tolist()):
            p = self._profiles.get(member_id)
            if p is not None:
                out[i] = (
                    self.code(p.region),
                    self.code(p.organization_type),
                    self.code("org:" + p.organization) if p.organization else -1,
                )
        return out

    def same_region(self, labels: np.ndarray, me: MemberProfile) -> np.ndarray:
        """Candidates of my region (never when my region is unknown)."""
        return labels[:, REGION] == (self.code(me.region) if me.region else -2)

    def other_type(self, labels: np.ndarray, me: MemberProfile) -> np.ndarray:
        """Candidates of another organisation type than mine (cross-silo)."""
        return labels[:, TYPE] != self.code(me.organization_type)

    def allowed(
        self,
        candidates: np.ndarray,
        labels: np.ndarray,
        me: MemberProfile,
        exclude: Collection[int],
        exclude_organization: bool,
    ) -> np.ndarray:
        """Candidates other than `me`, not excluded, optionally not of my organisation."""
        banned = np.fromiter({*exclude, me.id}, dtype=np.int64)
        keep = ~np.isin(candidates, banned)
        if exclude_organization and me.organization:
            keep &= labels[:, ORGANIZATION] != self.code("org:" + me.organization)
        return keep
