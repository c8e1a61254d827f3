"""Walking networks from road-centreline layers (shapefile/GeoPackage LineStrings, no node ids).

Planning institutes hand over road centrelines drawn in CAD or GIS: lines that
cross without a shared vertex, ends that stop 20 cm short of the street they
join, bridges drawn straight across the streets below. Such a layer becomes a
walking graph here in four steps:

1. line ends within ``snap_tolerance_m`` of each other are joined (their
   first-listed end wins), and a dangling end within the tolerance of another
   line is moved onto it (a T-junction drawn short);
2. lines are split where they cross (``split_at_crossings``), at shared
   vertices and where another line ends on them -- but only within one grade
   level: a bridge (``bridge`` column, or ``layer`` > 0) or a tunnel crosses the
   streets below without a junction, and joins them only at its own ends;
3. every piece gets node ids ``u``/``v`` from its rounded end coordinates;
4. `network.walk_network_from_arrays` cleans the graph as for OSM (largest
   connected component kept, the rest reported).

What each step changed is counted in a `CentrelineReport` and logged.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..errors import InputError
from ..io.layers import CrsLike, existing_file, metric_crs, read_vector, to_working
from .build import walk_network_from_arrays
from .model import WalkNetwork

logger = logging.getLogger(__name__)

#: Points closer than this (metres) are the same point.
_EXACT: Final = 1e-9

#: Node keys: end coordinates rounded to this many decimals (micrometres).
_KEY_DECIMALS: Final = 6

#: Values of a ``bridge``/``tunnel`` column that mean "no".
_NO: Final = frozenset({"", "no", "n", "0", "false", "f", "否", "无", "none", "nan"})

Coords = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CentrelineReport:
    """What `node_centrelines` did to a centreline layer.

    Attributes
    ----------
    features_read
        Line features in the layer (after splitting multi-part lines).
    features_excluded
        Features left out by ``exclude``.
    features_dropped
        Features without a usable line (missing, empty, or shorter than the
        snap tolerance once its ends were joined).
    endpoints_joined
        Line ends moved onto another line end within the tolerance.
    endpoints_moved_onto_lines
        Dangling ends moved onto another line (T-junctions drawn short).
    crossings_split
        Pieces added by splitting lines where they cross or meet.
    grade_levels
        Features per grade level (0 at grade, > 0 bridges, < 0 tunnels).
    edges, nodes
        Size of the noded layer.
    """

    features_read: int
    features_excluded: int
    features_dropped: int
    endpoints_joined: int
    endpoints_moved_onto_lines: int
    crossings_split: int
    grade_levels: dict[int, int]
    edges: int
    nodes: int

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a plain dict (for logs and JSON)."""
        return asdict(self)


#: A layer whose line ends meet another line's end this often is taken as noded already.
NODED_SHARE = 0.9


# --------------------------------------------------------------------------- public


def walk_network_from_centrelines(
    path_or_gdf: str | Path | gpd.GeoDataFrame,
    *,
    working_crs: CrsLike,
    crs: CrsLike | None = None,
    layer: str | int | None = None,
    snap_tolerance_m: float = 0.5,
    split_at_crossings: bool = True,
    exclude: Mapping[str, Iterable[object]] | None = None,
) -> WalkNetwork:
    """Build a `WalkNetwork` from a road-centreline layer with nodes at its intersections.

    Parameters
    ----------
    path_or_gdf
        A shapefile/GeoPackage/GeoJSON of (Multi)LineStrings, or a GeoDataFrame.
        Optional columns ``layer`` (integer grade level, as in OSM), ``bridge``
        and ``tunnel`` (yes/no, 是/否, 1/0) keep grade-separated crossings apart.
    working_crs
        The metric CRS of the study (EPSG:4549 in Nantong).
    crs
        The layer's CRS when it has none (a shapefile without .prj), or to
        override it.
    layer
        The layer of a multi-layer file.
    snap_tolerance_m
        Line ends closer than this to another end or line are joined to it
        (digitising gaps); 0 joins only exactly coincident points.
    split_at_crossings
        Split lines where they cross at the same grade level (CAD drawings
        rarely put a vertex there). False when the layer is already noded and
        crossings without a shared vertex are not junctions.
    exclude
        Features to leave out, ``{column: values}``, e.g.
        ``{"道路等级": ["高速公路", "快速路"]}`` (expressways without footways).

    Returns
    -------
    WalkNetwork
        As from an OSM file (largest connected component; what was dropped in
        ``report``). ``node_osmid`` holds the centreline node numbers.

    Raises
    ------
    InputError
        Missing or empty file, non-line geometries, an ``exclude`` column the
        layer lacks, nothing left to walk on.
    CRSError
        No CRS and no ``crs`` (the message asks a precise question).

    Examples
    --------
    >>> net = walk_network_from_centrelines("道路中心线.shp", working_crs="EPSG:4549",
    ...     exclude={"道路等级": ["高速公路"]})  # doctest: +SKIP
    """
    working = metric_crs(working_crs)
    what = "road centrelines"
    if isinstance(path_or_gdf, gpd.GeoDataFrame):
        source = "centreline GeoDataFrame"
        gdf = path_or_gdf
        if len(gdf) == 0:
            raise InputError(f"{source}: the {what} have no features.")
        notes: list[str] = []
        gdf = to_working(gdf, crs, working, path=Path(source), what=what, notes=notes)
    else:
        p = existing_file(path_or_gdf, what)
        source = str(p)
        gdf, notes = read_vector(p, what=what, encoding=None, layer=layer)
        gdf = to_working(gdf, crs, working, path=p, what=what, notes=notes)
    edges, _ = node_centrelines(
        gdf,
        snap_tolerance_m=snap_tolerance_m,
        split_at_crossings=split_at_crossings,
        exclude=exclude,
        source=source,
    )
    # Node coordinates are known exactly (the pieces run from u to v), so the arrays
    # constructor is used rather than walk_network_from_edges, which infers them.
    start = shapely.get_coordinates(shapely.get_point(edges.geometry.to_numpy(), 0))
    end = shapely.get_coordinates(shapely.get_point(edges.geometry.to_numpy(), -1))
    ids = np.r_[edges["u"].to_numpy(), edges["v"].to_numpy()]
    xy = np.vstack([start, end])
    node_id, first = np.unique(ids, return_index=True)
    return walk_network_from_arrays(
        node_id,
        xy[first, 0],
        xy[first, 1],
        edges["u"].to_numpy(),
        edges["v"].to_numpy(),
        edges.geometry.to_numpy(),
        crs=working,
        source=source,
    )


def node_centrelines(
    lines: gpd.GeoDataFrame,
    *,
    snap_tolerance_m: float = 0.5,
    split_at_crossings: bool = True,
    exclude: Mapping[str, Iterable[object]] | None = None,
    source: str = "centrelines",
) -> tuple[gpd.GeoDataFrame, CentrelineReport]:
    """Node a centreline layer: pieces between junctions with ``u``/``v`` node ids.

    Parameters
    ----------
    lines
        (Multi)LineStrings in a metric CRS; optional ``layer``/``bridge``/``tunnel``
        columns (any case).
    snap_tolerance_m, split_at_crossings, exclude
        See `walk_network_from_centrelines`.
    source
        The layer's name, for messages.

    Returns
    -------
    tuple
        A GeoDataFrame (``u``, ``v`` (int64 node ids), ``level``, LineString
        geometry; same CRS) and a `CentrelineReport`.
    """
    if lines.crs is None or not lines.crs.is_projected:
        raise InputError(
            f"{source}: the centrelines must be in a metric CRS to be noded, not {lines.crs}."
        )
    if snap_tolerance_m < 0:
        raise ValueError(f"snap_tolerance_m must be >= 0, not {snap_tolerance_m}")
    gdf, excluded = _exclude(lines, exclude, source)
    parts = gdf.explode(index_parts=False, ignore_index=True)
    geoms = shapely.force_2d(parts.geometry.to_numpy())
    levels = _grade_levels(parts, source)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    not_line = ~missing & ~np.isin(types, [1, 2])  # LineString, LinearRing
    if not_line.any():
        bad = [f"feature {i + 1} ({geoms[i].geom_type})" for i in np.flatnonzero(not_line)[:10]]
        raise InputError(
            f"{source}: road centrelines must be lines, but {int(not_line.sum())} are not: "
            f"{bad}. Give the centreline layer, not road surfaces or points."
        )
    coords = [
        _dedupe(shapely.get_coordinates(g)) if not m else None
        for g, m in zip(geoms, missing, strict=True)
    ]
    n_read = len(coords)

    # 1. join line ends within the tolerance
    alive = np.array([c is not None and len(c) >= 2 for c in coords], dtype=bool)
    joined = _join_ends(coords, alive, snap_tolerance_m)
    for i in np.flatnonzero(alive):
        c = coords[i]
        assert c is not None
        c = _dedupe(c)
        coords[i] = c
        if len(c) < 2:
            alive[i] = False
    dropped = int(n_read - alive.sum())
    if dropped:
        logger.warning(
            "%s: %d centreline feature(s) without a usable line (missing, empty or shorter "
            "than %.2f m) left out",
            source,
            dropped,
            snap_tolerance_m,
        )
    idx = np.flatnonzero(alive)
    if idx.size == 0:
        raise InputError(f"{source}: no usable road centreline left; check the layer.")
    live: list[Coords] = [coords[i] for i in idx]  # type: ignore[misc]
    lv = levels[idx]

    # 2. ends on other lines: junctions (exact) or T-junctions drawn short (dangles)
    moved, junctions = _ends_onto_lines(live, lv, snap_tolerance_m)

    # 3. node each grade level, then split at the junctions of that level
    ends_total = ends_shared = crossing_only = 0
    pieces: list[Coords] = []
    piece_level: list[int] = []
    for level in np.unique(lv):
        members = np.flatnonzero(lv == level)
        split_points = set(junctions.get(int(level), set()))
        counts: dict[tuple[float, float], int] = defaultdict(int)
        for m in members:
            c = live[m]
            split_points.add((float(c[0, 0]), float(c[0, 1])))
            split_points.add((float(c[-1, 0]), float(c[-1, 1])))
            for key in {(float(x), float(y)) for x, y in c}:
                counts[key] += 1
            seen: set[tuple[float, float]] = set()
            for x, y in c[1:-1]:  # a line through its own vertex twice (a loop)
                key = (float(x), float(y))
                if key in seen:
                    split_points.add(key)
                seen.add(key)
        split_points.update(k for k, n in counts.items() if n > 1)
        ends_total += 2 * members.size
        ends_shared += sum(
            (counts[(float(live[m][i, 0]), float(live[m][i, 1]))] > 1)
            for m in members
            for i in (0, -1)
        )
        if split_at_crossings and members.size > 1:
            noded = shapely.union_all(_lines([live[m] for m in members]))
            level_lines = [shapely.get_coordinates(g) for g in shapely.get_parts(noded)]
            unnoded = sum(len(_split_at(live[m], split_points)) for m in members)
            crossing_only += max(
                0, sum(len(_split_at(c, split_points)) for c in level_lines) - unnoded
            )
        else:
            level_lines = [live[m] for m in members]
        for c in level_lines:
            for piece in _split_at(c, split_points):
                pieces.append(piece)
                piece_level.append(int(level))
    crossings = len(pieces) - len(live)
    if crossing_only and ends_total and ends_shared / ends_total >= NODED_SHARE:
        logger.warning(
            "%s: the layer looks noded already (%.0f%% of line ends meet another line's "
            "end), yet splitting at crossings cut %d more piece(s) where lines cross without "
            "a shared point. If those crossings are bridges or underpasses drawn without a "
            "level, set split_at_crossings = false in [inputs.network] (or give the layer a "
            "level / bridge column): joining them makes walks shorter than they are",
            source,
            100 * ends_shared / ends_total,
            crossing_only,
        )

    # 4. node ids from rounded end coordinates
    starts = np.array([p[0] for p in pieces])
    ends = np.array([p[-1] for p in pieces])
    keys = np.round(np.vstack([starts, ends]), _KEY_DECIMALS)
    _, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    u = inverse[: len(pieces)].astype(np.int64)
    v = inverse[len(pieces) :].astype(np.int64)
    edge_geoms = _lines(pieces)
    length = shapely.length(edge_geoms)
    keep = ~((u == v) & (length <= _EXACT))
    edges = gpd.GeoDataFrame(
        {"u": u[keep], "v": v[keep], "level": np.array(piece_level, dtype=np.int64)[keep]},
        geometry=edge_geoms[keep],
        crs=lines.crs,
    )
    grade_levels = {int(k): int((lv == k).sum()) for k in np.unique(lv)}
    report = CentrelineReport(
        features_read=n_read + excluded,
        features_excluded=excluded,
        features_dropped=dropped,
        endpoints_joined=joined,
        endpoints_moved_onto_lines=moved,
        crossings_split=max(crossings, 0),
        grade_levels=grade_levels,
        edges=len(edges),
        nodes=int(np.unique(np.r_[edges["u"], edges["v"]]).size),
    )
    logger.info(
        "%s: %d centreline features -> %d edges, %d nodes (%d ends joined, %d T-junctions "
        "closed, %d pieces from splitting at junctions; grade levels %s)",
        source,
        report.features_read,
        report.edges,
        report.nodes,
        joined,
        moved,
        report.crossings_split,
        report.grade_levels,
    )
    return edges, report


# --------------------------------------------------------------------------- steps


def _lines(coords: list[Coords]) -> npt.NDArray[np.object_]:
    out = np.empty(len(coords), dtype=object)
    for i, c in enumerate(coords):
        out[i] = shapely.LineString(c)
    return out


def _dedupe(c: Coords) -> Coords:
    """Coordinates without consecutive repeats."""
    c = np.asarray(c, dtype=np.float64)[:, :2]
    if len(c) < 2:
        return c
    keep = np.r_[True, np.any(c[1:] != c[:-1], axis=1)]
    return c[keep].copy()


def _exclude(
    lines: gpd.GeoDataFrame, exclude: Mapping[str, Iterable[object]] | None, source: str
) -> tuple[gpd.GeoDataFrame, int]:
    if not exclude:
        return lines, 0
    drop = np.zeros(len(lines), dtype=bool)
    for column, values in exclude.items():
        if column not in lines.columns:
            found = [str(c) for c in lines.columns if c != lines.geometry.name]
            raise InputError(
                f"{source}: exclude names the column {column!r}, which the centreline layer "
                f"does not have. Columns found: {found}. Fix the 'exclude' setting."
            )
        wanted = {str(v).strip() for v in values}
        cells = lines[column].map(lambda x: None if x is None else str(x).strip())
        drop |= cells.isin(wanted).to_numpy()
    if drop.any():
        logger.info(
            "%s: %d centreline feature(s) excluded by %s", source, int(drop.sum()), dict(exclude)
        )
    return lines[~drop], int(drop.sum())


def _grade_levels(gdf: gpd.GeoDataFrame, source: str) -> npt.NDArray[np.int64]:
    """Grade level per feature: ``layer`` when given, else 1 for bridges, -1 for tunnels, 0."""
    by_lower = {str(c).lower(): c for c in gdf.columns if c != gdf.geometry.name}
    n = len(gdf)
    level = np.zeros(n, dtype=np.int64)
    if "layer" in by_lower:
        raw = pd.to_numeric(gdf[by_lower["layer"]], errors="coerce")
        bad = (
            raw.isna()
            & gdf[by_lower["layer"]].notna()
            & (gdf[by_lower["layer"]].astype(str).str.strip() != "")
        )
        if bad.any():
            logger.warning(
                "%s: %d value(s) of column %r are not whole numbers (e.g. %r); taken as 0 "
                "(at grade)",
                source,
                int(bad.sum()),
                by_lower["layer"],
                gdf[by_lower["layer"]][bad].iloc[0],
            )
        level = raw.fillna(0).round().astype(np.int64).to_numpy()

    def flag(name: str) -> npt.NDArray[np.bool_]:
        if name not in by_lower:
            return np.zeros(n, dtype=bool)
        cells = gdf[by_lower[name]].map(lambda x: "" if x is None else str(x).strip().lower())
        no: npt.NDArray[np.bool_] = cells.isin(_NO).to_numpy()
        return ~no

    bridge, tunnel = flag("bridge"), flag("tunnel")
    level = np.where((level == 0) & bridge, 1, level)
    return np.where((level == 0) & tunnel, -1, level)


def _join_ends(coords: list[Coords | None], alive: npt.NDArray[np.bool_], tol: float) -> int:
    """Move line ends within ``tol`` of each other onto one point (the first listed). In place."""
    if tol <= 0:
        return 0
    idx = np.flatnonzero(alive)
    if idx.size == 0:
        return 0
    ends = np.vstack([coords[i][[0, -1]] for i in idx])  # type: ignore[index]
    pairs = cKDTree(ends).query_pairs(tol, output_type="ndarray")
    if len(pairs) == 0:
        return 0
    n = len(ends)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    first = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    target = ends[first[labels]]
    moved = np.any(target != ends, axis=1)
    for k in np.flatnonzero(moved):
        c = coords[idx[k // 2]]
        assert c is not None
        c[0 if k % 2 == 0 else -1] = target[k]
    return int(moved.sum())


def _ends_onto_lines(
    lines: list[Coords], level: npt.NDArray[np.int64], tol: float
) -> tuple[int, dict[int, set[tuple[float, float]]]]:
    """Join line ends to the interior of other lines; returns moved count and junctions by level.

    An end exactly on another line is a junction (a vertex is inserted there);
    a dangling end (no other line ends there) within ``tol`` of a line is moved
    onto it. Across grade levels only the ends of bridges/tunnels join other
    lines (their ramps come down to the street); a street ending under a bridge
    does not join it. Lines are modified in place.
    """
    ends = np.vstack([c[[0, -1]] for c in lines])
    uniq, inverse = np.unique(ends, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    owners: list[list[int]] = [[] for _ in range(len(uniq))]
    for k, g in enumerate(inverse):
        owners[g].append(k // 2)
    geoms = _lines(lines)
    tree = shapely.STRtree(geoms)
    pts = shapely.points(uniq)
    pi, li = tree.query(pts, predicate="dwithin", distance=max(tol, _EXACT))
    dist = shapely.distance(pts[pi], geoms[li])
    inserts: dict[int, list[npt.NDArray[np.float64]]] = defaultdict(list)
    junctions: dict[int, set[tuple[float, float]]] = defaultdict(set)
    moved = 0
    by_point: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for p, line, d in zip(pi, li, dist, strict=True):
        own = owners[p]
        if line in own:
            continue
        if not any(level[o] == level[line] or level[o] != 0 for o in own):
            continue
        by_point[int(p)].append((float(d), int(line)))
    for p, cands in by_point.items():
        exact = [line for d, line in cands if d <= _EXACT]
        point = uniq[p]
        if exact:
            for line in exact:
                inserts[line].append(point)
                junctions[int(level[line])].add((float(point[0]), float(point[1])))
            continue
        if len(owners[p]) != 1:
            continue  # ends already joined to other ends stay where they are
        d, line = min(cands)
        if d > tol:
            continue
        target = shapely.get_coordinates(
            shapely.line_interpolate_point(
                geoms[line], shapely.line_locate_point(geoms[line], pts[p])
            )
        )[0]
        k = int(np.flatnonzero(inverse == p)[0])
        lines[k // 2][0 if k % 2 == 0 else -1] = target
        inserts[line].append(target)
        junctions[int(level[line])].add((float(target[0]), float(target[1])))
        moved += 1
    for line, points in inserts.items():
        lines[line] = _insert_vertices(lines[line], points)
    if moved:
        logger.info("%d dangling line end(s) moved onto the line they almost touch", moved)
    return moved, dict(junctions)


def _insert_vertices(c: Coords, points: list[npt.NDArray[np.float64]]) -> Coords:
    """``c`` with each point made a vertex: an existing vertex at the point is set to it exactly."""
    c = c.copy()
    for p in points:
        dv = np.hypot(c[:, 0] - p[0], c[:, 1] - p[1])
        k = int(np.argmin(dv))
        if dv[k] <= _EXACT:
            c[k] = p
            continue
        a, b = c[:-1], c[1:]
        ab = b - a
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1.0), 0, 1)
        proj = a + ab * t[:, None]
        seg = int(np.argmin(np.hypot(proj[:, 0] - p[0], proj[:, 1] - p[1])))
        c = np.insert(c, seg + 1, p, axis=0)
    return c


def _split_at(c: Coords, points: set[tuple[float, float]]) -> list[Coords]:
    """Pieces of ``c`` split at its interior vertices that are in ``points``."""
    cut = [k for k in range(1, len(c) - 1) if (float(c[k, 0]), float(c[k, 1])) in points]
    if not cut:
        return [c]
    bounds = [0, *cut, len(c) - 1]
    return [c[a : b + 1] for a, b in itertools.pairwise(bounds)]
