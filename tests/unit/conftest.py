"""The fitted theme model, lexical encoder and featurizer, shared by matching and catalogue tests.

Fitting the theme model on the packaged corpus takes a couple of seconds: it is done once per
test session and the fitted objects are only read afterwards (no test may refit or mutate them).
"""

from __future__ import annotations

import pytest

from matching.features import Featurizer
from matching.lexical import LexicalEncoder, fit_lexical
from matching.scoring import MatchConfig
from matching.themes import ThemeModel, fit_default_model


@pytest.fixture(scope="session")
def theme_model() -> ThemeModel:
    """The default theme model: the corpus minus its guard split."""
    return fit_default_model()


@pytest.fixture(scope="session")
def lexical() -> LexicalEncoder:
    """The lexical encoder with the corpus's inverse document frequencies."""
    return fit_lexical()


@pytest.fixture(scope="session")
def featurizer(theme_model: ThemeModel, lexical: LexicalEncoder) -> Featurizer:
    """The featurizer the service builds with the default configuration."""
    config = MatchConfig()
    return Featurizer(theme_model, lexical, config.theme_weight, config.top_themes)
