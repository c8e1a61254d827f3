"""The whole study in one call: read, build the network, place residents, measure, evaluate.

``run_study`` is what the CLI's ``analyze``/``demo`` and the notebooks call;
it holds the order of the steps, not their logic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from .config import Study

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyResult:
    """Everything a study produced, in the working CRS.

    Attributes
    ----------
    study
        The study configuration.
    streets, communities
        街道 and 社区 boundaries (see docs/design.md for columns).
    community_table
        Households, residents and floor areas per 社区, indexed by community_id.
    facilities
        All facilities read, classified into categories.
    residents
        Resident points (demand) with ``population``, ``aged_60_plus``,
        ``aged_0_3``, ``community_id`` and ``street_id``.
    distances
        Walking distance in metres from each resident point (rows, aligned to
        ``residents``) to the nearest facility of each category (columns are
        category keys); ``inf`` when there is none within reach.
    nearest
        The id of that nearest facility (same shape; missing when none).
    rule_results
        The tidy rule table (columns ``_names.RESULT_COLUMNS``).
    log
        What the run did that a planner must know: conversions, repairs,
        dropped or unplaced records, each as one line.
    """

    study: Study
    streets: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    community_table: pd.DataFrame
    facilities: gpd.GeoDataFrame
    residents: gpd.GeoDataFrame
    distances: pd.DataFrame
    nearest: pd.DataFrame
    rule_results: pd.DataFrame
    log: tuple[str, ...]
