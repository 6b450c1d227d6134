"""Training catalogue and incubator. May import `matching`; never `service`."""

from catalogue.errors import (
    CatalogueError,
    CatalogueLoadError,
    InvalidModuleError,
    InvalidProposalError,
)
from catalogue.incubator import (
    CoachOffer,
    Contributor,
    Coverage,
    DemandNeed,
    Proposal,
    assess_coverage,
    contributors,
    module_from_proposal,
    propose_modules,
)
from catalogue.modules import Module, load_catalogue, module_from_dict, module_to_dict
from catalogue.recommend import ModuleRecommender, Recommendation, audience_for

__all__ = [
    "CatalogueError",
    "CatalogueLoadError",
    "CoachOffer",
    "Contributor",
    "Coverage",
    "DemandNeed",
    "InvalidModuleError",
    "InvalidProposalError",
    "Module",
    "ModuleRecommender",
    "Proposal",
    "Recommendation",
    "assess_coverage",
    "audience_for",
    "contributors",
    "load_catalogue",
    "module_from_dict",
    "module_from_proposal",
    "module_to_dict",
    "propose_modules",
]
