"""What an OSM file says about where nobody lives: water, parks, and roads without frontage.

Fallback residents (`.streets`) stand along walkable streets and on land. An
OSM extract tells which land is not lived on and which streets have nobody
living along them:

- **uninhabited areas** (`UNINHABITED_TAGS`): ``natural=water`` (lakes, ponds,
  rivers mapped as areas), ``waterway=riverbank`` (the older tagging of river
  areas, still common in China), ``landuse=reservoir`` and ``landuse=basin``,
  and ``leisure=park``;
- **roads that host nobody** (`why_no_residents`): motorways and ``motorroad=yes``
  roads (no pedestrians, no frontage); ``highway=trunk``/``trunk_link``
  without a mapped sidewalk, because in China OSM uses ``trunk`` for urban
  expressways (城市快速路: ring roads, elevated 高架 and their ramps), which CJJ
  37-2012 builds without building entrances along them, and for national roads
  between towns; where a trunk road does have a sidewalk tagged (an urban
  boulevard), it hosts residents; bridges (a bridge over the Yangtze is in the
  river) and tunnels (other than ``tunnel=building_passage``), which have no
  houses along them.

The network is built from the same file but keeps no tags, so the roads are
matched to network edges by geometry (`why_not_from_ways`): an edge hosts
nobody when three points along it (a quarter, half and three quarters of its
length) lie on one such way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from ..errors import unreadable_osm
from ..io.layers import existing_file, metric_crs, osm_processor
from ..network.model import WalkNetwork

logger = logging.getLogger(__name__)

#: OSM tags of areas where nobody lives, ``key -> values``.
UNINHABITED_TAGS: dict[str, frozenset[str]] = {
    "natural": frozenset({"water"}),
    "waterway": frozenset({"riverbank"}),
    "landuse": frozenset({"reservoir", "basin"}),
    "leisure": frozenset({"park"}),
}

#: Reasons a road hosts nobody, in the order they are checked (the first that applies is kept).
NO_RESIDENTS_REASONS = ("motorway", "motorroad", "trunk without sidewalk", "bridge", "tunnel")
#: The reasons in Chinese, for the placement report.
NO_RESIDENTS_ZH = {
    "motorway": "高速公路",
    "motorroad": "机动车专用路",
    "trunk without sidewalk": "无人行道的快速路/干线公路",
    "bridge": "桥梁",
    "tunnel": "隧道",
}

_SIDEWALK_KEYS = ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
_SIDEWALK_YES = frozenset({"yes", "both", "left", "right"})
#: Distance (m) within which an edge's sample points count as lying on a way.
_ON_WAY_M = 0.5


def why_no_residents(tags: Any) -> str | None:
    """Why nobody lives along a highway way with these tags, or None when people may.

    Examples
    --------
    >>> why_no_residents({"highway": "trunk"})
    'trunk without sidewalk'
    >>> why_no_residents({"highway": "trunk", "sidewalk": "both"}) is None
    True
    >>> why_no_residents({"highway": "residential", "bridge": "yes"})
    'bridge'
    >>> why_no_residents({"highway": "footway", "tunnel": "building_passage"}) is None
    True
    """
    highway = tags.get("highway") or ""
    if highway.startswith("motorway"):
        return "motorway"
    if tags.get("motorroad") == "yes":
        return "motorroad"
    if highway in ("trunk", "trunk_link") and not any(
        tags.get(k) in _SIDEWALK_YES for k in _SIDEWALK_KEYS
    ):
        return "trunk without sidewalk"
    if tags.get("bridge", "no") != "no":
        return "bridge"
    if tags.get("tunnel", "no") not in ("no", "building_passage"):
        return "tunnel"
    return None


def uninhabited_kind(tags: Any) -> str | None:
    """The ``key=value`` that makes an area uninhabited, or None.

    >>> uninhabited_kind({"natural": "water", "water": "lake"})
    'natural=water'
    """
    for key, values in UNINHABITED_TAGS.items():
        value = tags.get(key)
        if value in values:
            return f"{key}={value}"
    return None


@dataclass(frozen=True)
class OsmLand:
    """Uninhabited areas and roads without residents, read from an OSM file.

    Attributes
    ----------
    uninhabited
        Polygons with ``kind`` (``natural=water``, ...) and ``osm_ref`` (``w1``/``r2``).
    no_residents
        Highway lines with ``reason`` (one of `NO_RESIDENTS_REASONS`) and ``osm_ref``.
    """

    uninhabited: gpd.GeoDataFrame
    no_residents: gpd.GeoDataFrame


def read_land_from_osm(
    path: str | Path, *, working_crs: Any, clip_polygon: shapely.Geometry | None = None
) -> OsmLand:
    """Uninhabited areas and roads that host nobody, from an OSM file (.osm, .osm.pbf).

    Parameters
    ----------
    path
        The OSM file.
    working_crs
        The metric CRS of the study.
    clip_polygon
        Keep only what intersects it (working CRS); areas are cut to it.

    Returns
    -------
    OsmLand
    """
    import osmium

    p = existing_file(path, "OSM")
    working = metric_crs(working_crs)
    factory = osmium.geom.WKBFactory()
    areas: list[tuple[str, str, bytes]] = []
    ways: list[tuple[str, str, list[tuple[float, float]]]] = []
    failed = 0
    try:
        for obj in osm_processor(p, "highway", *UNINHABITED_TAGS, areas=True):
            if obj.is_way():
                reason = why_no_residents(obj.tags) if "highway" in obj.tags else None
                if reason is None:
                    continue
                coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if len(coords) >= 2:
                    ways.append((reason, f"w{obj.id}", coords))
            elif obj.is_area():
                kind = uninhabited_kind(obj.tags)
                if kind is None:
                    continue
                try:
                    wkb = factory.create_multipolygon(obj)
                except RuntimeError:
                    failed += 1
                    continue
                ref = ("w" if obj.from_way() else "r") + str(obj.orig_id())
                areas.append((kind, ref, bytes.fromhex(wkb)))
    except RuntimeError as exc:
        raise unreadable_osm(p, exc) from exc
    if failed:
        logger.warning(
            "%s: %d water or park outlines could not be assembled and were skipped", p, failed
        )
    to_working = pyproj.Transformer.from_crs("EPSG:4326", working, always_xy=True)

    def project(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
        out: NDArray[np.object_] = shapely.transform(
            geoms, lambda xy: np.column_stack(to_working.transform(xy[:, 0], xy[:, 1]))
        )
        return out

    area_geoms = project(
        shapely.from_wkb([a[2] for a in areas]) if areas else np.empty(0, dtype=object)
    )
    way_geoms = project(
        np.array([shapely.LineString(w[2]) for w in ways], dtype=object)
        if ways
        else np.empty(0, dtype=object)
    )
    area_kind = np.array([a[0] for a in areas], dtype=object)
    area_ref = np.array([a[1] for a in areas], dtype=object)
    way_reason = np.array([w[0] for w in ways], dtype=object)
    way_ref = np.array([w[1] for w in ways], dtype=object)
    if clip_polygon is not None:
        keep = shapely.intersects(area_geoms, clip_polygon)
        area_geoms = shapely.intersection(area_geoms[keep], clip_polygon)
        area_kind, area_ref = area_kind[keep], area_ref[keep]
        keep = shapely.intersects(way_geoms, clip_polygon)
        way_geoms, way_reason, way_ref = way_geoms[keep], way_reason[keep], way_ref[keep]
    uninhabited = gpd.GeoDataFrame(
        {"kind": area_kind, "osm_ref": area_ref}, geometry=list(area_geoms), crs=working
    )
    no_residents = gpd.GeoDataFrame(
        {"reason": way_reason, "osm_ref": way_ref}, geometry=list(way_geoms), crs=working
    )
    logger.info(
        "%s: %d water and park areas (%s), %d roads without residents (%s)",
        p,
        len(uninhabited),
        _counts(uninhabited["kind"]),
        len(no_residents),
        _counts(no_residents["reason"]),
    )
    return OsmLand(uninhabited=uninhabited, no_residents=no_residents)


def _counts(values: Any) -> str:
    counts = values.value_counts()
    return ", ".join(f"{k}: {v}" for k, v in counts.items()) or "none"


def why_not_from_ways(
    net: WalkNetwork,
    ways: NDArray[np.object_],
    reasons: NDArray[np.object_],
    *,
    tolerance_m: float = _ON_WAY_M,
) -> NDArray[np.object_]:
    """Per network edge, why it hosts nobody (the reason of the way it lies on), else None.

    An edge lies on a way when its points at 1/4, 1/2 and 3/4 of its length are
    all within ``tolerance_m`` of that way: a street crossing under a bridge
    touches the bridge at one point, not three.

    Parameters
    ----------
    net
        The walking network.
    ways, reasons
        Line geometries (working CRS) and why nobody lives along each.

    Returns
    -------
    numpy.ndarray
        One entry per edge: a reason (str) or None.
    """
    out = np.full(net.n_edges, None, dtype=object)
    ways = np.asarray(ways, dtype=object)
    if len(ways) == 0 or net.n_edges == 0:
        return out
    tree = shapely.STRtree(ways)
    edges = np.asarray(net.edge_geometry, dtype=object)
    keys: NDArray[np.int64] | None = None
    for fraction in (0.25, 0.5, 0.75):
        points = shapely.line_interpolate_point(edges, fraction, normalized=True)
        edge, way = tree.query(points, predicate="dwithin", distance=tolerance_m)
        found = edge.astype(np.int64) * len(ways) + way
        keys = found if keys is None else np.intersect1d(keys, found)
    assert keys is not None
    edge_of, way_of = np.divmod(np.unique(keys), len(ways))
    rank = {r: i for i, r in enumerate(NO_RESIDENTS_REASONS)}
    order = np.argsort([rank.get(str(r), len(rank)) for r in reasons[way_of]], kind="stable")
    # the highest-ranked reason of each edge: write the lowest ranks last
    for e, w in zip(edge_of[order[::-1]], way_of[order[::-1]], strict=True):
        out[e] = reasons[w]
    return out
