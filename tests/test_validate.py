"""Boundary checks (_validate) and encoding detection (_encoding), on small exact cases."""

from __future__ import annotations

import struct
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely

from facility_coverage import CRSError, InputError
from facility_coverage.io.encoding import (
    copy_with_whole_field_names,
    detect_bytes_encoding,
    detect_shapefile_encoding,
    looks_like_mojibake,
    read_text,
)
from facility_coverage.io.validate import (
    check_coordinates_fit_crs,
    check_ids,
    ids_to_str,
    map_columns,
    normalise_header,
    parse_bool,
    parse_number,
    repair_polygons,
    require_fields,
    resolve_crs,
    sniff_crs_hint,
)

P = Path("in.csv")


# --- headers and columns ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("建筑面积(㎡)", "建筑面积"),
        ("建筑面积（㎡）", "建筑面积"),
        ("建筑面积(m2)", "建筑面积"),
        ("建筑面积m2", "建筑面积"),
        ("建筑面积㎡", "建筑面积"),
        ("  商业及综合服务建筑面积（m²） ", "商业及综合服务建筑面积"),
        ("floor_area_m2", "floor_area"),
        ("\ufeff社区代码", "社区代码"),
        ("Longitude", "longitude"),
        ("item2", "item2"),  # an 'm2' inside a word is not a unit
        ("0-3岁人口", "0-3岁人口"),
    ],
)
def test_normalise_header(header, expected):
    assert normalise_header(header) == expected


ALIASES = {"community_id": ("社区代码", "code"), "residents": ("常住人口", "人口")}


def test_map_columns_aliases_and_user_mapping():
    assert map_columns(["社区代码", "人口"], ALIASES, None, path=P, what="t") == {
        "community_id": "社区代码",
        "residents": "人口",
    }
    # the field name itself is accepted, case-insensitively
    assert map_columns(["Community_ID"], ALIASES, None, path=P, what="t") == {
        "community_id": "Community_ID"
    }
    # the user's mapping wins over an alias and the alias column is not taken twice
    got = map_columns(["社区代码", "SQDM"], ALIASES, {"community_id": "SQDM"}, path=P, what="t")
    assert got == {"community_id": "SQDM"}
    with pytest.raises(InputError, match=r"in\.csv.*'XX'.*no such column.*\['社区代码'\]"):
        map_columns(["社区代码"], ALIASES, {"community_id": "XX"}, path=P, what="t")
    with pytest.raises(InputError, match=r"unknown field\(s\) \['population'\]"):
        map_columns(["社区代码"], ALIASES, {"population": "社区代码"}, path=P, what="t")


def test_map_columns_cut_dbase_names():
    aliases = {"street_id": ("街道代码",), "street_name": ("街道名称",), "district": ("区县",)}
    # 街道代码/街道名称 (12 bytes in UTF-8) cut to 10 bytes then mended to 9 bytes
    got = map_columns(["街道代", "街道名", "区县"], aliases, None, path=P, what="t")
    assert got == {"street_id": "街道代", "street_name": "街道名", "district": "区县"}
    # a short header is not taken as a prefix ("街" is not 街道代码)
    assert map_columns(["街"], aliases, None, path=P, what="t") == {}


def test_require_fields_message():
    with pytest.raises(InputError) as info:
        require_fields(
            {}, ["community_id"], ALIASES, ["名称", "人口"], path=P, what="community table"
        )
    msg = str(info.value)
    assert "in.csv" in msg and "['名称', '人口']" in msg and "社区代码" in msg
    assert 'columns = { community_id = "<your header>" }' in msg
    require_fields({"community_id": "x"}, ["community_id"], ALIASES, [], path=P, what="t")


# --- ids --------------------------------------------------------------------------------


def test_ids_to_str():
    s = pd.Series([320602001, 320602001.0, "0320", " A1 ", None, float("nan"), "12.0"])
    assert ids_to_str(s).tolist() == [
        "320602001",
        "320602001",
        "0320",
        "A1",
        None,
        None,
        "12",
    ]


def test_check_ids():
    check_ids(pd.Series(["a", "b"]), path=P, column="id", what="facilities")
    with pytest.raises(
        InputError, match=r"column 'id'.*2 id\(s\) repeat: 'a' at \[1, 3\]; 'b' at \[2, 4\]"
    ):
        check_ids(pd.Series(["a", "b", "a", "b"]), path=P, column="id", what="facilities")
    with pytest.raises(InputError, match=r"1 facilities have no 'id' \(rows/features \[3\]\)"):
        check_ids(pd.Series(["a", "b", None]), path=P, column="id", what="facilities")
    with pytest.raises(InputError, match=r"\[4\]"):
        check_ids(pd.Series(["a", "b", None]), path=P, column="id", what="rows", first_row=2)


# --- geometry ------------------------------------------------------------------------------


def test_repair_bowtie_area_worked_out():
    # bowtie over the square [0,2]x[0,2]: two triangles of area 1 each
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    ok = shapely.box(3, 0, 4, 1)
    gdf = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[ok, bowtie])
    out, issues = repair_polygons(gdf, gdf["id"], path=P, what="communities")
    assert out.geometry.iloc[0].equals(ok)
    fixed = out.geometry.iloc[1]
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
    assert fixed.area == pytest.approx(2.0)
    assert len(shapely.get_parts(fixed)) == 2
    assert [(i.row, i.id, i.issue, i.action) for i in issues] == [
        (2, "B", "invalid_geometry", "repaired")
    ]
    assert "area 0 -> 2" in issues[0].detail
    # input untouched
    assert not gdf.geometry.iloc[1].is_valid


def test_repair_refuses_empty_and_points():
    gdf = gpd.GeoDataFrame(
        {"id": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.Polygon()]
    )
    with pytest.raises(
        InputError, match=r"1 communities have an empty or missing geometry: \['B' \(feature 2\)\]"
    ):
        repair_polygons(gdf, gdf["id"], path=P, what="communities")
    gdf = gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.Point(0, 0)])
    with pytest.raises(InputError, match=r"must be polygons.*'A' \(Point\)"):
        repair_polygons(gdf, gdf["id"], path=P, what="communities")
    line_only = shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])  # collapsed: no area
    gdf = gpd.GeoDataFrame({"id": ["Z"]}, geometry=[line_only])
    with pytest.raises(InputError, match="no area left"):
        repair_polygons(gdf, gdf["id"], path=P, what="communities")


# --- CRS -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bounds", "expect"),
    [
        ((120.8, 31.9, 121.0, 32.1), "EPSG:4490"),
        ((582110.0, 3539590.0, 586110.0, 3542590.0), "EPSG:4549"),
        ((40582110.0, 3539590.0, 40586110.0, 3542590.0), "EPSG:4528"),
        ((1e9, 1e9, 2e9, 2e9), "matches no CRS"),
    ],
)
def test_sniff_crs_hint(bounds, expect):
    assert expect in sniff_crs_hint(bounds)


def test_sniff_hint_coordinates_really_are_in_the_suggested_crs():
    # Nantong centre projected independently into both Gauss-Kruger variants
    for epsg, suggested in ((4549, "EPSG:4549"), (4528, "EPSG:4528")):
        x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(120.89, 31.99)
        assert suggested in sniff_crs_hint((x - 10, y - 10, x + 10, y + 10))


def test_resolve_crs():
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(120.9, 32.0)])
    with pytest.raises(CRSError, match="EPSG:4490"):
        resolve_crs(gdf, None, path=P, what="streets")
    crs, offset = resolve_crs(gdf, "EPSG:4490", path=P, what="streets")
    assert crs.to_epsg() == 4490 and offset is None
    crs, offset = resolve_crs(gdf, "gcj02", path=P, what="streets")
    assert crs is None and offset == "GCJ-02"
    metric = gpd.GeoDataFrame(geometry=[shapely.Point(583000, 3540000)], crs=4549)
    with pytest.raises(CRSError, match="metres"):
        resolve_crs(metric, "GCJ-02", path=P, what="streets")
    crs, _ = resolve_crs(metric, None, path=P, what="streets")
    assert crs.to_epsg() == 4549


def test_check_coordinates_fit_crs():
    metres = gpd.GeoDataFrame(geometry=[shapely.Point(583000, 3540000)])
    with pytest.raises(CRSError, match="EPSG:4549"):
        check_coordinates_fit_crs(metres, pyproj.CRS(4326), path=P, what="streets")
    degrees = gpd.GeoDataFrame(geometry=[shapely.Point(120.9, 32.0)])
    with pytest.raises(CRSError, match="look like degrees"):
        check_coordinates_fit_crs(degrees, pyproj.CRS(4549), path=P, what="streets")
    check_coordinates_fit_crs(degrees, pyproj.CRS(4490), path=P, what="streets")


# --- cell values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("1", True),
        (0, False),
        (1.0, True),
        ("TRUE", True),
        ("no", False),
        ("Y", True),
        ("", None),
        (None, None),
        (float("nan"), None),
        (True, True),
    ],
)
def test_parse_bool(value, expected):
    assert parse_bool(value) is expected


def test_parse_bool_rejects():
    for bad in ("也许", 2, "2"):
        with pytest.raises(ValueError):
            parse_bool(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,200", 1200.0),
        ("35.5㎡", 35.5),
        ("35m2", 35.0),
        (" 7 ", 7.0),
        (12, 12.0),
        ("", None),
        (None, None),
        (float("nan"), None),
        ("1，000", 1000.0),
    ],
)
def test_parse_number(value, expected):
    assert parse_number(value) == expected


def test_parse_number_rejects():
    for bad in ("六百", "inf", True, "12 人"):
        with pytest.raises(ValueError):
            parse_number(bad)


# --- encodings ---------------------------------------------------------------------------


def test_detect_bytes_encoding():
    assert detect_bytes_encoding(b"abc,1\n") is None
    assert detect_bytes_encoding("南通市崇川区".encode()) == "utf-8"
    assert detect_bytes_encoding("南通市崇川区".encode("gbk")) == "gb18030"
    with pytest.raises(UnicodeDecodeError):
        detect_bytes_encoding(b"\x80\x80\xff\xff")
    cut = "街道代码".encode()[:10]  # a dBASE field name cut mid-character
    assert detect_bytes_encoding([cut, "和平桥".encode()], allow_cut_tail=True) == "utf-8"
    # without the allowance the cut UTF-8 fails, and alone its bytes pass as GB18030
    assert detect_bytes_encoding([cut]) == "gb18030"
    with pytest.raises(UnicodeDecodeError):
        detect_bytes_encoding([cut, "和平桥".encode()])


def test_read_text(tmp_path):
    text = "名称,经度\n全家,120.9\n"
    for enc, expected in (("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")):
        p = tmp_path / f"{enc}.csv"
        p.write_bytes(text.encode(enc))
        got, used = read_text(p)
        assert got == text and used == expected
    p = tmp_path / "bad.csv"
    p.write_bytes(b"\x80\x80\xff\xfe\xff")
    with pytest.raises(InputError, match=r"bad\.csv.*neither UTF-8 nor GBK"):
        read_text(p)
    p = tmp_path / "gbk.csv"
    p.write_bytes(text.encode("gbk"))
    with pytest.raises(InputError, match=r"cannot decode the file as 'utf-8'"):
        read_text(p, encoding="utf-8")
    assert read_text(p, encoding="gbk") == (text, "gbk")


def _write_dbf(path: Path, names: list[bytes], values: list[bytes], ldid: int = 0) -> None:
    """A minimal dBASE III file with one record of character fields (written by hand)."""
    width = 20
    header_len = 32 + 32 * len(names) + 1
    record_len = 1 + width * len(names)
    head = struct.pack("<BBBBIHH", 3, 124, 1, 1, 1, header_len, record_len)
    head += bytes(17) + bytes([ldid]) + bytes(2)
    fields = b""
    for n in names:
        fields += n.ljust(11, b"\x00") + b"C" + bytes(4) + bytes([width, 0]) + bytes(14)
    record = b" " + b"".join(v.ljust(width, b" ") for v in values)
    path.write_bytes(head + fields + b"\x0d" + record + b"\x1a")


def test_detect_shapefile_encoding(tmp_path):
    shp = tmp_path / "a.shp"
    shp.write_bytes(b"")
    _write_dbf(shp.with_suffix(".dbf"), [b"NAME"], ["和平桥街道".encode("gbk")])
    assert detect_shapefile_encoding(shp) == "GB18030"
    _write_dbf(shp.with_suffix(".dbf"), [b"NAME"], ["和平桥街道".encode()])
    assert detect_shapefile_encoding(shp) == "UTF-8"
    _write_dbf(shp.with_suffix(".dbf"), [b"NAME"], [b"Heping"])
    assert detect_shapefile_encoding(shp) is None
    # a declared Chinese code page (language driver 0x4D = 936) is left to GDAL
    _write_dbf(shp.with_suffix(".dbf"), [b"NAME"], ["和平桥".encode("gbk")], ldid=0x4D)
    assert detect_shapefile_encoding(shp) is None
    # a .cpg says it all
    _write_dbf(shp.with_suffix(".dbf"), [b"NAME"], ["和平桥".encode("gbk")])
    shp.with_suffix(".cpg").write_text("GBK", encoding="ascii")
    assert detect_shapefile_encoding(shp) is None
    assert detect_shapefile_encoding(tmp_path / "x.geojson") is None


def test_copy_with_whole_field_names(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shp = src / "a.shp"
    shp.write_bytes(b"shp")
    shp.with_suffix(".shx").write_bytes(b"shx")
    cut = "街道代码".encode()[:10]
    _write_dbf(shp.with_suffix(".dbf"), [cut, "区县".encode()], [b"1", b"2"])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    copy = copy_with_whole_field_names(shp, "utf-8", out_dir)
    assert copy == out_dir / "a.shp"
    assert (out_dir / "a.shx").read_bytes() == b"shx"
    raw = (out_dir / "a.dbf").read_bytes()
    assert raw[32:43] == "街道代".encode().ljust(11, b"\x00")
    assert raw[64:75] == "区县".encode().ljust(11, b"\x00")
    assert shp.with_suffix(".dbf").read_bytes()[32:42] == cut  # the original is untouched
    # nothing cut: nothing copied
    assert copy_with_whole_field_names(out_dir / "a.shp", "utf-8", tmp_path) is None


def test_looks_like_mojibake():
    assert looks_like_mojibake(["南通".encode("gbk").decode("latin-1"), "å´‡å·åŒº"])
    assert not looks_like_mojibake(["南通", "Chongchuan"])
    assert not looks_like_mojibake([])


def test_crs_candidates_put_the_nantong_ones_first():
    from facility_coverage.io.validate import crs_candidates

    x, y = pyproj.Transformer.from_crs(4326, 4550, always_xy=True).transform(120.89, 31.99)
    found = crs_candidates((x - 10, y - 10, x + 10, y + 10))
    codes = [c for c, _, _ in found]
    assert codes[:2] == ["EPSG:4550", "EPSG:32651"]  # CM 123E: both land in Nantong
    assert all(w.endswith("in Nantong") for _, _, w in found[:2])
    assert not any(w.endswith("in Nantong") for _, _, w in found[2:])
    assert crs_candidates((5e5, 9e6, 5.1e5, 9.1e6)) == []  # far north of China
