"""Where residents live: each 社区's population spread over its residential buildings.

Residents (and the 60+ and 0-3 groups) of a community are allocated to its
residential buildings in proportion to floor area (footprint x levels). A
community with no residential building falls back, in this order, to

1. ``grid``: a regular grid over its residential land (minus water and parks);
2. ``street``: points along its walkable streets, on land, in proportion to
   street length (`.streets`);
3. ``interior``: a grid over the 社区 minus water and parks (or the whole 社区,
   or its interior point when the polygon is too small for the grid) -- only
   when it has no walkable street inside; the report says why.

Counts are whole people, allocated by the largest-remainder method, so the
totals per 社区 are preserved exactly. The placement report says, per 社区,
which placement was used, how many points, how much street, and why; the run
log gives a one-line summary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .osm_land import NO_RESIDENTS_ZH
from .streets import MIN_PIECE_M, StreetLayer, street_points

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

#: Columns of the placement report, in order (index ``community_id``).
PLACEMENT_COLUMNS = ("placement", "points", "street_length_m", "residents", "note")

#: A `StreetLayer`, or a function that builds it (called only when some 社区 needs it).
StreetSource = StreetLayer | Callable[[], StreetLayer | None] | None


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
        One row per community (index ``community_id``): ``placement``
        (``building``; ``grid`` over residential land; ``street``: along its
        walkable streets; ``interior``: a grid over the 社区 or its interior
        point; ``none``), ``points``, ``street_length_m`` (street length the
        ``street`` placement shared the residents over, else NaN),
        ``residents``, and ``note`` (what was used and why, Chinese first).
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
    if polygon.is_empty:
        return np.empty(0, dtype=object)
    minx, miny, maxx, maxy = polygon.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    if len(xs) == 0 or len(ys) == 0:
        return np.empty(0, dtype=object)
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    inside: NDArray[np.object_] = pts[shapely.contains(polygon, pts)]
    return inside


@dataclass(frozen=True)
class _Placed:
    """The points of one 社区, their weights, and what the report says about them."""

    points: NDArray[np.object_]
    weights: NDArray[np.float64]
    how: str
    note: str
    street_length_m: float = float("nan")


def demand_from_buildings(
    communities: gpd.GeoDataFrame,
    community_table: pd.DataFrame,
    buildings: gpd.GeoDataFrame | None,
    *,
    residential_land: gpd.GeoDataFrame | None = None,
    streets: StreetSource = None,
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
        ``levels``; ``None`` places everyone by the fallbacks.
    residential_land
        Residential land polygons (e.g. OSM ``landuse=residential``): the grid
        of a community without residential buildings is laid over its part of
        this land (minus water and parks).
    streets
        The walkable streets and the uninhabited areas (`streets.street_layer`),
        or a function returning them (called once, only when some 社区 has
        residents but no residential building): a community without
        residential buildings or land gets its residents along its streets, in
        proportion to street length. ``None``: the interior grid, as before.
    grid_spacing_m
        Spacing of the fallback grids.
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

    homes = residential_buildings(buildings, communities, default_levels)
    land = (
        residential_land.geometry.union_all()
        if residential_land is not None and len(residential_land)
        else None
    )
    layer = _LazyStreets(streets)
    frames: list[gpd.GeoDataFrame] = []
    placements: list[dict[str, object]] = []
    for cid, unit in communities.iterrows():
        row = community_table.loc[cid] if cid in community_table.index else None
        totals = _totals(row)
        if totals["population"] == 0:
            placements.append(_report_row(cid, "none", 0, float("nan"), 0, ""))
            continue
        mine = homes[homes["community_id"] == cid] if len(homes) else homes
        if len(mine):
            placed = _Placed(
                mine.geometry.to_numpy(),
                mine["floor_area"].to_numpy(dtype=np.float64),
                "building",
                f"{len(mine)} 栋住宅建筑，按建筑面积 / {len(mine)} residential buildings, "
                "by floor area",
            )
        else:
            placed = _fallback(unit.geometry, land, layer.get(), grid_spacing_m)
            logger.debug("社区 %s: %s", cid, placed.note)
        data = {g: largest_remainder(totals[g], placed.weights) for g in GROUPS}
        frames.append(
            gpd.GeoDataFrame(
                {
                    "community_id": cid,
                    "street_id": unit["street_id"],
                    **data,
                    "placement": placed.how,
                },
                geometry=list(placed.points),
                crs=communities.crs,
            )
        )
        placements.append(
            _report_row(
                cid,
                placed.how,
                len(placed.points),
                placed.street_length_m,
                totals["population"],
                placed.note,
            )
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
    placement = pd.DataFrame(placements, columns=["community_id", *PLACEMENT_COLUMNS])
    placement = placement.set_index("community_id")
    _log_summary(placement)
    return Demand(residents=residents, placement=placement)


class _LazyStreets:
    """Build the street layer on first use only (reading water from a big OSM file takes time)."""

    def __init__(self, source: StreetSource) -> None:
        self._source = source
        self._built = not callable(source)
        self._layer: StreetLayer | None = source if isinstance(source, StreetLayer) else None

    def get(self) -> StreetLayer | None:
        if not self._built:
            assert callable(self._source)
            self._layer = self._source()
            self._built = True
        return self._layer


def _report_row(
    cid: object, how: str, points: int, length: float, residents: int, note: str
) -> dict[str, object]:
    return {
        "community_id": cid,
        "placement": how,
        "points": points,
        "street_length_m": length,
        "residents": residents,
        "note": note,
    }


def _fallback(
    polygon: shapely.Geometry,
    land: shapely.Geometry | None,
    layer: StreetLayer | None,
    spacing: float,
) -> _Placed:
    """Residential land, else the streets, else the interior (see the module notes)."""
    dry = polygon if layer is None else layer.land(polygon)
    known = layer is not None and len(layer.uninhabited) > 0
    wet_zh, wet_en = ("（已除去水域和公园）", " outside water and parks") if known else ("", "")
    if land is not None:
        points = _grid_points(shapely.intersection(dry, land), spacing)
        if len(points):
            return _Placed(
                points,
                np.ones(len(points)),
                "grid",
                f"无住宅建筑；{spacing:g} m 网格铺在居住用地上{wet_zh} / no residential "
                f"building; {spacing:g} m grid over residential land{wet_en}",
            )
    if layer is None:
        why_zh, why_en = "未提供路网", "no walking network given"
    else:
        found = street_points(polygon, layer)
        if len(found.points):
            return _Placed(
                found.points,
                found.weights,
                "street",
                f"无住宅建筑或居住用地；沿 {found.n_edges} 条步行道路共 {found.length_m:,.0f} m "
                f"布点，每 {layer.spacing_m:g} m 一点，距中心线 {layer.offset_m:g} m，按街道长度"
                f"分配{wet_zh} / no residential building or land; along "
                f"{found.length_m:,.0f} m of walkable street ({found.n_edges} edges), a point "
                f"every {layer.spacing_m:g} m, {layer.offset_m:g} m off the centreline, "
                f"residents by street length{',' if wet_en else ''}{wet_en}",
                round(found.length_m, 1),
            )
        why_zh, why_en = _no_street_reason(polygon, layer)
    where_zh, where_en = f"{spacing:g} m 网格铺在社区内", f"{spacing:g} m grid over the 社区"
    points = _grid_points(dry, spacing)
    if not len(points):
        points = _grid_points(polygon, spacing)
        wet_zh = wet_en = ""
    if not len(points):
        inner = dry if not dry.is_empty else polygon
        points = np.array([inner.representative_point()], dtype=object)
        where_zh, where_en = "社区内部点", "the 社区's interior point"
    return _Placed(
        points,
        np.ones(len(points)),
        "interior",
        f"无住宅建筑或居住用地，{why_zh}；{where_zh}{wet_zh} / no residential building or "
        f"land, {why_en}; {where_en}{wet_en}",
    )


def _no_street_reason(polygon: shapely.Geometry, layer: StreetLayer) -> tuple[str, str]:
    """Why a 社区 has no street to stand along (Chinese, English)."""
    if layer.length_in(polygon) >= MIN_PIECE_M:
        return (
            "其内步行道路都在水域、公园中或只贴着边界",
            "its walkable streets lie in water or parks, or only along its edge",
        )
    others = layer.excluded_in(polygon)
    if others:
        n = sum(others.values())
        listed = ", ".join(f"{reason}: {count}" for reason, count in others.items())
        zh = "，".join(f"{NO_RESIDENTS_ZH.get(r, r)} {c} 条" for r, c in others.items())
        return (
            f"其内 {n} 条路网道路不承载居民（{zh}）",
            f"the {n} network edges inside host nobody ({listed})",
        )
    return "其内没有步行网络道路", "no walking-network edge inside"


def _log_summary(placement: pd.DataFrame) -> None:
    """One line: how many 社区 were placed how (and which fell back to the interior grid)."""
    if placement.empty:
        return
    how = placement["placement"]
    parts = [f"{int((how == 'building').sum())} in buildings"]
    if (how == "grid").any():
        parts.append(f"{int((how == 'grid').sum())} on residential land")
    street = how == "street"
    if street.any():
        km = float(placement.loc[street, "street_length_m"].sum()) / 1000
        points = int(placement.loc[street, "points"].sum())
        parts.append(f"{int(street.sum())} along streets ({km:,.1f} km, {points:,} points)")
    interior = placement.index[how == "interior"]
    if len(interior):
        names = ", ".join(map(str, interior[:10])) + (" ..." if len(interior) > 10 else "")
        parts.append(f"{len(interior)} on the interior grid ({names})")
    if (how == "none").any():
        parts.append(f"{int((how == 'none').sum())} without residents")
    line = "Residents placed (社区): " + "; ".join(parts)
    if len(interior):
        logger.warning("%s -- see the placement report for why", line)
    else:
        logger.info("%s", line)


def _totals(row: pd.Series | None) -> dict[str, int]:
    totals: dict[str, int] = {}
    for group in GROUPS:
        value = None if row is None else row.get(_TABLE_COLUMN[group])
        totals[group] = 0 if value is None or pd.isna(value) else round(float(value))
    return totals


def residential_buildings(
    buildings: gpd.GeoDataFrame | None,
    communities: gpd.GeoDataFrame,
    default_levels: float = 1.0,
) -> gpd.GeoDataFrame:
    """Residential buildings as points with their floor area and the community they stand in."""
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
