"""The walking network as arrays: `WalkNetwork`, its build report, and how it is put together.

A `WalkNetwork` holds node coordinates, one row per undirected edge ``u < v``
with its projected geometry and length, and a symmetric CSR matrix of edge
lengths for scipy's Dijkstra. The builders (`build`, `graph`, `osm_file`,
`online`, `centrelines`) and the disk cache all end in `assemble`; everything
they dropped or merged is counted in `NetworkReport`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import scipy.sparse as sp

from ..errors import CRSError


@dataclass(frozen=True)
class NetworkReport:
    """What was read, dropped and merged while building a `WalkNetwork`.

    Attributes
    ----------
    source
        File, place or graph the network came from.
    n_nodes, n_edges
        Size of the final network.
    ways_read, ways_walkable, missing_node_refs
        OSM files only: highway ways read, kept as walkable, and way node
        references outside the extract (the ways were cut there).
    ways_outside_clip, edges_outside_clip
        Walkable ways skipped because their bounding box misses the clip
        polygon's, and edges dropped because they do not touch the polygon.
    nodes_merged
        Distinct nodes at identical coordinates merged into one.
    self_loops_dropped, self_loops_split
        Edges from a node to itself (after merging): of no length (dropped),
        or cut in three by two new nodes (negative ids) so that they stay usable.
    parallel_edges_collapsed
        Duplicate edges (the same line) between the same pair of nodes, dropped.
    parallel_edges_split
        Longer, different edges between an already joined pair of nodes (a
        crescent beside a straight street), cut in two by a new node (negative
        id) so that they stay in the network.
    endpoint_mismatches, max_endpoint_shift_m
        Edge geometries whose ends were not exactly at their nodes (moved there).
    components_dropped, component_nodes_dropped, component_edges_dropped
        Connected components other than the largest, and their size.
    from_cache
        True when the network was loaded from the cache.
    """

    source: str
    n_nodes: int = 0
    n_edges: int = 0
    ways_read: int | None = None
    ways_walkable: int | None = None
    missing_node_refs: int = 0
    ways_outside_clip: int = 0
    edges_outside_clip: int = 0
    nodes_merged: int = 0
    self_loops_dropped: int = 0
    self_loops_split: int = 0
    parallel_edges_collapsed: int = 0
    parallel_edges_split: int = 0
    endpoint_mismatches: int = 0
    max_endpoint_shift_m: float = 0.0
    components_dropped: int = 0
    component_nodes_dropped: int = 0
    component_edges_dropped: int = 0
    from_cache: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a plain dict (for logs and JSON)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking network as arrays (see docs/design.md).

    Attributes
    ----------
    crs
        Projected CRS of the coordinates (metres).
    node_osmid
        Source node id of each node (int64; the smallest id of merged nodes;
        -1, -2, ... for nodes added to cut self-loops and parallel edges).
    x, y
        Node coordinates.
    edge_u, edge_v
        Node indices of each edge, ``edge_u < edge_v``; one row per pair.
    edge_length
        Length of each edge's geometry in metres.
    edge_geometry
        LineString of each edge, from ``edge_u`` to ``edge_v``.
    adjacency
        Symmetric CSR matrix (n x n) of edge lengths.
    report
        What was dropped or merged.
    dropped_geometry
        The edges of the connected components other than the largest (left out
        of the network), kept to tell residents whose nearest street was one of
        them (`network.dropped.residents_near_dropped_pieces`).

    Notes
    -----
    The exact edge-snapping index (a KD-tree over points sampled every 10 m
    along the edges, `_snap.network_snap_index`) is per-network
    preprocessing like `adjacency`: built on the first snap and kept, in a
    weak mapping, as long as the network object lives. Benchmarks that time
    repeated queries on one network therefore do not include it (about 0.1 s
    at 80k nodes, a few seconds at 1M); the first query does.
    """

    crs: pyproj.CRS
    node_osmid: npt.NDArray[np.int64]
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int32]
    edge_v: npt.NDArray[np.int32]
    edge_length: npt.NDArray[np.float64]
    edge_geometry: npt.NDArray[np.object_]
    adjacency: sp.csr_matrix
    report: NetworkReport
    dropped_geometry: npt.NDArray[np.object_] = field(
        default_factory=lambda: np.empty(0, dtype=object)
    )

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x.size)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.edge_u.size)

    def edges_gdf(self) -> Any:
        """Return the edges as a GeoDataFrame (``u``, ``v``, ``length``, geometry)."""
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {"u": self.edge_u, "v": self.edge_v, "length": self.edge_length},
            geometry=self.edge_geometry,
            crs=self.crs,
        )


def assemble(
    crs: pyproj.CRS,
    osmid: npt.NDArray[np.int64],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    eu: npt.NDArray[np.int32],
    ev: npt.NDArray[np.int32],
    lengths: npt.NDArray[np.float64],
    geoms: npt.NDArray[np.object_],
    report: NetworkReport,
    dropped: npt.NDArray[np.object_] | None = None,
) -> WalkNetwork:
    """Freeze the cleaned arrays into a `WalkNetwork` (the symmetric CSR matrix built here)."""
    n = x.size
    # no duplicate (i, j) pairs by construction: csr_matrix would add them up
    adjacency = sp.csr_matrix(
        (np.r_[lengths, lengths], (np.r_[eu, ev], np.r_[ev, eu])), shape=(n, n)
    )
    for arr in (osmid, x, y, eu, ev, lengths, geoms):
        arr.flags.writeable = False
    return WalkNetwork(
        crs=crs,
        node_osmid=osmid,
        x=x,
        y=y,
        edge_u=eu,
        edge_v=ev,
        edge_length=lengths,
        edge_geometry=geoms,
        adjacency=adjacency,
        report=report,
        dropped_geometry=np.empty(0, dtype=object) if dropped is None else dropped,
    )


def projected_crs(crs: Any) -> pyproj.CRS:
    """The working CRS as a projected pyproj CRS, or a CRSError saying what to set."""
    if crs is None:
        raise CRSError("a working CRS is required (e.g. 'EPSG:4549' for Nantong).")
    try:
        out = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"cannot understand the working CRS {crs!r}: {exc}") from exc
    if not out.is_projected:
        raise CRSError(
            f"the working CRS {crs!r} is not projected (metres); use e.g. 'EPSG:4549' "
            "for Nantong or the local UTM zone."
        )
    return out
