"""Tests of the coverage map (maps.py) on a small hand-made StudyResult (tests/conftest.py)."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from facility_coverage import ConfigError, InputError, crs
from facility_coverage.analysis import StudyResult
from facility_coverage.network import walk_network_from_edges
from facility_coverage.present import map_layers, maps

WORKING = "EPSG:4549"
#: The facility given in GCJ-02 in tests/conftest.py (from this WGS84 point).
GCJ_FACILITY_WGS84 = (120.8935, 31.9925)


@pytest.fixture
def result(small_result: StudyResult) -> StudyResult:
    return small_result


def decoded(page: str) -> str:
    """The page with JSON ``\\uXXXX`` escapes (folium's tojson) turned back into characters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda mt: chr(int(mt.group(1), 16)), page)


def features(page: str) -> list[dict[str, object]]:
    """Properties of every GeoJSON feature of the 社区/街道/road layers in the page."""
    decoder = json.JSONDecoder()
    props = []
    for chunk in page.split("var data = ")[1:]:
        data, _ = decoder.raw_decode(chunk)
        props += [f["properties"] for f in data["features"]]
    return props


def context(page: str) -> dict[str, Any]:
    """The 社区 layer's shared context: rule names, reason texts, 街道 rows."""
    chunk = page.split("var ctx = ")[1]
    ctx, _ = json.JSONDecoder().raw_decode(chunk)
    return ctx  # type: ignore[no-any-return]


def point_layers(page: str) -> list[tuple[list[list[object]], str]]:
    """(rows, tooltip function source) of every compact point layer in the page."""
    decoder = json.JSONDecoder()
    layers = []
    for chunk in page.split("var rows = ")[1:]:
        rows, end = decoder.raw_decode(chunk)
        tip = re.match(
            r";\s*var labels = .*?;\s*var style = .*?;\s*var tip = (function .*?\});",
            chunk[end:],
            re.S,
        )
        if tip is not None:
            layers.append((rows, tip.group(1)))
    return layers


def _html(m: object) -> str:
    return decoded(m.get_root().render())  # type: ignore[attr-defined]


_EXTERNAL_REF = re.compile(
    r"""<(?:script|link|img)\b[^>]*(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I
)


def test_offline_map_has_layers_legend_and_no_cdn(result: StudyResult, tmp_path: Path) -> None:
    m = maps.coverage_map(result)
    path = maps.save_map(m, tmp_path / "out" / "map.html")
    raw = path.read_text(encoding="utf-8")
    page = decoded(raw)
    # Layers by name (layer control), Chinese first.
    for name in (
        "社区 R1 结果 · Communities",
        "街道 R1 结果 · Streets",
        "缺口：便利店（>400 m）· Gap: Convenience store",
        "缺口：药店（>640 m）· Gap: Pharmacy",
        "设施：便利店 · Facilities: Convenience store",
        "其他设施 · Other facilities",
    ):
        assert name in page, name
    # Legend: rule, clause, target, Chinese then English.
    legend = page[page.index('id="fc-legend"') :]
    assert "规则 R1：一刻钟便民生活圈" in legend
    assert "依据：任务3" in legend
    assert "全市 ≥100 个" in legend
    assert legend.index("规则 R1") < legend.index("Rule R1: 15-minute convenience circle")
    assert "全市 City: 1 个 / ≥100 个 → 未达标 fail" in legend
    # Tooltip data: the numbers and reasons behind each colour.
    assert "缺菜市场、药店" in page
    assert "missing vegetable market, pharmacy" in page
    assert "SAMPLE" in page
    assert "示例数据" in page
    # Offline: Leaflet inlined, nothing fetched from a CDN.
    assert "L.version" in page or 't.version="1.9.4"' in page
    assert _EXTERNAL_REF.search(page) is None
    assert "cdn.jsdelivr" not in page
    assert "code.jquery.com" not in page
    assert "sourceMappingURL" not in page
    assert "url(images/" not in page
    assert "tile.openstreetmap.org" not in page
    # No temporary files left beside the output.
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["map.html"]


def test_feature_colours_follow_the_rule(result: StudyResult) -> None:
    page = _html(maps.coverage_map(result, rule_id="R1"))
    # Community C1 passes, C2 fails, C4 not evaluated; each feature carries its style.
    props = {f["unit_id"]: f for f in features(page)}
    for unit_id, colour in (
        ("C1", maps.STATUS_COLOURS["pass"]),
        ("C2", maps.STATUS_COLOURS["fail"]),
        ("C4", maps.STATUS_COLOURS["na"]),
        ("S1", maps.STATUS_COLOURS["na"]),  # R1 has no street rows
    ):
        assert props[unit_id]["style"]["fillColor"] == colour, unit_id  # type: ignore[index]
    assert props["C2"]["value"] == "3 类"
    assert props["C2"]["target"] == "≥5 类"
    assert props["C2"]["s"] == "fail"
    assert props["C4"]["s"] == "na"


def test_default_layers_follow_the_rule(result: StudyResult) -> None:
    # R1 (shipped rules.toml): each basic need at its MOFCOM tier (80 m/min): 5 minutes
    # to a convenience store, 8 to a pharmacy; the fixture measured those two.
    page = _html(maps.coverage_map(result, rule_id="R1"))
    assert "缺口：便利店（>400 m）" in page
    assert "缺口：药店（>640 m）" in page
    assert "缺口：社区综合性养老服务中心" not in page
    # R2 counts centres inside each 街道: its category, at a 15-minute walk at the
    # elderly speed (54 m/min) because R2 is measured for the 60+.
    page = _html(maps.coverage_map(result, rule_id="R2"))
    assert "缺口：社区综合性养老服务中心（>810 m）" in page
    assert "缺口：便利店" not in page
    assert "设施：社区综合性养老服务中心" in page


def test_street_level_and_share_rules(result: StudyResult) -> None:
    page = _html(maps.coverage_map(result, rule_id="R2"))
    assert "规则 R2：街道综合养老服务中心" in page
    assert "街道内没有中心" in page
    share = _html(maps.coverage_map(result, rule_id="R3"))
    assert "fc-ramp" in share  # graded legend
    props = {f["unit_id"]: f for f in features(share)}
    assert props["S1"]["value"] == "50.0%"
    # At the target: the middle (yellow) of the ramp; at 100%: green.
    assert props["S1"]["style"]["fillColor"].lower().startswith("#fee08b")  # type: ignore[index]
    assert props["S2"]["style"]["fillColor"].lower().startswith("#1a9850")  # type: ignore[index]


def test_unknown_rule_and_category_are_refused(result: StudyResult) -> None:
    with pytest.raises(InputError, match="R99"):
        maps.coverage_map(result, rule_id="R99")
    with pytest.raises(InputError, match="kindergarten"):
        maps.coverage_map(result, categories=["kindergarten"])
    with pytest.raises(ConfigError, match="basemap"):
        maps.coverage_map(result, basemap="bing")


def test_gap_layer_holds_only_points_beyond_the_limit(result: StudyResult) -> None:
    limit = 1000.0
    page = _html(maps.coverage_map(result, categories={"convenience_store": limit}))
    expected = result.distances["convenience_store"] > limit
    gap = [rows for rows, tip in point_layers(page) if "便利店 缺口 gap" in tip]
    assert len(gap) == 1
    assert len(gap[0]) == int(expected.sum())
    # Rows are [lat, lon, radius, population, distance, community]; the population sizes them.
    pops = sorted(int(r[3]) for r in gap[0])  # type: ignore[call-overload]
    assert pops == sorted(int(p) for p in result.residents.loc[expected, "population"])
    assert all(float(r[4]) > limit for r in gap[0])  # type: ignore[arg-type]
    big = max(gap[0], key=lambda r: r[3])  # type: ignore[arg-type, return-value]
    small = min(gap[0], key=lambda r: r[3])  # type: ignore[arg-type, return-value]
    assert big[2] > small[2]
    # Only the chosen category gets a gap layer; the others' facilities share one layer.
    assert "Gap: Pharmacy" not in page


def test_dense_gap_layers_are_summed_into_grid_cells(
    result: StudyResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 300.0
    expected = result.distances["pharmacy"] > limit
    assert expected.sum() > 3
    monkeypatch.setattr(maps, "MAX_GAP_POINTS", 3)
    page = _html(maps.coverage_map(result, categories={"pharmacy": limit}))
    gap = [rows for rows, tip in point_layers(page) if "药店 缺口 gap" in tip]
    assert len(gap) == 1
    # The cell is the stated constant, 200 m of the working CRS, whatever the study's size:
    # the fixture's resident points lie 300 m and more apart, one per cell.
    assert maps.GAP_CELL_M == 200.0
    assert len(gap[0]) == int(expected.sum())
    assert "200 m 网格汇总" in page
    assert "按 200 m × 200 m 网格汇总" in page  # stated in the legend
    # Population is summed, not dropped: with 1 km cells, at most one cell per 社区.
    monkeypatch.setattr(map_layers, "GAP_CELL_M", 1000.0)
    page = _html(maps.coverage_map(result, categories={"pharmacy": limit}))
    gap = [rows for rows, tip in point_layers(page) if "药店 缺口 gap" in tip]
    assert 0 < len(gap[0]) <= 4
    total = sum(int(r[3]) for r in gap[0])  # type: ignore[call-overload]
    assert total == int(result.residents.loc[expected, "population"].sum())
    assert "1000 m 网格汇总" in page
    assert "网格 grid cell" in page


def test_map_without_rule_and_online_links(result: StudyResult) -> None:
    page = _html(maps.coverage_map(result, rule_id=None, offline=False))
    props = {f["unit_id"]: f for f in features(page)}
    assert {p["s"] for p in props.values() if "s" in p} == {"na"}
    legend = page[page.index('id="fc-legend"') : page.index("</body>")]
    assert "规则 R" not in legend.split("<script")[0]
    # Online: Leaflet and Leaflet.markercluster from the CDN, and nothing else (no
    # jQuery, Bootstrap, Font Awesome).
    links = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="(https?://[^"]+)"', page)
    assert sorted(links) == [
        "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
        "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css",
        "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js",
    ]


def test_synthetic_false_has_no_sample_label(
    tmp_path: Path, make_small_result: Callable[..., StudyResult]
) -> None:
    page = _html(maps.coverage_map(make_small_result(tmp_path, synthetic=False)))
    assert "示例数据" not in page
    assert "SAMPLE" not in page


def test_gaode_map_shows_gcj02_coordinates(result: StudyResult) -> None:
    gcj_lon, gcj_lat = (float(v) for v in crs.wgs84_to_gcj02(*GCJ_FACILITY_WGS84))
    page = _html(maps.coverage_map(result, basemap="gaode", offline=False))
    match = re.search(r'\[([-\d.]+),([-\d.]+),6,"[^"]*","FGCJ"', page)
    assert match is not None
    lat, lon = float(match.group(1)), float(match.group(2))
    metres = math.hypot(
        (lon - gcj_lon) * 111_320.0 * math.cos(math.radians(gcj_lat)), (lat - gcj_lat) * 110_574.0
    )
    assert metres < 0.5
    assert "GCJ-02" in page
    assert "webrd0{s}.is.autonavi.com" in page
    # The same facility on the tile-free map sits at its WGS84 position, about 500 m away.
    plain = _html(maps.coverage_map(result))
    match = re.search(r'\[([-\d.]+),([-\d.]+),6,"[^"]*","FGCJ"', plain)
    assert match is not None
    assert abs(float(match.group(2)) - gcj_lon) > 0.003


def test_offline_tile_basemap_warns(result: StudyResult, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="facility_coverage.present.maps"):
        page = _html(maps.coverage_map(result, basemap="osm", offline=True))
    assert "tiles still need the network" in caplog.text
    assert "tile.openstreetmap.org" in page
    assert _EXTERNAL_REF.search(page) is None


def test_tianditu_needs_a_key(result: StudyResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(ConfigError, match="TIANDITU_KEY"):
        maps.coverage_map(result, basemap="tianditu")
    monkeypatch.setenv("TIANDITU_KEY", "abc123")
    page = _html(maps.coverage_map(result, basemap="tianditu"))
    assert "tk=abc123" in page


def test_isochrones_and_proposed_sites(result: StudyResult) -> None:
    centre = result.facilities.geometry.iloc[0]
    iso = gpd.GeoDataFrame(
        {"category": ["convenience_store"], "threshold_m": [1200.0]},
        geometry=[centre.buffer(800)],
        crs=WORKING,
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["P1"], "category": ["pharmacy"], "covered_population": [350]},
        geometry=[Point(centre.x + 900, centre.y + 900)],
        crs=WORKING,
    )
    page = _html(maps.coverage_map(result, isochrones=iso, proposed_sites=sites))
    assert "步行等时圈（1200 m）· Walking isochrones" in page
    assert "建议选址 · Proposed sites" in page
    assert "covered_population: 350" in page


def test_save_map_failure_leaves_nothing(
    result: StudyResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = maps.coverage_map(result)
    out = tmp_path / "out"
    out.mkdir()
    (out / "map.html").write_text("previous map", encoding="utf-8")
    real_write = Path.write_text

    def half_then_fail(self: Path, data: str, *args: object, **kwargs: object) -> int:
        real_write(self, data[: len(data) // 2], encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        maps.save_map(m, out / "map.html")
    monkeypatch.undo()
    # The previous file is untouched and no temporary file or folder is left.
    assert [p.name for p in out.iterdir()] == ["map.html"]
    assert (out / "map.html").read_text(encoding="utf-8") == "previous map"


def _layers(m: folium.Map) -> dict[str, folium.map.Layer]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, folium.map.Layer)}


def test_popup_rows_list_every_rule_of_the_unit_and_its_street(result: StudyResult) -> None:
    page = _html(maps.coverage_map(result, rule_id="R1"))
    props = {f["unit_id"]: f for f in features(page) if "rows" in f}
    assert set(props) == {"C1", "C2", "C3", "C4"}  # 社区 carry their rows; 街道 outlines do not
    rules = context(page)
    table = result.rule_results
    for cid, p in props.items():
        judged = table[(table["level"] == "community") & (table["unit_id"] == cid)]
        shown = [rules["rules"][r[0]][0] for r in p["rows"]]  # type: ignore[index, union-attr]
        assert shown == judged["rule_id"].tolist(), cid
        assert (
            rules["streets"][p["sid"]]["name"]
            == {"S1": "和平桥街道", "S2": "城东街道"}[str(p["sid"])]
        )
    c2 = props["C2"]["rows"][0]  # type: ignore[index]
    assert c2[1:4] == ["fail", "3 类", "≥5 类"]
    assert [rules["texts"][i] for i in c2[4:]] == [
        "缺菜市场、药店",
        "missing vegetable market, pharmacy",
    ]
    assert props["C4"]["rows"][0][1] == "na"  # type: ignore[index]
    # The 街道 rows are reachable from each 社区's popup through its street id.
    s1 = [rules["rules"][r[0]][0] for r in rules["streets"]["S1"]["rows"]]
    assert s1 == ["R2", "R3"]
    assert props["C1"]["sid"] == "S1"
    # The tooltip is short (built in the browser from name, 街道 and the headline);
    # the popup is where the rows go: both bound with readable sizes.
    assert "bindTooltip(fcUnitTip(f.properties, ctx), {sticky: true" in page
    assert "maxWidth: 460" in page and "maxHeight: 380" in page
    assert "max-width: 420px" in page and "white-space: normal" in page


def test_streets_are_outlines_that_let_the_pointer_through(result: StudyResult) -> None:
    m = maps.coverage_map(result, rule_id="R1")
    layers = _layers(m)
    streets = layers["街道 R1 结果 · Streets"]
    communities = layers["社区 R1 结果 · Communities"]
    assert streets.interactive is False  # type: ignore[attr-defined]
    assert communities.interactive is True  # type: ignore[attr-defined]
    page = _html(m)
    assert page.count("interactive: false") >= 1
    # For a street-level rule the 社区 tooltip shows its 街道's outcome as the headline.
    page = _html(maps.coverage_map(result, rule_id="R2"))
    props = {f["unit_id"]: f for f in features(page) if "rows" in f}
    assert props["C3"]["head_level"] == "所属街道"
    assert props["C3"]["s"] == "fail"  # 城东街道 has no centre
    assert props["C1"]["s"] == "pass"


def test_gap_layers_of_failing_categories_start_on(result: StudyResult) -> None:
    # R1 fails in C2 and C3; gaps there are switched on, the others off.
    layers = _layers(maps.coverage_map(result, rule_id="R1"))
    gaps = {name: layer.show for name, layer in layers.items() if name.startswith("缺口")}
    failing = result.residents["community_id"].isin(["C2", "C3"])
    assert gaps == {
        "缺口：便利店（>400 m）· Gap: Convenience store": bool(
            ((result.distances["convenience_store"] > 400) & failing).any()
        ),
        "缺口：药店（>640 m）· Gap: Pharmacy": bool(
            ((result.distances["pharmacy"] > 640) & failing).any()
        ),
    }
    assert any(gaps.values())
    # R2 is judged per 街道: 城东街道 fails, and its residents beyond 810 m of a centre
    # switch the elderly-care gap layer on.
    layers = _layers(maps.coverage_map(result, rule_id="R2"))
    (name,) = [n for n in layers if n.startswith("缺口：社区综合性养老服务中心")]
    assert layers[name].show


def test_legend_is_collapsible_and_names_the_city(result: StudyResult) -> None:
    named = dataclasses.replace(result, study=dataclasses.replace(result.study, city="南通市"))
    page = _html(maps.coverage_map(named))
    legend = page[page.index('id="fc-legend"') :]
    assert 'class="fc-toggle"' in legend
    assert "收起 ▾ Hide" in legend  # Chinese first
    assert "南通市 City: 1 个 / ≥100 个 → 未达标 fail" in legend
    assert "南通市 ≥100 个" in legend
    assert "全市" not in legend.split("</div></div>")[0]
    # The fit leaves the side panel and the layer control free.
    assert "paddingTopLeft" in page and "fc-side" in page


def test_site_map_shows_sites_in_legend_and_gaps_before(result: StudyResult) -> None:
    centre = result.facilities.geometry.iloc[0]
    sites = gpd.GeoDataFrame(
        {"site_id": ["P1"], "covered_population": [350]},
        geometry=[Point(centre.x + 900, centre.y + 900)],
        crs=WORKING,
    )
    m = maps.coverage_map(
        result,
        rule_id=None,
        categories={"pharmacy": 640.0},
        proposed_sites=sites,
        before=result,
    )
    layers = _layers(m)
    assert layers["缺口：药店（>640 m）· Gap: Pharmacy"].show
    assert not layers["选址前 缺口：药店（>640 m）· Gap: Pharmacy (before the sites)"].show
    page = _html(m)
    legend = page[page.index('id="fc-legend"') :]
    assert "建议选址" in legend and "选址前的缺口" in legend
    control = next(c for c in m._children.values() if isinstance(c, folium.LayerControl))
    assert control.options["collapsed"] is True
    main = next(
        c
        for c in maps.coverage_map(result)._children.values()
        if isinstance(c, folium.LayerControl)
    )
    assert main.options["collapsed"] is False


def _grid_network(n: int, step: float) -> object:
    """An n x n street grid of ``step`` metres near the fixture (one edge per block side)."""
    x0, y0 = 500_000.0, 3_540_000.0
    rows = []
    node = lambda i, j: i * n + j  # noqa: E731
    for i in range(n):
        for j in range(n):
            if j + 1 < n:
                rows.append((node(i, j), node(i, j + 1), i, j, i, j + 1))
            if i + 1 < n:
                rows.append((node(i, j), node(i + 1, j), i, j, i + 1, j))
    edges = gpd.GeoDataFrame(
        {"u": [r[0] for r in rows], "v": [r[1] for r in rows]},
        geometry=[
            LineString([(x0 + a * step, y0 + b * step), (x0 + c * step, y0 + d * step)])
            for _, _, a, b, c, d in rows
        ],
        crs=WORKING,
    )
    return walk_network_from_edges(edges)


def test_large_networks_keep_their_through_streets(
    result: StudyResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = _grid_network(6, 200.0)
    # On a grid each row and column is one straight stroke of 5 edges.
    strokes = map_layers.street_strokes(net)
    assert len(set(strokes.tolist())) == 12
    with_net = dataclasses.replace(result, network=net)
    page = _html(maps.coverage_map(with_net))
    assert "步行路网 · Walking network" in page
    monkeypatch.setattr(maps, "MAX_ROAD_EDGES", 20)
    m = maps.coverage_map(with_net)
    layers = _layers(m)
    roads = layers["主要街道 · Main streets"]  # reduced, never dropped
    coords = roads.data["features"][0]["geometry"]["coordinates"]  # type: ignore[attr-defined]
    assert len(coords) == 10  # half the limit: 2 whole strokes of 5 edges, none cut
    legend = _html(m)
    assert "只画最长的连续街道" in legend and "longest through streets" in legend
    # Offline maps with tiles draw it too (their tiles need the network); online ones not.
    monkeypatch.setattr(maps, "MAX_ROAD_EDGES", 60_000)
    assert "步行路网 · Walking network" in _layers(maps.coverage_map(with_net, basemap="gaode"))
    online = _layers(maps.coverage_map(with_net, basemap="gaode", offline=False))
    assert "步行路网 · Walking network" not in online


def test_large_facility_layers_cluster(
    result: StudyResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _html(maps.coverage_map(result))
    assert "L.markerClusterGroup" not in page.split("</head>")[1]
    assert "MarkerClusterGroup" in page.split("</head>")[0]  # vendored, inlined offline
    monkeypatch.setattr(maps, "CLUSTER_ABOVE", 1)
    page = _html(maps.coverage_map(result))
    assert "L.markerClusterGroup({" in page
    assert "聚合为带数字的圆" in page
    assert _EXTERNAL_REF.search(page) is None


def test_water_and_parks_are_context_under_the_data(result: StudyResult) -> None:
    x0, y0, _, _ = result.communities.total_bounds
    land = gpd.GeoDataFrame(
        {"kind": ["natural=water", "leisure=park", "[inputs.uninhabited]"]},
        geometry=[
            box(x0 + 100, y0 + 100, x0 + 300, y0 + 300),
            box(x0 + 1200, y0 + 1200, x0 + 1500, y0 + 1500),
            box(x0 + 1600, y0 + 100, x0 + 1700, y0 + 200),
        ],
        crs=result.communities.crs,
    )
    m = maps.coverage_map(dataclasses.replace(result, land=land), rule_id="R1")
    layer = _layers(m)["水体与公园 · Water and parks"]
    assert layer.interactive is False  # type: ignore[attr-defined]
    fills = [f["properties"]["style"]["fillColor"] for f in layer.data["features"]]  # type: ignore[attr-defined]
    assert fills == ["#a6cbe3", "#b9dfa8", "#d9d9d9"]  # water blue, park green, other grey
    # drawn above the 社区 fills, which stay hoverable since the fills let the pointer through
    names = list(_layers(m))
    assert names.index("社区 R1 结果 · Communities") < names.index("水体与公园 · Water and parks")
    # without water or parks there is no such layer
    assert "水体与公园 · Water and parks" not in _layers(maps.coverage_map(result, rule_id="R1"))
