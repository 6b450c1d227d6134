"""Passerelle's matching: pure numpy / scipy / scikit-learn, no web, no database.

`ThemeModel` reads what a French text is about (a probability per theme of the taxonomy);
`Featurizer` turns needs and offers into rows of meaning and words; `MemberIndex` answers mentor,
peer, suggestion and cohort queries with French reasons; `group_needs` groups needs into demand
themes with stable ids; `assign_optimal` assigns a cohort to coaches under capacities.
"""

from matching.assignment import AssignmentResult, assign_greedy, assign_optimal
from matching.demand import DemandGroup, DemandResult, PreviousGroup, group_needs
from matching.errors import InvalidInputError, MatchingError, NotFittedError, UnknownMemberError
from matching.features import Featurizer, RowText
from matching.index import MemberIndex
from matching.lexical import LexicalEncoder, fit_lexical
from matching.profiles import Match, MemberProfile, Need
from matching.scoring import MatchConfig
from matching.taxonomy import OFF_TOPIC, Example, Taxonomy, Theme, load_corpus, load_taxonomy
from matching.text import analyze, normalize
from matching.themes import ThemeModel, ThemeReading, fit_default_model

__all__ = [
    "OFF_TOPIC",
    "AssignmentResult",
    "DemandGroup",
    "DemandResult",
    "Example",
    "Featurizer",
    "InvalidInputError",
    "LexicalEncoder",
    "Match",
    "MatchConfig",
    "MatchingError",
    "MemberIndex",
    "MemberProfile",
    "Need",
    "NotFittedError",
    "PreviousGroup",
    "RowText",
    "Taxonomy",
    "Theme",
    "ThemeModel",
    "ThemeReading",
    "UnknownMemberError",
    "analyze",
    "assign_greedy",
    "assign_optimal",
    "fit_default_model",
    "fit_lexical",
    "group_needs",
    "load_corpus",
    "load_taxonomy",
    "normalize",
]
