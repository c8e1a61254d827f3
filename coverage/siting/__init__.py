"""Siting: where new facilities would close the gaps.

On arrays: `coverage_matrix` (candidates x demand within a walk), the problems
(`problems`: maximal coverage and set cover; `per_group`: at least one per
街道; `capacitated`), solved with HiGHS after exact reductions (`model`) with a
greedy fallback that reports its bound (`greedy`), results in `result`;
`candidates` proposes sites. For a study: `proposals`.
"""

from .candidates import CandidateSet as CandidateSet
from .candidates import kmeans_candidates as kmeans_candidates
from .candidates import merge_candidates as merge_candidates
from .candidates import thin_points as thin_points
from .capacitated import capacitated_coverage as capacitated_coverage
from .coverage_matrix import CoverageMatrix as CoverageMatrix
from .coverage_matrix import coverage_matrix as coverage_matrix
from .model import SolverOptions as SolverOptions
from .per_group import per_group_minimum as per_group_minimum
from .problems import max_coverage as max_coverage
from .problems import set_cover as set_cover
from .proposals import PROBLEMS as PROBLEMS
from .proposals import SiteOptions as SiteOptions
from .proposals import SiteSuggestion as SiteSuggestion
from .proposals import streets_without as streets_without
from .proposals import suggest_sites as suggest_sites
from .proposals import with_new_facilities as with_new_facilities
from .result import SitingResult as SitingResult

__all__ = [
    "PROBLEMS",
    "CandidateSet",
    "CoverageMatrix",
    "SiteOptions",
    "SiteSuggestion",
    "SitingResult",
    "SolverOptions",
    "capacitated_coverage",
    "coverage_matrix",
    "kmeans_candidates",
    "max_coverage",
    "merge_candidates",
    "per_group_minimum",
    "set_cover",
    "streets_without",
    "suggest_sites",
    "thin_points",
    "with_new_facilities",
]
