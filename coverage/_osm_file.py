"""Read walkable ways from an OSM file (.osm, .osm.bz2, .osm.pbf) with pyosmium.

osmnx reads only OSM XML, and its ``graph_from_xml`` keeps every way of the
file (no network-type filter), so files of every format are read here with
pyosmium and filtered with osmnx's ``walk`` semantics (see `is_walkable`). The
ways are split at their shared nodes and at their ends, which gives the same
topology as an osmnx simplified graph; the result is plain arrays that
`network` turns into a `WalkNetwork`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ._errors import InputError, NetworkError

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
        What was read and what could not be used.
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


def read_osm_walk_edges(path: Path, *, keep_private: bool = True) -> OsmEdges:
    """Read the walkable ways of an OSM file and split them into edges.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2``, ``.osm.gz`` or ``.osm.pbf`` file (nodes before
        ways, as in every extract).
    keep_private
        Keep ``access=private`` ways (see `is_walkable`).

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
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    way_lengths: list[int] = []
    ways_read = 0
    ways_walkable = 0
    missing = 0
    try:
        for way in fp:
            ways_read += 1
            if not is_walkable(dict(way.tags), keep_private=keep_private):
                continue
            ways_walkable += 1
            run = 0
            for nd in way.nodes:  # type: ignore[union-attr]
                loc = nd.location
                if not loc.valid():
                    # a node outside the extract: end the current run here
                    missing += 1
                    if run:
                        way_lengths.append(run)
                        run = 0
                    continue
                refs.append(nd.ref)
                lons.append(loc.lon)
                lats.append(loc.lat)
                run += 1
            if run:
                way_lengths.append(run)
    except RuntimeError as exc:  # osmium raises RuntimeError on unreadable files
        raise InputError(f"cannot read OSM file {str(path)!r}: {exc}") from exc
    if not refs:
        raise NetworkError(
            f"OSM file {str(path)!r} has no walkable ways ({ways_read} highway ways read); "
            "check that the extract covers the study area."
        )
    if missing:
        logger.warning(
            "%s: %d way node references are outside the extract; the ways were cut there",
            path,
            missing,
        )
    return _split_ways(
        np.asarray(refs, dtype=np.int64),
        np.asarray(lons, dtype=np.float64),
        np.asarray(lats, dtype=np.float64),
        np.asarray(way_lengths, dtype=np.int64),
        ways_read=ways_read,
        ways_walkable=ways_walkable,
        missing=missing,
    )


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
