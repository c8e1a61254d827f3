"""Residents placed in buildings, along streets and off water: counts worked out on paper."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, box

from facility_coverage import io, network
from facility_coverage.config import Study, load_study
from facility_coverage.demand import (
    StreetLayer,
    demand_for_study,
    demand_from_buildings,
    largest_remainder,
    street_points,
    streets_for_study,
    why_no_residents,
)

X0, Y0 = 500_000.0, 3_540_000.0


def _box(x1: float, y1: float, x2: float, y2: float):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


@pytest.fixture
def communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "community_id": ["B", "G", "T", "E"],
            "street_id": ["S", "S", "S", "S"],
        },
        geometry=[
            _box(0, 0, 200, 100),  # two buildings
            _box(300, 0, 400, 100),  # no building: 50 m grid -> 4 points
            _box(500, 0, 520, 20),  # too small for the grid: interior point
            _box(600, 0, 700, 100),  # nobody lives here
        ],
        crs="EPSG:4549",
    ).set_index("community_id", drop=False)


@pytest.fixture
def buildings() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "building_id": [1, 2, 3, 4],
            # 10x10 x 2 levels = 200 m2; 10x20 x 1 level = 200 m2; a shop; a house in E
            "levels": [2.0, 1.0, 5.0, np.nan],
            "kind": ["apartments", "residential", "retail", "house"],
        },
        geometry=[
            _box(10, 10, 20, 20),
            _box(50, 50, 60, 70),
            _box(100, 10, 150, 60),
            _box(610, 10, 620, 20),
        ],
        crs="EPSG:4549",
    )


def test_largest_remainder_is_exact_and_stable() -> None:
    assert largest_remainder(10, np.array([1.0, 1.0, 1.0])).tolist() == [4, 3, 3]
    assert largest_remainder(101, np.array([200.0, 200.0])).tolist() == [51, 50]
    parts = largest_remainder(1_234_567, np.random.default_rng(1).random(1000))
    assert parts.sum() == 1_234_567
    with pytest.raises(ValueError, match="positive"):
        largest_remainder(5, np.zeros(3))


def test_residents_follow_floor_area_and_totals_are_kept(
    communities: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> None:
    table = pd.DataFrame(
        {"residents": [101, 10, 7, 0], "aged_60_plus": [25, 4, 2, 0], "aged_0_3": [3, 0, 1, 0]},
        index=pd.Index(["B", "G", "T", "E"], name="community_id"),
    )
    # Residential land covers the western half of G only: its grid stays on that land.
    land = gpd.GeoDataFrame(geometry=[_box(300, 0, 350, 100)], crs="EPSG:4549")
    placed = demand_from_buildings(communities, table, buildings, residential_land=land)
    res = placed.residents
    b = res[res.community_id == "B"].sort_values("population", ascending=False)
    # Two homes of 200 m2 each (the retail building gets nobody): 101 -> 51 + 50.
    assert b["population"].tolist() == [51, 50]
    assert b["aged_60_plus"].sum() == 25
    assert set(b["placement"]) == {"building"}
    g = res[res.community_id == "G"]
    # Grid points at x = 325, y = 25 and 75: 10 residents -> 5 + 5.
    assert sorted(g.geometry.x - X0) == [325.0, 325.0]
    assert sorted(g["population"].tolist()) == [5, 5]
    assert set(g["placement"]) == {"grid"}
    t = res[res.community_id == "T"]
    assert len(t) == 1
    assert t["population"].iloc[0] == 7
    assert t["placement"].iloc[0] == "interior"
    # E has a house but nobody in the table: no resident points, placement "none".
    assert "E" not in set(res.community_id)
    assert placed.placement.loc["E", "placement"] == "none"
    totals = res.groupby("community_id")[["population", "aged_60_plus", "aged_0_3"]].sum()
    assert totals.loc["B"].tolist() == [101, 25, 3]
    assert totals.loc["T"].tolist() == [7, 2, 1]
    # Every point lies in its own community.
    for cid, rows in res.groupby("community_id"):
        assert rows.within(communities.loc[cid, "geometry"]).all()


def test_without_residential_land_the_grid_covers_the_community(
    communities: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> None:
    table = pd.DataFrame({"residents": [10]}, index=pd.Index(["G"], name="community_id"))
    placed = demand_from_buildings(communities, table, buildings)
    g = placed.residents
    assert len(g) == 4  # 50 m grid over the 100 m square
    assert sorted(g["population"].tolist()) == [2, 2, 3, 3]
    assert set(g["placement"]) == {"interior"}


def test_community_missing_from_table_is_logged(
    communities: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    table = pd.DataFrame({"residents": [5]}, index=pd.Index(["B"], name="community_id"))
    placed = demand_from_buildings(communities, table, buildings)
    assert placed.residents["population"].sum() == 5
    assert "3 社区 have no row in the community table" in caplog.text


# --------------------------------------------------------------------------- along the streets


def test_points_stand_along_the_street_inside_the_community_and_off_the_water() -> None:
    # A 100 x 100 m 社区; an interior street y=50 (100 m), a boundary street x=100 (100 m),
    # and a pond over x 0..20 that cuts the interior street to 80 m.
    layer = StreetLayer(
        np.array([LineString([(0, 50), (100, 50)]), LineString([(100, 0), (100, 100)])]),
        np.array([box(-10, 0, 20, 100)]),
    )
    found = street_points(box(0, 0, 100, 100), layer)
    xy = shapely.get_coordinates(found.points).tolist()
    # 80 m -> 2 points of 40 m at x = 40, 80, alternating sides (y = 60, 40);
    # the boundary street: 2 points of 50 m at y = 25, 75, both on the inside (x = 90)
    assert xy == [[40.0, 60.0], [80.0, 40.0], [90.0, 25.0], [90.0, 75.0]]
    assert found.weights.tolist() == [40.0, 40.0, 50.0, 50.0]
    assert found.edge.tolist() == [0, 0, 1, 1]
    assert found.length_m == 180.0
    assert found.n_edges == 2
    # the 180 m share 18 residents by length: 4, 4, 5, 5
    assert largest_remainder(18, found.weights).tolist() == [4, 4, 5, 5]


def test_a_street_with_water_on_both_sides_keeps_its_points_on_the_centreline() -> None:
    # a causeway: water closer than the 10 m offset on both sides
    layer = StreetLayer(
        np.array([LineString([(0, 50), (100, 50)])]),
        np.array([box(0, 0, 100, 45), box(0, 55, 100, 100)]),
    )
    found = street_points(box(0, 0, 100, 100), layer)
    assert shapely.get_coordinates(found.points).tolist() == [[25.0, 50.0], [75.0, 50.0]]


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"highway": "residential"}, None),
        ({"highway": "motorway_link"}, "motorway"),
        ({"highway": "primary", "motorroad": "yes"}, "motorroad"),
        ({"highway": "trunk"}, "trunk without sidewalk"),
        ({"highway": "trunk_link", "sidewalk": "no"}, "trunk without sidewalk"),
        ({"highway": "trunk", "sidewalk:left": "yes"}, None),
        ({"highway": "primary", "bridge": "viaduct"}, "bridge"),
        ({"highway": "footway", "bridge": "no"}, None),
        ({"highway": "service", "tunnel": "yes"}, "tunnel"),
        ({"highway": "footway", "tunnel": "building_passage"}, None),
    ],
)
def test_roads_that_host_nobody(tags: dict[str, str], reason: str | None) -> None:
    assert why_no_residents(tags) == reason


CRS = "EPSG:4549"
WX0, WY0 = 582_000.0, 3_539_000.0


def _wbox(x1: float, y1: float, x2: float, y2: float):
    return box(WX0 + x1, WY0 + y1, WX0 + x2, WY0 + y2)


# --------------------------------------------------------------------------- a study with water
#
# Four 社区 (metres from X0, Y0; a point every 50 m of street, 10 m off it):
#
#   C (0..200 x 400..500): no street at all            -> interior grid, 8 points
#   D (-200..0 x 0..300):  only the trunk road y=250    -> interior grid minus the park
#   A (0..400 x 0..300):   a lake (150..240 x 100..200); streets E1 (y=150, 0..400, cut by
#                          the lake to 50 + 100 + 160 m), E2 (x=50, 300 m), B1 (x=400, the
#                          boundary with B, 300 m); the trunk y=250 hosts nobody -> 910 m
#   B (400..800 x 0..300): a river (riverbank multipolygon, 550..650); F1 (y=100) crosses it
#                          on a bridge (excluded, in the water): 150 + 150 m; B1 300 m;
#                          H (x=750, 100..300) 200 m; G (y=200, 650..750, a trunk road with
#                          sidewalks) 100 m -> 900 m

LAKE = (150, 100, 240, 200)
RIVER = (550, -100, 650, 400)
PARK = (-200, 0, -100, 300)

STREETS: dict[str, list[tuple[float, float]]] = {
    # name: node coordinates (shared coordinates are shared OSM nodes)
    "E1": [(0, 150), (50, 150), (400, 150)],
    "E2": [(50, 0), (50, 150), (50, 250), (50, 300)],
    "B1": [(400, 0), (400, 100), (400, 150), (400, 250), (400, 300)],
    "T": [(-200, 250), (50, 250), (400, 250)],
    "F1a": [(400, 100), (550, 100)],
    "F1bridge": [(550, 100), (650, 100)],
    "F1b": [(650, 100), (750, 100), (800, 100)],
    "H": [(750, 100), (750, 200), (750, 300)],
    "G": [(650, 200), (750, 200)],
}
TAGS = {
    "E1": {"highway": "residential"},
    "E2": {"highway": "residential"},
    "B1": {"highway": "tertiary"},
    "T": {"highway": "trunk", "name": "快速路"},
    "F1a": {"highway": "residential"},
    "F1bridge": {"highway": "residential", "bridge": "yes"},
    "F1b": {"highway": "residential"},
    "H": {"highway": "residential"},
    "G": {"highway": "trunk", "sidewalk": "both"},
}


def _ring(b: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    x1, y1, x2, y2 = b
    return [(x1, y1), (x2, y1), (x2, y2), (x1, y2), (x1, y1)]


def _write_osm(path: Path) -> None:
    to_wgs = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    ids: dict[tuple[float, float], int] = {}
    nodes: list[str] = []

    def node(xy: tuple[float, float]) -> int:
        if xy not in ids:
            ids[xy] = len(ids) + 1
            lon, lat = to_wgs.transform(WX0 + xy[0], WY0 + xy[1])
            nodes.append(f'<node id="{ids[xy]}" version="1" lat="{lat:.9f}" lon="{lon:.9f}"/>')
        return ids[xy]

    def way(wid: int, coords: list[tuple[float, float]], tags: dict[str, str]) -> str:
        refs = "".join(f'<nd ref="{node(c)}"/>' for c in coords)
        tag = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        return f'<way id="{wid}" version="1">{refs}{tag}</way>'

    ways = [way(10 + i, STREETS[name], TAGS[name]) for i, name in enumerate(STREETS)]
    ways.append(way(100, _ring(LAKE)[::-1], {"natural": "water", "water": "lake"}))
    ways.append(way(101, _ring(RIVER), {}))  # outer ring of the riverbank relation
    ways.append(way(102, _ring(PARK), {"leisure": "park"}))
    relation = (
        '<relation id="200" version="1"><member type="way" ref="101" role="outer"/>'
        '<tag k="type" v="multipolygon"/><tag k="waterway" v="riverbank"/></relation>'
    )
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
        + "\n".join(nodes + ways + [relation])
        + "\n</osm>\n",
        encoding="utf-8",
    )


@pytest.fixture
def water_study(tmp_path: Path) -> Study:
    _write_osm(tmp_path / "city.osm")
    communities = gpd.GeoDataFrame(
        {
            "社区代码": ["A", "B", "C", "D"],
            "社区名称": ["湖畔社区", "江边社区", "北社区", "公园社区"],
            "街道代码": "S1",
            "街道名称": "滨水街道",
            "区县": "示例区",
        },
        geometry=[
            _wbox(0, 0, 400, 300),
            _wbox(400, 0, 800, 300),
            _wbox(0, 400, 200, 500),
            _wbox(-200, 0, 0, 300),
        ],
        crs=CRS,
    )
    communities.to_file(tmp_path / "communities.gpkg")
    gpd.GeoDataFrame(
        {"街道代码": ["S1"], "街道名称": ["滨水街道"], "区县": ["示例区"]},
        geometry=[_wbox(-200, 0, 800, 500)],
        crs=CRS,
    ).to_file(tmp_path / "streets.gpkg")
    pd.DataFrame(
        {
            "社区代码": ["A", "B", "C", "D"],
            "常住人口": [910, 900, 80, 120],
            "60岁以上人口": [91, 90, 8, 12],
            "0-3岁人口": [0, 0, 0, 0],
        }
    ).to_csv(tmp_path / "communities.csv", index=False, encoding="utf-8-sig")
    (tmp_path / "study.toml").write_text(
        f"""
[study]
name = "water"
working_crs = "{CRS}"
[inputs.streets]
path = "streets.gpkg"
columns = {{ street_id = "街道代码", street_name = "街道名称", district = "区县" }}
[inputs.communities]
path = "communities.gpkg"
columns = {{ community_id = "社区代码", community_name = "社区名称", street_id = "街道代码", street_name = "街道名称", district = "区县" }}
[inputs.community_table]
path = "communities.csv"
[[inputs.facilities]]
path = "city.osm"
kind = "osm"
[inputs.network]
path = "city.osm"
[cache]
dir = "cache"
""",
        encoding="utf-8",
    )
    return load_study(tmp_path / "study.toml")


def _nearest_street(points: gpd.GeoSeries, names: list[str]) -> np.ndarray:
    """The hand-drawn street each point is closest to."""
    lines = [LineString([(WX0 + x, WY0 + y) for x, y in STREETS[n]]) for n in names]
    dist = np.column_stack([shapely.distance(points.to_numpy(), line) for line in lines])
    return np.array(names, dtype=object)[dist.argmin(axis=1)]


def _run_water_study(study: Study, *, with_network: bool = True):
    units = io.read_study_units(study)
    area = shapely.union_all([units.communities.geometry.union_all(), units.streets.union_all()])
    net = network.network_from_study(study, area.buffer(500)) if with_network else None
    placed = demand_for_study(study, units.communities, units.community_table, area, net)
    return units, net, placed


def test_residents_without_buildings_stand_along_streets_on_land(
    water_study: Study, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="facility_coverage.demand")
    units, net, placed = _run_water_study(water_study)
    res, report = placed.residents, placed.placement
    assert net is not None

    # every 社区 keeps its residents exactly (the table: 910, 900, 80, 120)
    totals = res.groupby("community_id")[["population", "aged_60_plus"]].sum()
    assert totals["population"].to_dict() == {"A": 910, "B": 900, "C": 80, "D": 120}
    assert totals["aged_60_plus"].to_dict() == {"A": 91, "B": 90, "C": 8, "D": 12}
    for cid, rows in res.groupby("community_id"):
        assert rows.within(units.communities.loc[cid, "geometry"]).all()

    # nobody in the lake, the river or the park
    for water in (LAKE, RIVER, PARK):
        assert not res.intersects(_wbox(*water)).any()

    # A and B are placed along their streets, 10 m off the centreline of a hosting edge
    street = res[res["placement"] == "street"]
    assert set(street["community_id"]) == {"A", "B"}
    hosting = [
        LineString([(WX0 + x, WY0 + y) for x, y in STREETS[n]])
        for n in STREETS
        if n not in ("T", "F1bridge")
    ]
    near = np.min(
        np.column_stack([shapely.distance(street.geometry.to_numpy(), h) for h in hosting]),
        axis=1,
    )
    assert near == pytest.approx(np.full(len(street), 10.0), abs=0.05)

    # each street's share is its usable length: 1 resident per metre in A (910 m) and B (900 m);
    # 60+: 0.1 per metre. E1 = 50 + 100 + 160 m (the lake takes 90 m), the trunk road none.
    a = street[street["community_id"] == "A"]
    by = a.groupby(_nearest_street(a.geometry, ["E1", "E2", "B1"]))
    assert by["population"].sum().to_dict() == {"B1": 300, "E1": 310, "E2": 300}
    assert by["aged_60_plus"].sum().to_dict() == {"B1": 30, "E1": 31, "E2": 30}
    # the 160 m piece has 4 points of 40 m: 40 residents each; every other point 50
    assert sorted(a["population"].tolist()) == [40] * 4 + [50] * 15
    b = street[street["community_id"] == "B"]
    by = b.groupby(_nearest_street(b.geometry, ["B1", "F1a", "F1b", "H", "G"]))
    # F1 = 150 m on each bank (the bridge hosts nobody), G a trunk road with sidewalks
    assert by["population"].sum().to_dict() == {
        "B1": 300,
        "F1a": 150,
        "F1b": 150,
        "G": 100,
        "H": 200,
    }
    # the shared boundary street B1: A's residents on its west side, B's on its east side
    assert (a.geometry.x < WX0 + 400).all() and (b.geometry.x > WX0 + 400).all()

    # the report: method, points, street length, residents, why
    assert report.loc["A", "placement"] == "street"
    assert report.loc["A", "points"] == 19
    assert report.loc["A", "street_length_m"] == pytest.approx(910.0, abs=0.1)
    assert report.loc["B", "points"] == 18
    assert report.loc["B", "street_length_m"] == pytest.approx(900.0, abs=0.1)
    assert report.loc["A", "residents"] == 910
    assert "along 910 m of walkable street" in report.loc["A", "note"]
    assert report.loc["A", "note"].startswith("无住宅建筑")
    # C has no street: the old grid (4 x 2 points, 10 each), reported
    assert report.loc["C", "placement"] == "interior"
    assert report.loc["C", "points"] == 8
    assert np.isnan(report.loc["C", "street_length_m"])
    assert "no walking-network edge inside" in report.loc["C", "note"]
    assert sorted(res.loc[res.community_id == "C", "population"]) == [10] * 8
    # D holds only the trunk road: a grid over the part outside the park (2 x 6 points)
    assert report.loc["D", "placement"] == "interior"
    assert report.loc["D", "points"] == 12
    assert "trunk without sidewalk: 1" in report.loc["D", "note"]
    assert "outside water and parks" in report.loc["D", "note"]
    assert (res.loc[res.community_id == "D"].geometry.x > WX0 - 100).all()

    # one summary line in the log
    assert (
        "Residents placed (社区): 0 in buildings; 2 along streets (1.8 km, 37 points); "
        "2 on the interior grid (C, D)" in caplog.text
    )

    # what the OSM file said: the bridge and both trunk edges host nobody, the sidewalk trunk does
    layer = streets_for_study(water_study, net, units.communities.geometry.union_all())
    assert layer.excluded_counts() == {"bridge": 1, "trunk without sidewalk": 2}
    assert len(layer.geometry) == net.n_edges - 3
    assert len(layer.uninhabited) == 3


def test_the_old_grid_put_residents_in_the_lake(water_study: Study) -> None:
    # without the network the 社区 interior grid is used, as before: A's 8 x 6 grid has
    # 4 points in the lake (x = 175, 225; y = 125, 175), 19 residents each (910 / 48 -> 18-19)
    _, _, placed = _run_water_study(water_study, with_network=False)
    a = placed.residents[placed.residents.community_id == "A"]
    assert len(a) == 48
    assert int(a.within(_wbox(*LAKE)).sum()) == 4
    assert set(placed.placement["placement"]) == {"interior"}
    assert "no walking network given" in placed.placement.loc["A", "note"]


def test_an_uninhabited_layer_keeps_residents_off_it(water_study: Study, tmp_path: Path) -> None:
    # a canal drawn by the planning institute over E2 (x 30..70): A keeps E1 outside it
    # (30 + 80 + 160 m) and B1 (300 m) -> 570 m
    gpd.GeoDataFrame(geometry=[_wbox(30, 0, 70, 300)], crs=CRS).to_file(tmp_path / "canal.gpkg")
    toml = tmp_path / "study.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '[inputs.uninhabited]\npath = "canal.gpkg"\n',
        encoding="utf-8",
    )
    study = load_study(toml)
    assert study.uninhabited is not None
    _, _, placed = _run_water_study(study)
    a = placed.residents[placed.residents.community_id == "A"]
    assert not a.intersects(_wbox(30, 0, 70, 300)).any()
    assert placed.placement.loc["A", "street_length_m"] == pytest.approx(570.0, abs=0.1)
    assert a["population"].sum() == 910
