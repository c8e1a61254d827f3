"""The bundled synthetic sample city: reproducible, and built like real inputs.

The generator (scripts/make_sample_city.py, which runs the package
scripts/sample_city/) is run once into a temporary directory; its output must
reproduce the committed files in data/. The other tests check the committed
files with numbers worked out independently of the generator (area sums,
point-in-polygon, ratios from the table).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point, Polygon

from facility_coverage.crs import gcj02_to_wgs84

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SAMPLE = DATA / "sample"
BOUNDS = DATA / "boundaries"
TEXT_FILES = [
    "sample/sample_city.osm",
    "sample/communities.csv",
    "sample/facilities_amap.csv",
    "sample/villages_points.csv",
    "sample/indicators.csv",
    "sample/study.toml",
    "sample/metadata.json",
    "sample/ground_truth.json",
    "sample/README.md",
]
TO_4549 = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample_city")
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_sample_city.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def osm() -> dict[str, object]:
    """Nodes (id -> (x, y) in EPSG:4549, tags) and ways (tags, node ids) of the OSM file."""
    root = ET.parse(SAMPLE / "sample_city.osm").getroot()
    ids, lons, lats, ntags = [], [], [], {}
    for n in root.iter("node"):
        i = int(n.get("id"))
        ids.append(i)
        lons.append(float(n.get("lon")))
        lats.append(float(n.get("lat")))
        tags = {t.get("k"): t.get("v") for t in n.iter("tag")}
        if tags:
            ntags[i] = tags
    x, y = TO_4549.transform(np.array(lons), np.array(lats))
    xy = {i: (float(a), float(b)) for i, a, b in zip(ids, x, y, strict=True)}
    ways = []
    for w in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in w.iter("tag")}
        refs = [int(nd.get("ref")) for nd in w.iter("nd")]
        ways.append((int(w.get("id")), tags, refs))
    return {"root": root, "xy": xy, "ntags": ntags, "ways": ways}


@pytest.fixture(scope="session")
def streets() -> gpd.GeoDataFrame:
    return gpd.read_file(BOUNDS / "streets.gpkg")


@pytest.fixture(scope="session")
def communities() -> gpd.GeoDataFrame:
    return gpd.read_file(BOUNDS / "communities.gpkg")


@pytest.fixture(scope="session")
def table() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "communities.csv", encoding="utf-8-sig", dtype={"社区代码": str})


@pytest.fixture(scope="session")
def facilities() -> pd.DataFrame:
    return pd.read_csv(
        SAMPLE / "facilities_amap.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )


# ---------------------------------------------------------------- reproducibility


@pytest.mark.slow
@pytest.mark.parametrize("name", TEXT_FILES)
def test_generator_reproduces_text_files(regenerated: Path, name: str) -> None:
    assert (regenerated / name).read_bytes() == (DATA / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.parametrize("name", ["streets", "communities", "villages", "circles"])
def test_generator_reproduces_geopackages(regenerated: Path, name: str) -> None:
    new = gpd.read_file(regenerated / "boundaries" / f"{name}.gpkg")
    old = gpd.read_file(BOUNDS / f"{name}.gpkg")
    pd.testing.assert_frame_equal(new.drop(columns="geometry"), old.drop(columns="geometry"))
    assert new.crs == old.crs
    assert new.geometry.geom_equals_exact(old.geometry, tolerance=1e-6).all()


# ---------------------------------------------------------------- the table


def test_community_table_headers_and_totals(table: pd.DataFrame) -> None:
    assert (SAMPLE / "communities.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(table.columns) == [
        "社区代码",
        "社区名称",
        "户数",
        "常住人口",
        "60岁以上人口",
        "0-3岁人口",
        "小区类型",
        "总建筑面积(㎡)",
        "商业及综合服务建筑面积(㎡)",
        "养老服务设施建筑面积(㎡)",
        "托育服务设施建筑面积(㎡)",
    ]
    residents = table["常住人口"].sum()
    households = table["户数"].sum()
    assert 85_000 <= residents <= 95_000
    assert 30_000 <= households <= 34_000
    assert 2.6 <= residents / households <= 3.0
    assert 0.22 <= table["60岁以上人口"].sum() / residents <= 0.28
    assert 0.018 <= table["0-3岁人口"].sum() / residents <= 0.03
    assert set(table["小区类型"]) == {"新建", "改造", "既有"}
    assert (table["商业及综合服务建筑面积(㎡)"] < table["总建筑面积(㎡)"]).all()


def test_codes_are_12_digit_and_consistent(
    table: pd.DataFrame, communities: gpd.GeoDataFrame, streets: gpd.GeoDataFrame
) -> None:
    assert communities["社区代码"].str.fullmatch(r"\d{12}").all()
    assert streets["街道代码"].str.fullmatch(r"\d{9}000").all()
    assert (communities["社区代码"].str[:9] == communities["街道代码"].str[:9]).all()
    assert set(communities["街道代码"]) == set(streets["街道代码"])
    assert sorted(table["社区代码"]) == sorted(communities["社区代码"])
    assert 18 <= len(communities) <= 24
    # three 街道 (digits 7-9 in 001-099) and one 镇 (100-199), as the 统计用区划代码 has them
    kinds = streets["街道代码"].str[6:9].astype(int)
    assert sorted(kinds) == [1, 2, 3, 100]
    assert streets.loc[kinds >= 100, "街道名称"].str.endswith("镇").all()
    assert streets.loc[kinds < 100, "街道名称"].str.endswith("街道").all()


# ---------------------------------------------------------------- boundaries


def test_boundaries_crs_and_fields(
    streets: gpd.GeoDataFrame, communities: gpd.GeoDataFrame
) -> None:
    assert streets.crs.to_epsg() == 4549
    assert communities.crs.to_epsg() == 4549
    assert list(streets.columns) == ["街道代码", "街道名称", "区县", "geometry"]
    assert list(communities.columns) == [
        "社区代码",
        "社区名称",
        "街道代码",
        "街道名称",
        "区县",
        "geometry",
    ]
    assert streets.is_valid.all() and communities.is_valid.all()


def test_communities_tile_each_street(
    streets: gpd.GeoDataFrame, communities: gpd.GeoDataFrame
) -> None:
    """社区 tile each 街道; in the 镇 the 镇区 社区 and the 行政村 tile it together."""
    villages = gpd.read_file(BOUNDS / "villages.gpkg")
    total = 0.0
    for _, s in streets.iterrows():
        parts = list(communities.loc[communities["街道代码"] == s["街道代码"], "geometry"])
        parts += list(villages.loc[villages["乡镇代码"] == s["街道代码"], "geometry"])
        if s["街道名称"].endswith("镇"):
            assert len(parts) >= 5  # the 镇区 社区 and at least four 行政村
        union = shapely.union_all(parts)
        # no gaps: the union is the street; no overlaps: the areas add up to it
        assert abs(union.area - s.geometry.area) < 1.0
        assert abs(sum(p.area for p in parts) - s.geometry.area) < 1.0
        assert s.geometry.symmetric_difference(union).area < 1.0
        total += s.geometry.area
    # the city is 4 km x 3 km, the 镇 4 km x 4 km
    assert total == pytest.approx(12_000_000.0 + 16_000_000.0, abs=1.0)


# ---------------------------------------------------------------- the OSM file


def test_osm_file_is_well_formed(osm: dict[str, object]) -> None:
    assert (SAMPLE / "sample_city.osm").stat().st_size < 8_000_000
    root = osm["root"]
    node_ids = [int(n.get("id")) for n in root.iter("node")]
    assert node_ids == list(range(1, len(node_ids) + 1))
    for el in [*root.iter("node"), *root.iter("way")]:
        assert el.get("version") == "1" and el.get("visible") == "true"
    for n in list(root.iter("node"))[:50]:
        assert len(n.get("lat").split(".")[1]) == 7
    known = set(node_ids)
    for _, _, refs in osm["ways"]:
        assert set(refs) <= known


def _highway_only(path: Path, out: Path) -> Path:
    """A copy of the OSM file with only highway ways (osmnx.graph_from_xml keeps every way)."""
    root = ET.parse(path).getroot()
    for w in list(root.findall("way")):
        if not any(t.get("k") == "highway" for t in w.findall("tag")):
            root.remove(w)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return out


@pytest.fixture(scope="session")
def graph(tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    path = _highway_only(SAMPLE / "sample_city.osm", tmp_path_factory.mktemp("osm") / "roads.osm")
    g = ox.graph_from_xml(path, simplify=False, retain_all=True)
    g.remove_nodes_from(list(nx.isolates(g)))  # building, area and POI nodes are on no road
    return g


def test_osm_network_parses_and_is_connected(graph: nx.MultiDiGraph) -> None:
    assert nx.number_weakly_connected_components(graph) == 1
    edges = ox.graph_to_gdfs(graph, nodes=False)
    highways = set(edges["highway"])
    assert {
        "primary",
        "secondary",
        "tertiary",
        "residential",
        "service",
        "footway",
        "path",
        "steps",
    } <= highways
    private = edges[edges["access"] == "private"]
    assert len(private) > 100
    assert set(private["highway"]) == {"service", "footway"}
    bridges = edges[edges["bridge"] == "yes"]
    assert set(bridges["name"]) >= {"望潮大道", "东澜路", "北澜路"}


def test_private_roads_reached_only_through_gates(osm: dict[str, object]) -> None:
    """Compound roads join public roads only at barrier=gate nodes."""
    ntags = osm["ntags"]
    public_nodes: set[int] = set()
    private_nodes: set[int] = set()
    for _, tags, refs in osm["ways"]:
        if "highway" not in tags:
            continue
        (private_nodes if tags.get("access") == "private" else public_nodes).update(refs)
    shared = public_nodes & private_nodes
    assert len(shared) > 100
    assert all(ntags.get(n, {}).get("barrier") == "gate" for n in shared)


def _water(osm: dict[str, object]) -> Polygon:
    xy = osm["xy"]
    polys = [
        Polygon([xy[r] for r in refs])
        for _, tags, refs in osm["ways"]
        if tags.get("natural") == "water"
    ]
    assert len(polys) == 1
    return polys[0]


def test_canal_crossed_only_at_bridges(osm: dict[str, object]) -> None:
    xy = osm["xy"]
    water = _water(osm)
    crossing_bridges = set()
    for wid, tags, refs in osm["ways"]:
        if "highway" not in tags:
            continue
        line = LineString([xy[r] for r in refs])
        if line.intersects(water):
            assert tags.get("bridge") == "yes" and tags.get("layer") == "1", (wid, tags)
            crossing_bridges.add(wid)
    assert len(crossing_bridges) == 3


def _canal(osm: dict[str, object]) -> LineString:
    xy = osm["xy"]
    return next(
        LineString([xy[r] for r in refs])
        for _, tags, refs in osm["ways"]
        if tags.get("waterway") == "canal"
    )


def test_ways_that_meet_share_a_node(osm: dict[str, object]) -> None:
    """Streets that reach another way share a node with it, as in real OSM.

    A way end within 1 m of another way must be one of that way's nodes (a
    street that stops a few millimetres short of the promenade is a dead end in
    any network built from the file); true dead ends are therefore more than
    1 m from every other way. Ways on the same layer that cross share a node at
    the crossing; bridges (layer 1) touch other ways only at their two ends.
    """
    xy = osm["xy"]
    ways = [(wid, tags, refs) for wid, tags, refs in osm["ways"] if "highway" in tags]
    lines = [LineString([xy[r] for r in refs]) for _, _, refs in ways]
    nodes = [set(refs) for _, _, refs in ways]
    tree = shapely.STRtree(lines)

    def label(i: int) -> str:
        wid, tags, _ = ways[i]
        return f"way {wid} {tags.get('name', tags['highway'])}"

    ends = [
        (i, r) for i, (_, _, refs) in enumerate(ways) for r in dict.fromkeys((refs[0], refs[-1]))
    ]
    pts = shapely.points(np.array([xy[r] for _, r in ends]))
    e_idx, w_idx = tree.query(pts, predicate="dwithin", distance=1.0)
    short = [
        (label(ends[e][0]), label(j), round(float(lines[j].distance(pts[e])), 4))
        for e, j in zip(e_idx, w_idx, strict=True)
        if j != ends[e][0] and ends[e][1] not in nodes[j]
    ]
    assert not short, short
    # so a dead end (an end on no other way) is more than 1 m from every other way
    dead = [k for k, (_, r) in enumerate(ends) if sum(r in ns for ns in nodes) == 1]
    assert len(dead) > 50  # driveways, compound footways and park paths end on their own
    for k in dead:
        i = ends[k][0]
        others = [j for j in tree.query(pts[k], predicate="dwithin", distance=1.0) if j != i]
        assert not others, (label(i), [label(j) for j in others])

    left, right = tree.query(lines, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        meet = lines[i].intersection(lines[j])
        common = [Point(xy[r]) for r in nodes[i] & nodes[j]]
        bridge = [k for k in (i, j) if ways[k][1].get("bridge") == "yes"]
        if ways[i][1].get("layer", "0") != ways[j][1].get("layer", "0"):
            # a bridge meets the street it carries and the promenades only at its ends
            (b,) = bridge
            b_refs = ways[b][2]
            assert nodes[i] & nodes[j] <= {b_refs[0], b_refs[-1]}, (label(i), label(j))
        for part in shapely.get_parts(meet):
            for c in part.coords:
                assert any(Point(c).distance(q) < 0.05 for q in common), (label(i), label(j), c)
    for b in (k for k, (_, tags, _) in enumerate(ways) if tags.get("bridge") == "yes"):
        inner = set(ways[b][2][1:-1])
        assert not any(inner & nodes[j] for j in range(len(ways)) if j != b), label(b)


def test_streets_cut_at_the_canal_end_on_the_promenades(osm: dict[str, object]) -> None:
    """'Other streets end at the riverside promenades': on a promenade node, not beside it."""
    xy = osm["xy"]
    canal = _canal(osm)
    water = _water(osm)
    promenade: set[int] = set()
    for _, tags, refs in osm["ways"]:
        if tags.get("name") == "青澜河滨河步道":
            assert tags["highway"] == "footway"
            assert not LineString([xy[r] for r in refs]).intersects(water)
            promenade.update(refs)
    ending = 0
    for _, tags, refs in osm["ways"]:
        if "highway" not in tags or tags.get("name") == "青澜河滨河步道":
            continue
        for r in (refs[0], refs[-1]):
            if canal.distance(Point(xy[r])) < 25.0:
                assert r in promenade, (tags.get("name"), r)
                ending += tags.get("bridge") != "yes"
    assert ending >= 10


def test_corner_beyond_canal(osm: dict[str, object], streets: gpd.GeoDataFrame) -> None:
    """The canal cuts a corner off the district: part of the district lies beyond it."""
    district = shapely.union_all(streets.geometry.to_numpy())
    pieces = shapely.get_parts(district.difference(_water(osm)))
    areas = sorted(p.area for p in pieces)
    assert len(areas) == 2
    assert 0.3e6 < areas[0] < 2.0e6


def test_buildings_and_pois(osm: dict[str, object]) -> None:
    ways = osm["ways"]
    res = [t for _, t, _ in ways if t.get("building") in {"residential", "apartments"}]
    other = {t.get("building") for _, t, _ in ways if "building" in t} - {
        "residential",
        "apartments",
    }
    assert len(res) > 500
    levels = np.array([int(t["building:levels"]) for t in res])
    assert levels.min() <= 4 and levels.max() >= 16
    assert {"retail", "school", "commercial"} <= other
    assert any(t.get("leisure") == "park" for _, t, _ in ways)
    assert sum(t.get("landuse") == "residential" and "name" in t for _, t, _ in ways) > 50
    assert sum(t.get("waterway") == "canal" for _, t, _ in ways) == 1
    pois = [t for t in osm["ntags"].values() if "name" in t]
    assert 30 <= len(pois) <= 50
    assert all(t["name:zh"] for t in pois)
    kinds = {t.get("shop") or t.get("amenity") for t in pois}
    assert {"convenience", "supermarket", "pharmacy", "marketplace", "hairdresser"} <= kinds


# ---------------------------------------------------------------- facilities


def test_facilities_table_is_amap_like(facilities: pd.DataFrame) -> None:
    assert (SAMPLE / "facilities_amap.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(facilities.columns)[:6] == ["名称", "类型", "类型编码", "地址", "经度", "纬度"]
    assert facilities["类型编码"].str.fullmatch(r"\d{6}").all()
    assert (facilities["类型编码"].str[0] == "0").any()  # leading zeros kept
    assert facilities["类型"].str.count(";").eq(2).all()
    assert facilities["经度"].str.fullmatch(r"\d+\.\d{6}").all()
    assert 380 <= len(facilities) <= 460
    for col in ("是否普惠", "是否示范", "是否综合性", "省级普惠性", "省级示范性"):
        assert set(facilities[col]) <= {"", "是", "否"}, col
    for col in ("功能", "普惠护理型床位数", "托班托位数", "学位数"):
        assert col in facilities.columns


def test_facilities_inside_district_after_gcj02_conversion(
    facilities: pd.DataFrame, streets: gpd.GeoDataFrame
) -> None:
    glon = facilities["经度"].astype(float).to_numpy()
    glat = facilities["纬度"].astype(float).to_numpy()
    lon, lat = gcj02_to_wgs84(glon, glat)
    x, y = TO_4549.transform(lon, lat)
    district = shapely.union_all(streets.geometry.to_numpy())
    assert shapely.contains_xy(district, x, y).all()
    # the raw GCJ-02 values are offset by several hundred metres (not WGS84 by mistake)
    gx, gy = TO_4549.transform(glon, glat)
    shift = np.hypot(gx - x, gy - y)
    assert shift.min() > 300 and shift.max() < 700


# ---------------------------------------------------------------- planted gaps


def _points(facilities: pd.DataFrame, mask: pd.Series) -> gpd.GeoSeries:
    lon, lat = gcj02_to_wgs84(
        facilities.loc[mask, "经度"].astype(float).to_numpy(),
        facilities.loc[mask, "纬度"].astype(float).to_numpy(),
    )
    x, y = TO_4549.transform(lon, lat)
    return gpd.GeoSeries([Point(a, b) for a, b in zip(x, y, strict=True)], crs="EPSG:4549")


def test_no_vegetable_market_beyond_canal(
    facilities: pd.DataFrame, communities: gpd.GeoDataFrame
) -> None:
    truth = json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))
    corner = communities[communities["社区代码"].isin(truth["measured"]["corner"]["communities"])]
    assert len(corner) == 2
    markets = _points(facilities, facilities["类型编码"].str.startswith("0607"))
    assert len(markets) >= 8
    assert not shapely.union_all(corner.geometry.to_numpy()).intersects(
        shapely.union_all(markets.to_numpy())
    )
    c = truth["measured"]["corner"]
    assert 1200 < c["market_distance_m_min"] <= c["market_distance_m_median"] <= 2000
    assert c["share_within_1200m"] == 0.0


def test_floor_area_quota_failures_match_ground_truth(table: pd.DataFrame) -> None:
    truth = json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))["rules"]
    per100 = table["户数"] / 100
    elderly = table["养老服务设施建筑面积(㎡)"] / per100
    child = table["托育服务设施建筑面积(㎡)"] / per100
    new = table["小区类型"] == "新建"
    ren = table["小区类型"] == "改造"
    fail_e = set(table.loc[(new & (elderly < 30)) | (ren & (elderly < 20)), "社区代码"])
    fail_c = set(table.loc[(new & (child < 20)) | (ren & (child < 15)), "社区代码"])
    r4 = truth["R4_floor_area_quotas"]
    assert fail_e == {r["community_id"] for r in r4 if not r["elderly_pass"]}
    assert fail_c == {r["community_id"] for r in r4 if not r["childcare_pass"]}
    assert 1 <= len(fail_e) <= 6 and 1 <= len(fail_c) <= 6
    ratio = table["商业及综合服务建筑面积(㎡)"] / table["总建筑面积(㎡)"]
    fail_r5 = set(table.loc[ratio < 0.10, "社区代码"])
    assert fail_r5 == {r["community_id"] for r in truth["R5_commerce_share"] if not r["pass"]}
    assert 2 <= len(fail_r5) <= 6


def test_metadata_and_study(streets: gpd.GeoDataFrame) -> None:
    meta = json.loads((SAMPLE / "metadata.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True
    assert meta["licence"] == "CC0-1.0"
    lon0, lat0, lon1, lat1 = meta["bbox_wgs84"]
    assert lon0 < 120.89 < lon1 and lat0 < 31.99 < lat1
    text = (SAMPLE / "study.toml").read_text(encoding="utf-8")
    assert "synthetic = true" in text and "示例数据" in text


def test_corner_market_gap_on_the_osm_graph(
    graph: nx.MultiDiGraph,
    osm: dict[str, object],
    facilities: pd.DataFrame,
    communities: gpd.GeoDataFrame,
) -> None:
    """Recompute the corner's walk to a vegetable market with networkx on the OSM file itself."""
    nodes = list(graph.nodes)
    lon = np.array([graph.nodes[n]["x"] for n in nodes])
    lat = np.array([graph.nodes[n]["y"] for n in nodes])
    nxy = np.column_stack(TO_4549.transform(lon, lat))
    tree = cKDTree(nxy)
    g = nx.Graph()
    for u, v, d in graph.edges(data=True):
        if not g.has_edge(u, v) or g[u][v]["length"] > d["length"]:
            g.add_edge(u, v, length=d["length"])
    markets = _points(facilities, facilities["类型编码"].str.startswith("0607"))
    _, m_idx = tree.query(np.column_stack([markets.x, markets.y]))
    dist = nx.multi_source_dijkstra_path_length(g, {nodes[i] for i in m_idx}, weight="length")
    truth = json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))
    corner = shapely.union_all(
        communities.loc[
            communities["社区代码"].isin(truth["measured"]["corner"]["communities"]), "geometry"
        ].to_numpy()
    )
    xy = osm["xy"]
    homes = [
        Polygon([xy[r] for r in refs]).centroid
        for _, tags, refs in osm["ways"]
        if tags.get("building") in {"residential", "apartments"}
    ]
    homes = [p for p in homes if corner.contains(p)]
    assert len(homes) > 20
    h_acc, h_idx = tree.query(np.array([[p.x, p.y] for p in homes]))
    walk = np.array([dist[nodes[i]] for i in h_idx]) + h_acc
    # nearest-node snapping is within ~60 m here; the generator reports 1.3-2.4 km
    assert walk.min() > 1200.0
    assert 1300.0 < np.median(walk) < 2100.0
    assert walk.max() < 2600.0


def test_bridges_spaced_along_the_canal(osm: dict[str, object]) -> None:
    xy = osm["xy"]
    canal = next(
        LineString([xy[r] for r in refs])
        for _, tags, refs in osm["ways"]
        if tags.get("waterway") == "canal"
    )
    water = _water(osm)
    along = sorted(
        canal.project(LineString([xy[r] for r in refs]).intersection(water).centroid)
        for _, tags, refs in osm["ways"]
        if tags.get("bridge") == "yes" and LineString([xy[r] for r in refs]).intersects(water)
    )
    gaps = np.diff(along)
    assert len(gaps) == 2
    assert ((gaps > 600.0) & (gaps < 900.0)).all()
