"""Read walkable ways from an OSM file (.osm, .osm.bz2, .osm.pbf) with pyosmium.

osmnx reads only OSM XML, and its ``graph_from_xml`` keeps every way of the
file (no network-type filter), so files of every format are read here with
pyosmium and filtered with osmnx's ``walk`` semantics (see `is_walkable`). The
ways are split at their shared nodes and at their ends, which gives the same
topology as an osmnx simplified graph; the result is plain arrays that
`walk_network_from_osm_file` turns into a `WalkNetwork` (cached on disk).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from ..errors import InputError, NetworkError, unreadable_osm
from .build import walk_network_from_arrays
from .cache import cached_network
from .model import NetworkReport, WalkNetwork, projected_crs

logger = logging.getLogger(__name__)

# osmnx 2.1 `_overpass._get_network_filter("walk")`, as Python regex searches
# (Overpass `!~` is an unanchored regex match, so is `re.search`).
_EXCLUDED_HIGHWAY = re.compile(
    "abandoned|bus_guideway|construction|cycleway|motor|no|planned|"
    "platform|proposed|raceway|razed|rest_area|services"
)
_SIDEWALK_KEYS = ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "official"})


def is_walkable(tags: dict[str, str], *, keep_private: bool = True) -> bool:
    """Tell whether an OSM way with these tags is part of the walking network.

    Follows osmnx's ``walk`` filter (no areas, no motorways, cycleways,
    construction, platforms..., no ``foot=no``, no ways whose sidewalks are
    mapped separately), with two choices of this project: ``access=private``
    and ``service=private`` ways are kept when `keep_private` is True (gated
    compounds, 小区), and ``access=no`` ways are dropped unless ``foot``
    allows walking (osmnx keeps them).

    Parameters
    ----------
    tags
        The way's tags.
    keep_private
        Keep private-access ways.

    Returns
    -------
    bool
    """
    highway = tags.get("highway")
    if highway is None or _EXCLUDED_HIGHWAY.search(highway):
        return False
    if "yes" in tags.get("area", ""):
        return False
    foot = tags.get("foot", "")
    if "no" in foot:
        return False
    if any("separate" in tags.get(k, "") for k in _SIDEWALK_KEYS):
        return False
    access = tags.get("access", "")
    if not keep_private and ("private" in access or "private" in tags.get("service", "")):
        return False
    return not (access == "no" and foot not in _FOOT_ALLOWED)


@dataclass(frozen=True, eq=False)
class OsmEdges:
    """Walkable ways of an OSM file split into edges (WGS84 lon/lat).

    Attributes
    ----------
    node_id, lon, lat
        The graph nodes (way ends and nodes shared by several walkable ways).
    edge_u, edge_v
        OSM ids of each edge's end nodes.
    coords
        Vertex coordinates (lon, lat) of all edges, concatenated; ``coord_edge``
        gives the edge of each vertex (edges are in order, vertices from u to v).
    ways_read, ways_walkable, missing_node_refs
        Highway ways read, walkable ways kept (inside the bbox, if any), and
        way node references missing from the file.
    """

    node_id: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int64]
    edge_v: npt.NDArray[np.int64]
    coords: npt.NDArray[np.float64]
    coord_edge: npt.NDArray[np.int64]
    ways_read: int
    ways_walkable: int
    missing_node_refs: int
    ways_outside_bbox: int = 0


def read_osm_walk_edges(
    path: Path,
    *,
    keep_private: bool = True,
    bbox: tuple[float, float, float, float] | None = None,
) -> OsmEdges:
    """Read the walkable ways of an OSM file and split them into edges.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file (nodes before
        ways, as in every extract).
    keep_private
        Keep ``access=private`` ways (see `is_walkable`).
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)``: skip ways whose own bounding
        box does not meet it (to read a city out of a province extract).

    Returns
    -------
    OsmEdges
    """
    import osmium

    if not path.is_file():
        raise InputError(
            f"OSM file {str(path)!r} does not exist; check the path in the study config."
        )
    fp = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    # typed arrays, not lists: a province extract has tens of millions of way nodes
    refs = array("q")
    lons = array("d")
    lats = array("d")
    way_lengths = array("q")
    ways_read = 0
    ways_walkable = 0
    ways_outside = 0
    missing = 0
    try:
        for way in fp:
            ways_read += 1
            if not is_walkable(dict(way.tags), keep_private=keep_private):
                continue
            w_ref: list[int] = []
            w_lon: list[float] = []
            w_lat: list[float] = []
            w_runs: list[int] = []
            run = 0
            for nd in way.nodes:  # type: ignore[union-attr]
                loc = nd.location
                if not loc.valid():
                    # a node outside the extract: end the current run here
                    missing += 1
                    if run:
                        w_runs.append(run)
                        run = 0
                    continue
                w_ref.append(nd.ref)
                w_lon.append(loc.lon)
                w_lat.append(loc.lat)
                run += 1
            if run:
                w_runs.append(run)
            if not w_ref:
                continue
            if bbox is not None and (
                max(w_lon) < bbox[0]
                or min(w_lon) > bbox[2]
                or max(w_lat) < bbox[1]
                or min(w_lat) > bbox[3]
            ):
                ways_outside += 1
                continue
            ways_walkable += 1
            refs.extend(w_ref)
            lons.extend(w_lon)
            lats.extend(w_lat)
            way_lengths.extend(w_runs)
    except RuntimeError as exc:  # osmium raises RuntimeError on unreadable files
        raise unreadable_osm(path, exc) from exc
    if not refs:
        where = "" if bbox is None else " inside the clip polygon"
        raise NetworkError(
            f"OSM file {str(path)!r} has no walkable ways{where} ({ways_read} highway ways "
            "read); check that the extract covers the study area and its CRS."
        )
    if missing:
        logger.warning(
            "%s: %d way node references are outside the extract; the ways were cut there",
            path,
            missing,
        )
    edges = _split_ways(
        np.asarray(refs, dtype=np.int64),
        np.asarray(lons, dtype=np.float64),
        np.asarray(lats, dtype=np.float64),
        np.asarray(way_lengths, dtype=np.int64),
        ways_read=ways_read,
        ways_walkable=ways_walkable,
        missing=missing,
    )
    return dataclasses.replace(edges, ways_outside_bbox=ways_outside)


def _split_ways(
    refs: npt.NDArray[np.int64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    way_lengths: npt.NDArray[np.int64],
    *,
    ways_read: int,
    ways_walkable: int,
    missing: int,
) -> OsmEdges:
    """Split concatenated ways at graph nodes (ends and nodes used more than once)."""
    way_start = np.zeros(way_lengths.size, dtype=np.int64)
    np.cumsum(way_lengths[:-1], out=way_start[1:])
    way_end = way_start + way_lengths - 1
    # a node is a graph node if it is a way end or is referenced more than once
    # (by another way, or twice by the same way: a loop)
    _, inverse, counts = np.unique(refs, return_inverse=True, return_counts=True)
    is_node = counts[inverse] > 1
    is_node[way_start] = True
    is_node[way_end] = True
    # edges: consecutive graph nodes within a way; vertex i belongs to the edge
    # that starts at the last graph node at or before i (an edge's last vertex
    # is the next graph node, shared with the following edge)
    node_pos = np.flatnonzero(is_node)
    way_of = np.repeat(np.arange(way_lengths.size), way_lengths)
    # pairs of consecutive graph-node positions within the same way (a way of
    # one usable node makes no edge)
    same_way = way_of[node_pos[:-1]] == way_of[node_pos[1:]]
    starts = node_pos[:-1][same_way]
    ends = node_pos[1:][same_way]
    lengths = ends - starts + 1
    idx = np.repeat(starts, lengths) + _ranges(lengths)
    coord_edge = np.repeat(np.arange(starts.size), lengths)
    coords = np.column_stack([lon[idx], lat[idx]])
    nodes = np.unique(refs[node_pos])
    # coordinates of each graph node (first occurrence)
    order = np.argsort(refs[node_pos], kind="stable")
    sorted_ids = refs[node_pos][order]
    first_in_sorted = np.r_[0, np.flatnonzero(sorted_ids[1:] != sorted_ids[:-1]) + 1]
    first = node_pos[order[first_in_sorted]]
    return OsmEdges(
        node_id=nodes,
        lon=lon[first],
        lat=lat[first],
        edge_u=refs[starts],
        edge_v=refs[ends],
        coords=coords,
        coord_edge=coord_edge.astype(np.int64),
        ways_read=ways_read,
        ways_walkable=ways_walkable,
        missing_node_refs=missing,
    )


def _ranges(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Concatenate ``arange(k)`` for each k in `lengths` (vectorised)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.zeros(lengths.size, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)


def walk_network_from_osm_file(
    path: str | os.PathLike[str],
    *,
    crs: Any,
    keep_private: bool = True,
    clip_polygon: shapely.Geometry | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> WalkNetwork:
    """Build the walking network of an OSM extract (.osm, .osm.bz2, .osm.pbf).

    Parameters
    ----------
    path
        The OSM file (e.g. a Geofabrik extract).
    crs
        The working CRS (e.g. "EPSG:4549").
    keep_private
        Keep ``access=private`` ways (roads inside gated compounds, 小区).
        osmnx drops them by default, which under-counts coverage.
    clip_polygon
        Keep only edges that touch this polygon (in the working CRS; buffer it
        by a walking distance so that facilities just outside still count).
    cache_dir
        Folder for the array cache, keyed by the file content and the options;
        a second call loads the arrays instead of reading the file.

    Returns
    -------
    WalkNetwork

    Examples
    --------
    >>> net = walk_network_from_osm_file("jiangsu-latest.osm.pbf", crs="EPSG:4549",
    ...     clip_polygon=city.buffer(2000), cache_dir="cache")  # doctest: +SKIP
    """
    p = Path(path)
    target = projected_crs(crs)
    options = {
        "kind": "osm",
        "keep_private": keep_private,
        "clip": None if clip_polygon is None else shapely.to_wkb(clip_polygon, hex=True),
    }

    def build() -> WalkNetwork:
        t0 = time.perf_counter()
        bbox = None
        if clip_polygon is not None:
            to_wgs = pyproj.Transformer.from_crs(target, "EPSG:4326", always_xy=True)
            # bounds of the densified polygon in lon/lat, widened by ~100 m for curvature
            dense = shapely.segmentize(shapely.envelope(clip_polygon), 500.0)
            lon, lat = to_wgs.transform(*shapely.get_coordinates(dense).T)
            bbox = (lon.min() - 1e-3, lat.min() - 1e-3, lon.max() + 1e-3, lat.max() + 1e-3)
        osm = read_osm_walk_edges(p, keep_private=keep_private, bbox=bbox)
        tr = pyproj.Transformer.from_crs("EPSG:4326", target, always_xy=True)
        nx_, ny_ = tr.transform(osm.lon, osm.lat)
        cx, cy = tr.transform(osm.coords[:, 0], osm.coords[:, 1])
        geoms = shapely.linestrings(np.column_stack([cx, cy]), indices=osm.coord_edge)
        eu, ev = osm.edge_u, osm.edge_v
        outside = 0
        if clip_polygon is not None:
            inside = shapely.intersects(geoms, clip_polygon)
            outside = int((~inside).sum())
            geoms, eu, ev = geoms[inside], eu[inside], ev[inside]
            used = np.unique(np.r_[eu, ev])
            sel = np.isin(osm.node_id, used)
            node_id, nx_, ny_ = osm.node_id[sel], nx_[sel], ny_[sel]
        else:
            node_id = osm.node_id
        rep = NetworkReport(
            source=str(p),
            ways_read=osm.ways_read,
            ways_walkable=osm.ways_walkable,
            missing_node_refs=osm.missing_node_refs,
            ways_outside_clip=osm.ways_outside_bbox,
            edges_outside_clip=outside,
        )
        net = walk_network_from_arrays(
            node_id, nx_, ny_, eu, ev, geoms, crs=target, source=str(p), report=rep
        )
        logger.info(
            "%s: walking network of %d nodes, %d edges built in %.1f s",
            p,
            net.n_nodes,
            net.n_edges,
            time.perf_counter() - t0,
        )
        return net

    return cached_network(p, options, target, cache_dir, build)
