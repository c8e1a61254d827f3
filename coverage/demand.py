"""Where residents live: each 社区's population spread over its residential buildings.

Residents (and the 60+ and 0-3 groups) of a community are allocated to its
residential buildings in proportion to floor area (footprint x levels). A
community with no residential building falls back to a regular grid over its
residential land, and only then to its interior (a grid over the whole
polygon, or its interior point when the polygon is too small for the grid). Counts
are whole people, allocated by the largest-remainder method, so the totals per
社区 are preserved exactly. The run log says which placement each community
used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .config import Study, is_osm_file
from .engine.gate_io import read_compounds_and_gates_from_osm
from .io.readers import read_buildings_from_osm

logger = logging.getLogger(__name__)

#: OSM ``building=*`` values where people live.
RESIDENTIAL_KINDS = frozenset(
    {
        "residential",
        "apartments",
        "house",
        "detached",
        "semidetached_house",
        "terrace",
        "dormitory",
        "bungalow",
        "farm",
    }
)

#: The population columns carried by resident points.
GROUPS = ("population", "aged_60_plus", "aged_0_3")
_TABLE_COLUMN = {"population": "residents", "aged_60_plus": "aged_60_plus", "aged_0_3": "aged_0_3"}


@dataclass(frozen=True)
class Demand:
    """Resident points and how each community was placed.

    Attributes
    ----------
    residents
        Points (index ``resident_id``) with ``community_id``, ``street_id``,
        ``population``, ``aged_60_plus``, ``aged_0_3`` (whole people),
        ``placement`` and ``geometry``.
    placement
        One row per community: ``placement`` (building; grid over residential
        land; interior: a grid over the whole 社区 or its interior point; none), ``points``, ``residents``, and ``note``.
    """

    residents: gpd.GeoDataFrame
    placement: pd.DataFrame


def largest_remainder(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split a whole number ``total`` over ``weights`` so the parts sum to it exactly.

    Examples
    --------
    >>> largest_remainder(10, np.array([1.0, 1.0, 1.0])).tolist()
    [4, 3, 3]
    """
    weights = np.asarray(weights, dtype=np.float64)
    if total < 0:
        raise ValueError(f"cannot allocate a negative count ({total})")
    if len(weights) == 0 or weights.sum() <= 0:
        raise ValueError("weights must contain a positive value")
    quota = total * weights / weights.sum()
    parts: NDArray[np.int64] = np.floor(quota).astype(np.int64)
    left = int(total - parts.sum())
    if left:
        # Stable order: largest remainder first, ties by position.
        order = np.lexsort((np.arange(len(quota)), -(quota - parts)))
        parts[order[:left]] += 1
    return parts


def _grid_points(polygon: shapely.Geometry, spacing: float) -> NDArray[np.object_]:
    minx, miny, maxx, maxy = polygon.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    if len(xs) == 0 or len(ys) == 0:
        return np.empty(0, dtype=object)
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    inside: NDArray[np.object_] = pts[shapely.contains(polygon, pts)]
    return inside


def demand_from_buildings(
    communities: gpd.GeoDataFrame,
    community_table: pd.DataFrame,
    buildings: gpd.GeoDataFrame | None,
    *,
    residential_land: gpd.GeoDataFrame | None = None,
    grid_spacing_m: float = 50.0,
    default_levels: float = 1.0,
) -> Demand:
    """Place each community's residents in its residential buildings.

    Parameters
    ----------
    communities
        社区 polygons indexed by ``community_id`` with ``street_id``.
    community_table
        Indexed by ``community_id``, with ``residents`` and optionally
        ``aged_60_plus`` and ``aged_0_3``.
    buildings
        Building footprints with ``kind`` (the OSM building value) and
        ``levels``; ``None`` places everyone on the grid.
    residential_land
        Residential land polygons (e.g. OSM ``landuse=residential``): the grid
        of a community without residential buildings is laid over its part of
        this land; without any, over the whole community (``interior``).
    grid_spacing_m
        Spacing of the fallback grid.
    default_levels
        Levels assumed where a building has none (logged).

    Returns
    -------
    Demand
        Resident points and the placement used per community.
    """
    missing = sorted(set(communities.index) - set(community_table.index))
    if missing:
        logger.warning(
            "%d 社区 have no row in the community table and get no residents: %s",
            len(missing),
            ", ".join(map(str, missing[:10])),
        )
    extra = sorted(set(community_table.index) - set(communities.index))
    if extra:
        logger.warning(
            "%d rows of the community table match no 社区 boundary and are not placed: %s",
            len(extra),
            ", ".join(map(str, extra[:10])),
        )

    homes = _residential_buildings(buildings, communities, default_levels)
    land = (
        residential_land.geometry.union_all()
        if residential_land is not None and len(residential_land)
        else None
    )
    frames: list[gpd.GeoDataFrame] = []
    placements: list[dict[str, object]] = []
    for cid, unit in communities.iterrows():
        row = community_table.loc[cid] if cid in community_table.index else None
        totals = _totals(row)
        if totals["population"] == 0:
            placements.append(
                {"community_id": cid, "placement": "none", "points": 0, "residents": 0, "note": ""}
            )
            continue
        mine = homes[homes["community_id"] == cid] if len(homes) else homes
        if len(mine):
            points = mine.geometry.to_numpy()
            weights = mine["floor_area"].to_numpy(dtype=np.float64)
            how, note = "building", f"{len(mine)} residential buildings"
        else:
            points, how, note = _fallback_points(unit.geometry, land, grid_spacing_m)
            weights = np.ones(len(points))
            logger.info("社区 %s: %s", cid, note)
        data = {g: largest_remainder(totals[g], weights) for g in GROUPS}
        frames.append(
            gpd.GeoDataFrame(
                {
                    "community_id": cid,
                    "street_id": unit["street_id"],
                    **data,
                    "placement": how,
                },
                geometry=list(points),
                crs=communities.crs,
            )
        )
        placements.append(
            {
                "community_id": cid,
                "placement": how,
                "points": len(points),
                "residents": totals["population"],
                "note": note,
            }
        )
    if frames:
        residents = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=communities.crs)
        # Points that carry nobody add nothing but work: drop them (no one is lost).
        residents = residents[residents["population"] > 0].reset_index(drop=True)
    else:
        residents = gpd.GeoDataFrame(
            {"community_id": [], "street_id": [], **{g: [] for g in GROUPS}, "placement": []},
            geometry=[],
            crs=communities.crs,
        )
    residents.index.name = "resident_id"
    placement = pd.DataFrame(placements).set_index("community_id")
    return Demand(residents=residents, placement=placement)


def _fallback_points(
    polygon: shapely.Geometry, land: shapely.Geometry | None, spacing: float
) -> tuple[NDArray[np.object_], str, str]:
    """Grid points over the community's residential land, else over the community itself."""
    if land is not None:
        own = shapely.intersection(polygon, land)
        points = _grid_points(own, spacing) if not own.is_empty else np.empty(0, dtype=object)
        if len(points):
            return (
                points,
                "grid",
                f"no residential building; {spacing:g} m grid over residential land",
            )
    points = _grid_points(polygon, spacing)
    if len(points):
        return (
            points,
            "interior",
            f"no residential building or land; {spacing:g} m grid over the 社区",
        )
    point = np.array([polygon.representative_point()], dtype=object)
    return point, "interior", "no residential building or land; the 社区's interior point"


def _totals(row: pd.Series | None) -> dict[str, int]:
    totals: dict[str, int] = {}
    for group in GROUPS:
        value = None if row is None else row.get(_TABLE_COLUMN[group])
        totals[group] = 0 if value is None or pd.isna(value) else round(float(value))
    return totals


def _residential_buildings(
    buildings: gpd.GeoDataFrame | None,
    communities: gpd.GeoDataFrame,
    default_levels: float,
) -> gpd.GeoDataFrame:
    """Residential buildings with their floor area and the community they stand in."""
    empty = gpd.GeoDataFrame(
        {"community_id": [], "floor_area": []}, geometry=[], crs=communities.crs
    )
    if buildings is None or len(buildings) == 0:
        return empty
    homes = buildings[buildings["kind"].isin(RESIDENTIAL_KINDS)]
    if len(homes) == 0:
        return empty
    levels = homes["levels"].astype(float)
    no_levels = int(levels.isna().sum())
    if no_levels:
        logger.info(
            "%d residential buildings have no building:levels; %g assumed",
            no_levels,
            default_levels,
        )
    area = homes.geometry.area.to_numpy() * levels.fillna(default_levels).clip(lower=1).to_numpy()
    points = gpd.GeoDataFrame(
        {"floor_area": area},
        geometry=homes.geometry.representative_point().to_numpy(),
        crs=homes.crs,
    )
    units = gpd.GeoDataFrame(
        {"community_id": communities.index.to_numpy()},
        geometry=communities.geometry.to_numpy(),
        crs=communities.crs,
    )
    joined = gpd.sjoin(points, units, how="inner", predicate="within")
    # A building point on a shared boundary would match twice: keep its first community.
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined[["community_id", "floor_area", "geometry"]]


def demand_for_study(
    study: Study, communities: gpd.GeoDataFrame, community_table: pd.DataFrame, area: Any
) -> Demand:
    """Residents of a study, placed in the buildings (and residential land) it names.

    ``area`` is the study area in the working CRS; buildings and land are cut to it.
    """
    crs = study.working_crs
    buildings = None
    land = None
    if study.buildings is not None:
        buildings = read_buildings_from_osm(
            study.buildings.path, working_crs=crs, clip_polygon=area
        )
        if is_osm_file(study.buildings.path):
            land, _ = read_compounds_and_gates_from_osm(
                study.buildings.path, working_crs=crs, clip_polygon=area, named_only=False
            )
    return demand_from_buildings(communities, community_table, buildings, residential_land=land)
