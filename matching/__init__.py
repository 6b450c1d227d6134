"""Passerelle's matching engine: pure numpy / scipy / scikit-learn, no web, no database.

`MatchEngine` ranks coaches and peers for a member's needs with French reasons;
`SparseCosineIndex` is the exact top-k primitive; `assign_optimal` assigns a cohort to coaches
under capacities; `cluster_needs` groups needs into demand themes with stable ids.
"""

from matching.assignment import AssignmentResult, assign_greedy, assign_optimal
from matching.clustering import Cluster, ClusteringResult, PreviousCluster, cluster_needs
from matching.engine import MatchConfig, MatchEngine
from matching.errors import InvalidInputError, MatchingError, NotFittedError, UnknownMemberError
from matching.index import SparseCosineIndex
from matching.profiles import Match, MemberProfile, Need
from matching.text import FrenchNormalizer, analyze, normalize

__all__ = [
    "AssignmentResult",
    "Cluster",
    "ClusteringResult",
    "FrenchNormalizer",
    "InvalidInputError",
    "Match",
    "MatchConfig",
    "MatchEngine",
    "MatchingError",
    "MemberProfile",
    "Need",
    "NotFittedError",
    "PreviousCluster",
    "SparseCosineIndex",
    "UnknownMemberError",
    "analyze",
    "assign_greedy",
    "assign_optimal",
    "cluster_needs",
    "normalize",
]
