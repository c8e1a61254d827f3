"""The inputs a study names, read in one place: units, the community table, facilities.

Units are the 街道 (with the 乡镇 of ``[inputs.townships]`` appended), the 社区,
and when the study declares them the 行政村, the 生活圈 and the indicator table.

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
from .indicators import read_indicators
from .readers import read_boundaries, read_facilities
from .spatial_checks import overlapping_units, points_outside_area
from .units import read_circles, read_villages


@dataclass(frozen=True)
class StudyUnits:
    """The units of a study, the community table and the overlaps found between units.

    Attributes
    ----------
    streets
        街道 and 乡镇 (``[inputs.streets]`` then ``[inputs.townships]``),
        indexed by ``street_id``: ``street_id, street_name, district,
        street_type, geometry``.
    communities
        社区 boundaries (``read_boundaries``).
    community_table
        Households, residents and floor areas per 社区 (empty without one).
    overlaps
        Pairs of 社区, 街道/乡镇 or 行政村 whose polygons overlap (``level``
        column), from ``overlapping_units``.
    villages
        行政村 (``units.read_villages``: ``village_id, village_name,
        street_id, street_name, district, geometry``), or None.
    circles
        Declared 生活圈 (``units.read_circles``: ``circle_id, circle_name,
        status, geometry``), or None.
    indicators
        The indicator table (``indicators.read_indicators``), or None.
    """

    streets: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    community_table: pd.DataFrame
    overlaps: pd.DataFrame
    villages: gpd.GeoDataFrame | None = None
    circles: gpd.GeoDataFrame | None = None
    indicators: pd.DataFrame | None = None


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


def _streets_and_townships(study: Study) -> gpd.GeoDataFrame:
    """The 街道 layer, with the 乡镇 of ``[inputs.townships]`` appended (ids must not clash)."""
    crs = study.working_crs
    streets = read_boundaries(
        study.streets.path, level="street", working_crs=crs, **_layer_options(study.streets)
    )
    if study.townships is None:
        return streets
    townships = read_boundaries(
        study.townships.path,
        level="township",
        working_crs=crs,
        **_layer_options(study.townships),
    )
    clash = sorted(set(streets.index) & set(townships.index))
    if clash:
        raise InputError(
            f"{study.townships.path}: the 乡镇 id(s) {clash[:10]} are also 街道 ids in "
            f"{study.streets.path}. Each 街道/乡镇 needs its own id: remove the unit from one of "
            "the two layers, or fix the codes."
        )
    merged = gpd.GeoDataFrame(pd.concat([streets, townships]), crs=streets.crs)
    merged.index.name = "street_id"
    for key in ("read_report", "read_notes"):
        merged.attrs[key] = [*streets.attrs.get(key, []), *townships.attrs.get(key, [])]
    return merged


def read_study_units(study: Study) -> StudyUnits:
    """Read the units a study names: 街道 (+ 乡镇), 社区 and the community table.

    The 行政村, 生活圈 and indicator table too, when the study declares them.
    """
    crs = study.working_crs
    streets = _streets_and_townships(study)
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
    villages = (
        read_villages(
            study.villages.path,
            working_crs=crs,
            streets=streets,
            sheet=study.villages.sheet,
            **_layer_options(study.villages),
        )
        if study.villages is not None
        else None
    )
    circles = (
        read_circles(study.circles.path, working_crs=crs, **_layer_options(study.circles))
        if study.circles is not None
        else None
    )
    indicators = (
        read_indicators(
            study.indicators.path,
            columns=dict(study.indicators.columns) or None,
            encoding=study.indicators.encoding,
            sheet=study.indicators.sheet,
        )
        if study.indicators is not None
        else None
    )
    checks = [
        overlapping_units(
            communities, what="社区 (community) boundaries", path=study.communities.path
        ).assign(level="community"),
        overlapping_units(
            streets,
            what="街道 (street) boundaries" if study.townships is None else "街道/乡镇 boundaries",
            path=study.streets.path if study.townships is None else None,
        ).assign(level="street"),
    ]
    if villages is not None and study.villages is not None:
        checks.append(
            overlapping_units(
                villages, what="行政村 (village) boundaries", path=study.villages.path
            ).assign(level="village")
        )
    overlaps = pd.concat(checks, ignore_index=True)
    return StudyUnits(
        streets, communities, community_table, overlaps, villages, circles, indicators
    )


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
            category_map=source.category_map,
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
