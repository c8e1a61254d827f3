"""Fallback residents along the streets: points every few metres of walkable street, on land.

A 社区 without residential buildings has no address to put its residents at.
A grid over its interior puts them in rivers, lakes and parks as readily as on
land (on a city-scale study on real Wuhan streets, 8.7% of residents ended up
more than 300 m from any street). People live along streets, so this fallback
places them there instead:

1. the network edges that may host residents are kept (`StreetLayer.geometry`;
   motorways, urban expressways, ramps and bridges host nobody, see
   `.osm_land`);
2. each edge is cut to the 社区 (and a band of ``boundary_m`` around it, for
   streets drawn along its boundary) minus the uninhabited areas (water, parks);
3. each remaining piece of length ``L`` gets ``n = max(1, ceil(L / spacing_m))``
   points at ``(k + 1/2) L / n`` along it, each standing for ``L / n`` metres of
   street, set ``offset_m`` off the centreline to a side that lies inside the
   社区 and on land (alternating sides where both do; on the centreline where
   neither does but it is on land; dropped where not);
4. the residents are shared over the points in proportion to the street length
   they stand for (largest remainder, whole people), so each edge's share of the
   社区's residents is its share of the 社区's usable street length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray

from ..network.model import WalkNetwork

#: Metres of street per fallback point.
DEFAULT_SPACING_M = 50.0
#: Distance of a fallback point from the street centreline (about where the frontage begins).
DEFAULT_OFFSET_M = 10.0
#: Streets this close outside a 社区 (drawn along its boundary) host its residents too.
DEFAULT_BOUNDARY_M = 5.0
#: Pieces of street shorter than this (floating-point slivers where an edge touches the 社区) are ignored.
MIN_PIECE_M = 0.01
#: Share of the spacing a piece may exceed a multiple of it by without an extra point.
_SLACK = 0.01


@dataclass(frozen=True, eq=False)
class StreetLayer:
    """The streets fallback residents stand along and the land they may not stand on.

    Attributes
    ----------
    geometry
        LineStrings of the network edges that may host residents (working CRS).
    uninhabited
        Polygons where nobody lives (water, parks), possibly empty.
    excluded
        LineStrings of the network edges that host nobody.
    excluded_reason
        Why, one label per `excluded` edge (e.g. ``"trunk without sidewalk"``, ``"bridge"``).
    spacing_m, offset_m
        Metres of street per point, and the points' distance from the centreline.
    boundary_m
        Streets up to this far outside a 社区 (a boundary street drawn a little off
        its boundary) host its residents too, on the 社区's side.
    """

    geometry: NDArray[np.object_]
    uninhabited: NDArray[np.object_]
    excluded: NDArray[np.object_] = field(default_factory=lambda: np.empty(0, dtype=object))
    excluded_reason: NDArray[np.object_] = field(default_factory=lambda: np.empty(0, dtype=object))
    spacing_m: float = DEFAULT_SPACING_M
    offset_m: float = DEFAULT_OFFSET_M
    boundary_m: float = DEFAULT_BOUNDARY_M
    _edges: shapely.STRtree = field(init=False, repr=False)
    _water: shapely.STRtree = field(init=False, repr=False)
    _other: shapely.STRtree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not (self.spacing_m > 0 and self.offset_m >= 0 and self.boundary_m >= 0):
            raise ValueError(
                f"spacing_m must be positive, offset_m and boundary_m not negative "
                f"(got {self.spacing_m}, {self.offset_m}, {self.boundary_m})"
            )
        if len(self.excluded) != len(self.excluded_reason):
            raise ValueError("excluded and excluded_reason must have the same length")
        object.__setattr__(self, "_edges", shapely.STRtree(self.geometry))
        object.__setattr__(self, "_water", shapely.STRtree(self.uninhabited))
        object.__setattr__(self, "_other", shapely.STRtree(self.excluded))

    def land(self, polygon: shapely.Geometry) -> shapely.Geometry:
        """The part of ``polygon`` outside the uninhabited areas."""
        hits = self._water.query(polygon, predicate="intersects")
        if len(hits) == 0:
            return polygon
        return shapely.difference(polygon, shapely.union_all(self.uninhabited[hits]))

    def edges_in(self, polygon: shapely.Geometry) -> NDArray[np.intp]:
        """Indices (into `geometry`) of the hosting edges that touch ``polygon``."""
        hits: NDArray[np.intp] = self._edges.query(polygon, predicate="intersects")
        return np.sort(hits)

    def length_in(self, polygon: shapely.Geometry) -> float:
        """Length (m) of the hosting edges inside ``polygon``, water and parks included."""
        hits = self._edges.query(polygon, predicate="intersects")
        return float(shapely.length(shapely.intersection(self.geometry[hits], polygon)).sum())

    def excluded_in(self, polygon: shapely.Geometry) -> dict[str, int]:
        """Why the non-hosting edges inside ``polygon`` host nobody: reason -> number of edges.

        Only edges with a stretch inside count (not those touching it at a point).
        """
        hits = self._other.query(polygon, predicate="intersects")
        inside = shapely.length(shapely.intersection(self.excluded[hits], polygon))
        hits = hits[inside >= MIN_PIECE_M]
        reasons, counts = np.unique(self.excluded_reason[hits].astype(str), return_counts=True)
        return {str(r): int(c) for r, c in zip(reasons, counts, strict=True)}

    def excluded_counts(self) -> dict[str, int]:
        """Why the non-hosting edges of the whole network host nobody: reason -> number of edges."""
        reasons, counts = np.unique(self.excluded_reason.astype(str), return_counts=True)
        return {str(r): int(c) for r, c in zip(reasons, counts, strict=True)}


def street_layer(
    net: WalkNetwork,
    *,
    why_not: NDArray[np.object_] | None = None,
    uninhabited: NDArray[np.object_] | None = None,
    spacing_m: float = DEFAULT_SPACING_M,
    offset_m: float = DEFAULT_OFFSET_M,
    boundary_m: float = DEFAULT_BOUNDARY_M,
) -> StreetLayer:
    """The `StreetLayer` of a walking network.

    Parameters
    ----------
    net
        The walking network (working CRS).
    why_not
        One entry per network edge: ``None`` (or ``""``) when residents may stand
        along it, else why not (e.g. ``"bridge"``). ``None``: every edge hosts.
    uninhabited
        Polygons where nobody lives (water, parks); ``None``: none known.
    spacing_m, offset_m, boundary_m
        Metres of street per point; distance of the points from the centreline;
        how far outside a 社区 a street may run and still host its residents.

    Returns
    -------
    StreetLayer
    """
    geoms = np.asarray(net.edge_geometry, dtype=object)
    reasons = np.full(geoms.size, "", dtype=object)
    if why_not is not None:
        given = np.asarray(why_not, dtype=object)
        if given.shape != geoms.shape:
            raise ValueError(f"why_not: expected {geoms.size} entries, got {given.shape}")
        reasons = np.array(["" if r is None else str(r) for r in given], dtype=object)
    hosts = reasons == ""
    water = (
        np.empty(0, dtype=object)
        if uninhabited is None
        else np.asarray([g for g in uninhabited if g is not None and not g.is_empty], dtype=object)
    )
    return StreetLayer(
        geometry=geoms[hosts],
        uninhabited=water,
        excluded=geoms[~hosts],
        excluded_reason=reasons[~hosts],
        spacing_m=spacing_m,
        offset_m=offset_m,
        boundary_m=boundary_m,
    )


@dataclass(frozen=True)
class StreetPoints:
    """Fallback points of one 社区 along its streets.

    Attributes
    ----------
    points
        Point geometries.
    weights
        Metres of street each point stands for (they sum to `length_m`).
    edge
        Index into `StreetLayer.geometry` of the edge each point stands on.
    length_m
        Street length used: the hosting edges' length inside the 社区 and on land.
    n_edges
        Number of hosting edges with a piece inside the 社区 and on land.
    land
        The 社区 minus the uninhabited areas.
    """

    points: NDArray[np.object_]
    weights: NDArray[np.float64]
    edge: NDArray[np.intp]
    length_m: float
    n_edges: int
    land: shapely.Geometry


def street_points(polygon: shapely.Geometry, layer: StreetLayer) -> StreetPoints:
    """Points along the hosting streets inside ``polygon`` and on land (see the module notes).

    Examples
    --------
    A 100 m street across a 100 x 100 m square, a point every 50 m, 10 m off it:

    >>> from shapely.geometry import LineString, box
    >>> layer = StreetLayer(np.array([LineString([(0, 50), (100, 50)])]), np.empty(0))
    >>> found = street_points(box(0, 0, 100, 100), layer)
    >>> [(p.x, p.y) for p in found.points], found.weights.tolist()
    ([(25.0, 60.0), (75.0, 40.0)], [50.0, 50.0])
    """
    land = layer.land(polygon)
    empty = StreetPoints(
        np.empty(0, dtype=object), np.empty(0), np.empty(0, dtype=np.intp), 0.0, 0, land
    )
    if land.is_empty:
        return empty
    # streets along the boundary are drawn a little off it: take them from a band around it
    reach = layer.land(polygon.buffer(layer.boundary_m)) if layer.boundary_m > 0 else land
    candidates = layer.edges_in(reach)
    if len(candidates) == 0:
        return empty
    pieces = shapely.intersection(layer.geometry[candidates], reach)
    lines, owner = _line_parts(pieces)
    lengths = shapely.length(lines)
    keep = lengths >= MIN_PIECE_M
    lines, owner, lengths = lines[keep], candidates[owner[keep]], lengths[keep]
    if len(lines) == 0:
        return empty

    # a piece a few centimetres over a multiple of the spacing (OSM keeps coordinates to
    # 1e-7 degrees) gets no extra point: 1% of the spacing is slack
    n = np.maximum(1, np.ceil(lengths / layer.spacing_m - _SLACK)).astype(np.int64)
    line_of = np.repeat(np.arange(len(lines)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)  # position within its piece
    step = lengths[line_of] / n[line_of]
    along = (k + 0.5) * step
    xy, on_land = _offset(lines[line_of], along, step, k, land, layer.offset_m)
    edge = owner[line_of]
    return StreetPoints(
        points=shapely.points(xy[on_land]),
        weights=step[on_land].astype(np.float64),
        edge=edge[on_land],
        length_m=float(step[on_land].sum()),
        n_edges=len(np.unique(edge[on_land])),
        land=land,
    )


def _line_parts(
    pieces: NDArray[np.object_],
) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """The LineStrings of each piece (collections opened to any depth) and which piece each came from."""
    parts, owner = shapely.get_parts(pieces, return_index=True)
    while True:
        nested = shapely.get_type_id(parts) >= 4  # multi-part or collection
        if not nested.any():
            break
        inner, pos = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], inner])
        owner = np.concatenate([owner[~nested], owner[nested][pos]])
    lines = shapely.get_type_id(parts) == 1
    order = np.argsort(owner[lines], kind="stable")
    return parts[lines][order], owner[lines][order]


def _offset(
    lines: NDArray[np.object_],
    along: NDArray[np.float64],
    step: NDArray[np.float64],
    k: NDArray[np.int64],
    land: shapely.Geometry,
    offset_m: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each point moved ``offset_m`` square off its line to a side inside ``land``; which are on land.

    Where both sides are on land the points alternate along the piece; where one is,
    they take it; where neither is, they stay on the centreline if that is on land
    (a causeway) and are dropped if not (a street just outside the 社区).
    """
    shapely.prepare(land)
    c = shapely.get_coordinates(shapely.line_interpolate_point(lines, along))
    on_centre = shapely.contains_xy(land, c[:, 0], c[:, 1])
    if offset_m == 0:
        return c, on_centre
    half = np.minimum(1.0, step / 2)
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines, along - half))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines, along + half))
    d = b - a
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / norm[:, None] * offset_m
    left, right = c + normal, c - normal
    in_left = shapely.contains_xy(land, left[:, 0], left[:, 1])
    in_right = shapely.contains_xy(land, right[:, 0], right[:, 1])
    use_left = in_left & (~in_right | (k % 2 == 0))
    use_right = in_right & ~use_left
    xy = c.copy()
    xy[use_left] = left[use_left]
    xy[use_right] = right[use_right]
    return xy, use_left | use_right | on_centre
