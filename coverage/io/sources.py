"""The inputs a study names, read in one place: units, the community table, facilities.

`run_study` calls these; each reader validates at the boundary and reports
what it changed or left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from ..categories import CategoryTable
from ..config import LayerInput, Study
from ..errors import InputError
from .community_table import read_community_table
from .dedupe import deduplicate_facilities
from .readers import read_boundaries, read_facilities
from .spatial_checks import overlapping_units, points_outside_area


@dataclass(frozen=True)
class StudyUnits:
    """街道 and 社区 boundaries, the community table and the overlaps found between units."""

    streets: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    community_table: pd.DataFrame
    overlaps: pd.DataFrame


@dataclass(frozen=True)
class StudyFacilities:
    """Every facility source of a study, concatenated and de-duplicated across sources.

    Attributes
    ----------
    facilities
        The facilities used.
    merges
        Duplicates merged across sources.
    not_used
        Rows not read or not classified, with the reason and the file.
    outside
        Facilities beyond the study area and its network buffer (kept: they
        serve residents near the edge; far outside usually means a wrong ``crs``).
    """

    facilities: gpd.GeoDataFrame
    merges: pd.DataFrame
    not_used: pd.DataFrame
    outside: pd.DataFrame


def _layer_options(layer: LayerInput) -> dict[str, Any]:
    return {
        "columns": dict(layer.columns) or None,
        "crs": layer.crs,
        "encoding": layer.encoding,
        "layer": layer.layer,
    }


def read_study_units(study: Study) -> StudyUnits:
    """Read the 街道 and 社区 layers and the community table a study names."""
    crs = study.working_crs
    streets = read_boundaries(
        study.streets.path, level="street", working_crs=crs, **_layer_options(study.streets)
    )
    communities = read_boundaries(
        study.communities.path,
        level="community",
        working_crs=crs,
        **_layer_options(study.communities),
    )
    if study.community_table is not None:
        community_table = read_community_table(
            study.community_table.path,
            columns=dict(study.community_table.columns) or None,
            encoding=study.community_table.encoding,
            sheet=study.community_table.sheet,
        )
    else:
        community_table = pd.DataFrame(index=pd.Index([], name="community_id"))
    overlaps = pd.concat(
        [
            overlapping_units(
                communities, what="社区 (community) boundaries", path=study.communities.path
            ).assign(level="community"),
            overlapping_units(
                streets, what="街道 (street) boundaries", path=study.streets.path
            ).assign(level="street"),
        ],
        ignore_index=True,
    )
    return StudyUnits(streets, communities, community_table, overlaps)


def read_study_facilities(study: Study, table: CategoryTable, area: Any) -> StudyFacilities:
    """All facility sources of ``study``, classified with ``table`` and de-duplicated.

    ``area`` is the study area (the union of the 社区) in the working CRS;
    facilities outside it are kept but reported.
    """
    frames = []
    not_used = []
    outside = []
    for source in study.facilities:
        read = read_facilities(
            source.path,
            kind=source.kind,
            layer=source.layer,
            working_crs=study.working_crs,
            crs=source.crs,
            columns=dict(source.columns) or None,
            categories=table,
            encoding=source.encoding,
            sheet=source.sheet,
        )
        frames.append(read.facilities)
        if len(read.report):
            not_used.append(read.report.assign(file=source.path.name))
        outside.append(
            points_outside_area(
                read.facilities,
                area,
                what="facilities",
                path=source.path,
                buffer_m=study.network.clip_buffer_m,
            ).assign(file=source.path.name)
        )
    facilities = gpd.GeoDataFrame(pd.concat(frames), crs=frames[0].crs)
    duplicated = facilities.index.duplicated()
    if duplicated.any():
        raise InputError(
            "Facility ids repeat across the facility files: "
            f"{sorted(set(facilities.index[duplicated]))[:10]}. Give each file its own id "
            "column or prefix."
        )
    facilities, merges = deduplicate_facilities(facilities)
    return StudyFacilities(
        facilities,
        merges,
        pd.concat(not_used, ignore_index=True) if not_used else pd.DataFrame(),
        pd.concat(outside, ignore_index=True),
    )
