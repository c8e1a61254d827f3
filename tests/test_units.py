"""Township types, 乡镇, 行政村, declared 生活圈 and the indicator table: real files written here.

Layers are drawn in the working CRS (EPSG:4549, metres) so that every area and
containment below can be worked out on paper: 街道 A is the square
x0..x0+1000, 街道 B the square next to it (x0+1000..x0+2000), 镇 T the square
above A.
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from facility_coverage import CRSError, InputError, analysis, sample
from facility_coverage.config import load_study
from facility_coverage.io import (
    CIRCLE_COLUMNS,
    INDICATOR_COLUMNS,
    VILLAGE_COLUMNS,
    read_boundaries,
    read_circles,
    read_indicators,
    read_report,
    read_study_units,
    read_villages,
    street_type_from_code,
)
from facility_coverage.names import LEVEL_TITLES, LEVELS, ROLLUP_LEVELS

WORKING = "EPSG:4549"
X0, Y0 = 580_000.0, 3_535_000.0


def _square(i: int, j: int, size: float = 1000.0) -> shapely.Polygon:
    """The ``size`` square whose lower-left corner is (X0 + i*size, Y0 + j*size)."""
    return shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)


def _write(tmp_path: Path, name: str, data: dict, geoms: list, crs: str = WORKING) -> Path:
    path = tmp_path / name
    gpd.GeoDataFrame(data, geometry=geoms, crs=crs).to_file(path)
    return path


def _streets(tmp_path: Path) -> gpd.GeoDataFrame:
    path = _write(
        tmp_path,
        "streets.gpkg",
        {
            "街道代码": ["320602001000", "320602002000"],
            "街道名称": ["和平桥街道", "城东街道"],
            "区县": ["崇川区", "崇川区"],
        },
        [_square(0, 0), _square(1, 0)],
    )
    return read_boundaries(path, level="street", working_crs=WORKING)


# --- township types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("320602001000", None, "街道"),  # digits 7-9 = 001
        ("320602099000", None, "街道"),
        ("320612100000", None, "镇"),  # 100
        ("320612199000", None, "镇"),
        ("320612200000", None, "乡"),  # 200
        ("320612399000", None, "乡"),
        ("320612400000", "苏通科技产业园区", "园区"),  # 400-599: 园区 by its name
        ("320612401000", "南通经济技术开发区", "园区"),
        ("320612500000", "国营南通农场", "其他"),
        ("320612100", None, "镇"),  # the nine-digit 乡级 code
        ("320612000000", None, None),  # 000: the county itself
        ("320612600000", None, None),
        ("S1", "城东街道", None),
        ("32061210000", None, None),  # eleven digits: not a 区划代码
        (None, None, None),
    ],
)
def test_street_type_from_the_code(code, name, expected) -> None:
    assert street_type_from_code(code, name) == expected


def test_street_type_from_each_source_and_the_reported_default(tmp_path: Path, caplog) -> None:
    data = {
        "街道代码": ["S1", "320612100000", "S3", "S4", "320612200000", "S6"],
        "街道名称": ["甲", "乙", "澜南镇", "某片区", "丙", "和平桥街道"],
        "街道类型": ["乡", None, None, None, None, "开发区?"],
    }
    path = _write(tmp_path, "types.gpkg", data, [_square(i, 0) for i in range(6)])
    with caplog.at_level(logging.WARNING, logger="facility_coverage"):
        streets = read_boundaries(path, level="street", working_crs=WORKING)
    assert list(streets.columns) == [
        "street_id",
        "street_name",
        "district",
        "street_type",
        "geometry",
    ]
    # column 乡; code 100 -> 镇; name …镇; nothing -> 街道 (reported); code 200 -> 乡;
    # a type value that means nothing is cleared, then the name …街道 decides.
    assert streets["street_type"].tolist() == ["乡", "镇", "镇", "街道", "乡", "街道"]
    rep = read_report(streets)
    assert rep[["row", "id", "issue", "action"]].to_numpy().tolist() == [
        [4, "S4", "street_type_assumed", "assumed"],
        [6, "S6", "bad_value", "value_cleared"],
    ]
    assert "taken as 街道" in rep["detail"].iloc[0]
    assert "街道类型" in rep["detail"].iloc[0]  # the fix: add a type column
    assert "'开发区?'" in rep["detail"].iloc[1]
    assert "1 unit(s) taken as 街道" in caplog.text and "S4" in caplog.text


def test_a_code_that_contradicts_the_name_is_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "conflict.gpkg",
        {"街道代码": ["320612100000"], "街道名称": ["城东街道"]},
        [_square(0, 0)],
    )
    streets = read_boundaries(path, level="street", working_crs=WORKING)
    assert streets["street_type"].tolist() == ["镇"]  # the code wins
    rep = read_report(streets)
    assert rep["issue"].tolist() == ["street_type_conflict"]
    assert "320612100000" in rep["detail"].iloc[0] and "街道" in rep["detail"].iloc[0]


def _study(tmp_path: Path, extra: str) -> Path:
    toml = tmp_path / "study.toml"
    toml.write_text(
        f"""
[study]
name = "乡镇 test"
working_crs = "{WORKING}"
[inputs.streets]
path = "streets.gpkg"
[inputs.communities]
path = "communities.gpkg"
[inputs.facilities]
path = "facilities.csv"
crs = "WGS84"
[inputs.network]
path = "walk.osm"
{extra}
""",
        encoding="utf-8",
    )
    return toml


def _communities(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "communities.gpkg",
        {"社区代码": ["C1", "C2"], "社区名称": ["甲社区", "乙社区"], "街道代码": ["S1", "S2"]},
        [_square(0, 0), _square(1, 0)],
    )


def test_townships_are_appended_to_the_streets(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "streets.gpkg",
        {"街道代码": ["S1", "S2"], "街道名称": ["和平桥街道", "城东街道"]},
        [_square(0, 0), _square(1, 0)],
    )
    _communities(tmp_path)
    _write(
        tmp_path,
        "towns.gpkg",
        {
            "乡镇代码": ["T1", "T2", "320612200000"],
            "乡镇名称": ["澜南", "某某", "丙"],
            "乡镇类型": [None, "乡", None],
            "区县": ["海门区", "海门区", "海门区"],
        },
        [_square(0, 1), _square(1, 1), _square(2, 1)],
    )
    study = load_study(_study(tmp_path, '[inputs.townships]\npath = "towns.gpkg"'))
    units = read_study_units(study)
    streets = units.streets
    assert streets.index.name == "street_id"
    assert streets.index.tolist() == ["S1", "S2", "T1", "T2", "320612200000"]
    assert list(streets.columns) == [
        "street_id",
        "street_name",
        "district",
        "street_type",
        "geometry",
    ]
    # 街道 by name; T1: nothing says, declared 乡镇 -> 镇; T2: the column; code 200 -> 乡
    assert streets["street_type"].tolist() == ["街道", "街道", "镇", "乡", "乡"]
    assert streets["district"].tolist()[2:] == ["海门区"] * 3
    assert streets.crs.to_epsg() == 4549
    assert read_report(streets)["id"].tolist() == ["T1"]  # the default, as a note
    assert len(units.overlaps) == 0
    assert units.villages is None and units.circles is None and units.indicators is None


def test_township_ids_must_not_clash_with_street_ids(tmp_path: Path) -> None:
    _write(tmp_path, "streets.gpkg", {"街道代码": ["S1", "S2"]}, [_square(0, 0), _square(1, 0)])
    _communities(tmp_path)
    _write(tmp_path, "towns.gpkg", {"乡镇代码": ["T1", "S2"]}, [_square(0, 1), _square(1, 1)])
    study = load_study(_study(tmp_path, '[inputs.townships]\npath = "towns.gpkg"'))
    with pytest.raises(InputError, match=r"towns\.gpkg: the 乡镇 id\(s\) \['S2'\] are also 街道"):
        read_study_units(study)


# --- villages -----------------------------------------------------------------------------


def test_village_polygons_assigned_by_the_largest_overlap(tmp_path: Path, caplog) -> None:
    streets = _streets(tmp_path)
    path = _write(
        tmp_path,
        "villages.gpkg",
        {
            "村代码": ["V1", "V2", "V3"],
            "村名称": ["丰乐村", "双桥村", "杨湾村"],
            "乡镇代码": ["320602001000", None, None],
        },
        [
            _square(0, 0, 500),
            # x0+900..x0+1300: 100 m x 400 m in A, 300 m x 400 m in B -> B
            shapely.box(X0 + 900, Y0, X0 + 1300, Y0 + 400),
            shapely.box(X0 + 5000, Y0, X0 + 5500, Y0 + 500),  # in no street
        ],
    )
    with caplog.at_level(logging.INFO, logger="facility_coverage"):
        villages = read_villages(path, working_crs=WORKING, streets=streets)
    assert list(villages.columns) == [*VILLAGE_COLUMNS, "geometry"]
    assert villages.index.name == "village_id"
    assert villages.index.tolist() == ["V1", "V2", "V3"]
    assert villages["street_id"].tolist()[:2] == ["320602001000", "320602002000"]
    assert pd.isna(villages.loc["V3", "street_id"])  # kept, outside every street
    # names and districts the file lacks come from the street
    assert villages["street_name"].tolist()[:2] == ["和平桥街道", "城东街道"]
    assert villages["district"].tolist()[:2] == ["崇川区", "崇川区"]
    assert villages.loc["V2"].geometry.area == pytest.approx(400 * 400)
    rep = read_report(villages)
    assert rep[["row", "id", "issue", "action"]].to_numpy().tolist() == [
        [2, "V2", "street_assigned", "assigned"],
        [3, "V3", "outside_streets", "kept"],
    ]
    assert "城东街道 (320602002000)" in rep["detail"].iloc[0]
    assert "Fill in 乡镇代码" in rep["detail"].iloc[1]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("V3" in r.getMessage() for r in warnings)


def test_village_points_from_a_table_in_wgs84(tmp_path: Path) -> None:
    streets = _streets(tmp_path)
    to_ll = pyproj.Transformer.from_crs(WORKING, 4326, always_xy=True)
    # P1 in A (x0+250), P2 in B (x0+1750), P3 swapped lon/lat (corrected and reported)
    xy = [(X0 + 250, Y0 + 500), (X0 + 1750, Y0 + 500), (X0 + 1500, Y0 + 100)]
    lonlat = [to_ll.transform(x, y) for x, y in xy]
    table = pd.DataFrame(
        {
            "村代码": ["P1", "P2", "P3"],
            "村名称": ["甲村", "乙村", "丙村"],
            "经度": [lonlat[0][0], lonlat[1][0], lonlat[2][1]],
            "纬度": [lonlat[0][1], lonlat[1][1], lonlat[2][0]],
        }
    )
    path = tmp_path / "villages.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    villages = read_villages(path, working_crs=WORKING, streets=streets, crs="WGS84")
    assert villages.geometry.geom_type.tolist() == ["Point"] * 3
    for (x, y), p in zip(xy, villages.geometry, strict=True):
        assert (p.x, p.y) == pytest.approx((x, y), abs=1e-3)
    assert villages["street_id"].tolist() == ["320602001000", "320602002000", "320602002000"]
    rep = read_report(villages)
    assert rep[["row", "id", "issue"]].to_numpy().tolist() == [  # spreadsheet rows
        [2, "P1", "street_assigned"],
        [3, "P2", "street_assigned"],
        [4, "P3", "street_assigned"],
        [4, "P3", "swapped_coordinates"],
    ]

    with pytest.raises(CRSError, match=r"villages\.csv: say which coordinate system the 行政村"):
        read_villages(path, working_crs=WORKING)
    table["经度"] = table["经度"].astype(object)
    table.loc[1, "经度"] = "不详"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(InputError, match=r"row/feature 3 \('P2' 乙村\).*fix the coordinates"):
        read_villages(path, working_crs=WORKING, crs="WGS84")


def test_village_points_from_a_layer_and_bad_geometries(tmp_path: Path) -> None:
    streets = _streets(tmp_path)
    path = _write(
        tmp_path,
        "points.gpkg",
        {"行政村代码": [320612100201, 320612100202], "行政村": ["甲村", "乙村"]},
        [shapely.Point(X0 + 10, Y0 + 10), shapely.Point(X0 + 1990, Y0 + 990)],
    )
    villages = read_villages(path, working_crs=WORKING, streets=streets)
    assert villages.index.tolist() == ["320612100201", "320612100202"]  # codes as text
    assert villages["village_name"].tolist() == ["甲村", "乙村"]
    assert villages["street_id"].tolist() == ["320602001000", "320602002000"]

    lines = _write(
        tmp_path,
        "lines.gpkg",
        {"村代码": ["V1", "V2"]},
        [shapely.Point(X0, Y0), shapely.LineString([(X0, Y0), (X0 + 10, Y0)])],
    )
    with pytest.raises(InputError, match=r"polygons .* or points .*'V2' \(LineString, feature 2\)"):
        read_villages(lines, working_crs=WORKING)
    no_id = _write(tmp_path, "noid.gpkg", {"名字": ["甲村"]}, [shapely.Point(X0, Y0)])
    with pytest.raises(InputError, match=r"no column for \['village_id'\].*村代码"):
        read_villages(no_id, working_crs=WORKING)


def test_a_village_with_an_unknown_township_code_is_kept_and_reported(tmp_path: Path) -> None:
    streets = _streets(tmp_path)
    path = _write(
        tmp_path,
        "v.gpkg",
        {"村代码": ["V1"], "乡镇代码": ["320699100000"], "区县": ["示例区"]},
        [shapely.Point(X0 + 10, Y0 + 10)],
    )
    villages = read_villages(path, working_crs=WORKING, streets=streets)
    assert villages["street_id"].tolist() == ["320699100000"]
    assert pd.isna(villages.loc["V1", "street_name"])
    assert villages["district"].tolist() == ["示例区"]  # the file's own, not overwritten
    assert read_report(villages)["issue"].tolist() == ["unknown_street"]


# --- circles ------------------------------------------------------------------------------


def test_circle_statuses_are_normalised(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "circles.gpkg",
        {
            "生活圈编号": ["Q1", "Q2", "Q3", "Q4"],
            "生活圈名称": ["和平桥生活圈", "星河生活圈", None, "桐华生活圈"],
            "建设状态": ["Built", "建设中", " planned ", "已建"],
        },
        [_square(0, 0), _square(1, 0), _square(2, 0), _square(3, 0)],
    )
    circles = read_circles(path, working_crs=WORKING)
    assert list(circles.columns) == [*CIRCLE_COLUMNS, "geometry"]
    assert circles.index.name == "circle_id"
    assert circles["status"].tolist() == ["已建", "在建", "规划", "已建"]
    assert circles["circle_name"].tolist() == ["和平桥生活圈", "星河生活圈", "Q3", "桐华生活圈"]
    assert circles.geometry.area.tolist() == pytest.approx([1e6] * 4)


def test_an_unknown_circle_status_names_the_feature_and_the_accepted_values(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "circles.gpkg",
        {"编号": ["Q1", "Q2"], "名称": ["甲", "乙"], "状态": ["已建", "快好了"]},
        [_square(0, 0), _square(1, 0)],
    )
    with pytest.raises(InputError) as err:
        read_circles(path, working_crs=WORKING)
    message = str(err.value)
    assert "circles.gpkg" in message
    assert "feature 2 ('Q2' 乙): '快好了'" in message
    for accepted in ("已建", "在建", "规划", "built", "building", "planned"):
        assert accepted in message
    no_status = _write(tmp_path, "c2.gpkg", {"编号": ["Q1"]}, [_square(0, 0)])
    with pytest.raises(InputError, match=r"no column for \['status'\].*建设状态"):
        read_circles(no_status, working_crs=WORKING)


# --- indicators ---------------------------------------------------------------------------

INDICATORS_CSV = """\
编号,指标,目标值,实际值,比较,单位,来源,责任单位,备注
N1,生活性服务业地方标准,16,12,≥,个,任务6,市市场监管局,
N2,累计培训“一老一小”服务人员,3万,"31,500",不少于,人次,任务8,市人社局,十四五累计
N3,普惠比例,75%,,超过,,任务2,,
N4,投诉率,5,4.5,<=,%,,,
N5,龙头企业,10,,,家,任务7,,
合计,,,,,,,,
"""


def test_indicators_are_parsed(tmp_path: Path) -> None:
    path = tmp_path / "indicators.csv"
    path.write_text(INDICATORS_CSV, encoding="utf-8")
    table = read_indicators(path)
    assert list(table.columns) == list(INDICATOR_COLUMNS)
    assert table.index.name == "indicator_id"
    assert table.index.tolist() == ["N1", "N2", "N3", "N4", "N5"]
    assert table["target"].tolist() == [16.0, 30_000.0, 75.0, 5.0, 10.0]
    actual = table["actual"].tolist()
    assert actual[:2] == [12.0, 31_500.0] and actual[3] == 4.5
    assert np.isnan(actual[2]) and np.isnan(actual[4])  # not filled in yet
    assert table["comparison"].tolist() == [">=", ">=", ">", "<=", ">="]  # blank: >=
    assert table["unit"].tolist() == ["个", "人次", "%", "%", "家"]  # 75% -> unit %
    assert table.loc["N2", "note"] == "十四五累计"
    assert table.loc["N4", "source"] is None
    assert read_report(table)["issue"].tolist() == ["total_row"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("N9,甲,10,,about,个,,,", r"row 3 \(N9 甲\): column '比较' holds 'about'.*>=, >, <=, <, ="),
        (
            "N9,甲,十个,,,个,,,",
            r"row 3 \(N9 甲\): column '目标值' holds '十个', which is not a number",
        ),
        ("N9,甲,10,8个,,个,,,", r"row 3 \(N9 甲\): column '实际值' holds '8个'.*单位"),
        ("N9,甲,,8,,个,,,", r"row 3 \(N9 甲\) has no target value"),
        ("N1,甲,10,8,,个,,,", r"'编号' must identify each indicator once.*'N1' at \[2, 3\]"),
    ],
)
def test_bad_indicator_rows_are_errors_naming_the_row(tmp_path: Path, row: str, message) -> None:
    path = tmp_path / "indicators.csv"
    lines = INDICATORS_CSV.splitlines()
    path.write_text("\n".join([lines[0], lines[1], row]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_indicators(path)


def test_indicators_need_an_id_a_name_and_a_target(tmp_path: Path) -> None:
    path = tmp_path / "indicators.csv"
    path.write_text("编号,指标\nN1,甲\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column for \['target'\].*目标值"):
        read_indicators(path)


def test_the_shipped_template_lists_the_plans_non_spatial_targets() -> None:
    template = resources.files("facility_coverage.rules") / "indicators_template.csv"
    raw = template.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # utf-8-sig: Excel opens it as UTF-8
    header = raw.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == [
        "indicator_id",
        "name_zh",
        "target",
        "comparison",
        "unit",
        "source",
        "responsible",
        "actual",
        "note",
    ]
    with resources.as_file(template) as path:
        table = read_indicators(path)
    assert table["actual"].isna().all()  # for the planner to fill in
    assert table["source"].map(lambda s: bool(re.fullmatch(r"任务\d+", s))).all()
    assert table["responsible"].notna().all()
    by_name = dict(zip(table["name_zh"], table["target"], strict=True))
    # the plan's numbers (通政办发〔2022〕112号)
    assert by_name["制定出台生活性服务业地方标准"] == 16  # 任务6
    assert by_name["建设扶持有影响的家政服务龙头企业"] == 10  # 任务7
    assert by_name["“一老一小”品牌连锁机构"] == 10  # 任务7
    assert by_name["累计培训“一老一小”服务人员"] == 30_000  # 任务8: 3万人次
    assert by_name["通过职业技能等级认定的养老护理员"] == 10_000  # 任务8
    assert by_name["通过职业技能等级认定的保育员"] == 5_000  # 任务8
    assert by_name["养老、家政、托育、健康等生活服务领域省级产教融合型企业"] == 10  # 任务10
    assert by_name["本地化、专业化的垂直电商平台、供应链平台"] == 3  # 任务11
    # no id clashes with a rule id (the rules use R…, GB…)
    assert all(re.fullmatch(r"N\d+", i) for i in table.index)


# --- levels -------------------------------------------------------------------------------


def test_level_names() -> None:
    assert LEVELS["district"] == "县（市、区）"
    assert list(LEVELS) == ["community", "circle", "village", "street", "district", "city"]
    assert ROLLUP_LEVELS == ("community", "street", "district", "city")
    assert LEVEL_TITLES == {
        "community": "社区",
        "circle": "生活圈",
        "village": "行政村",
        "street": "街道",
        "district": "县（市、区）",
        "city": "全市",
    }


# --- a whole study ------------------------------------------------------------------------


def _without_tables(text: str, names: tuple[str, ...]) -> str:
    """A study file's text without the ``[inputs.<name>]`` tables (the test declares its own)."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = line.strip() in {f"[inputs.{n}]" for n in names}
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def test_a_study_with_villages_circles_and_indicators(tmp_path: Path) -> None:
    source = sample.sample_study_path()
    text = re.sub(
        r'^path = "([^"]+)"',
        lambda m: f'path = "{(source.parent / m.group(1)).resolve().as_posix()}"',
        source.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    text = _without_tables(text, ("villages", "circles", "indicators"))
    streets = read_study_units(load_study(source)).streets
    town = streets[streets["street_type"] == "镇"].iloc[:1]
    assert len(town) == 1  # the sample's 澜南镇
    centre = town.geometry.iloc[0].representative_point()
    # two 行政村 points inside the 镇, the second without 乡镇代码 (found by containment)
    to_ll = pyproj.Transformer.from_crs(WORKING, 4326, always_xy=True)
    lon, lat = to_ll.transform(centre.x, centre.y)
    pd.DataFrame(
        {
            "村代码": ["VT1", "VT2"],
            "村名称": ["测试一村", "测试二村"],
            "乡镇代码": [town.index[0], None],
            "经度": [lon, lon],
            "纬度": [lat, lat],
        }
    ).to_csv(tmp_path / "villages.csv", index=False, encoding="utf-8-sig")
    gpd.GeoDataFrame(
        {
            "生活圈编号": ["QT1", "QT2"],
            "生活圈名称": ["镇区圈", "规划圈"],
            "建设状态": ["built", "规划"],
        },
        geometry=[centre.buffer(500), centre.buffer(300)],
        crs=WORKING,
    ).to_file(tmp_path / "circles.gpkg")
    (tmp_path / "indicators.csv").write_text(
        "编号,指标,目标值,实际值,单位\nN1,地方标准,16,17,个\nN2,龙头企业,10,,家\n",
        encoding="utf-8",
    )
    text += """
[inputs.villages]
path = "villages.csv"
crs = "WGS84"
[inputs.circles]
path = "circles.gpkg"
[inputs.indicators]
path = "indicators.csv"
"""
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    result = analysis.run_study(tmp_path / "study.toml")

    assert "street_type" in result.streets.columns
    assert result.streets.loc[town.index[0], "street_type"] == "镇"
    villages = result.villages
    assert villages is not None
    assert list(villages.columns) == [*VILLAGE_COLUMNS, "geometry"]
    assert villages["street_id"].tolist() == [town.index[0]] * 2
    assert villages["street_name"].tolist() == [town["street_name"].iloc[0]] * 2
    assert villages.geometry.distance(centre).max() < 0.01
    circles = result.circles
    assert circles is not None
    assert circles["status"].to_dict() == {"QT1": "已建", "QT2": "规划"}
    indicators = result.indicators
    assert indicators is not None
    assert indicators["actual"].tolist()[0] == 17.0 and np.isnan(indicators["actual"].iloc[1])
    # what the rules looked at is what was read
    inputs = result.rule_inputs()
    assert inputs.villages is villages and inputs.circles is circles
    assert inputs.indicators is indicators
    table = result.rule_results
    judged_villages = set(table.loc[table["level"] == "village", "unit_id"])
    assert judged_villages == {"VT1", "VT2"}
    assert set(table.loc[table["level"] == "circle", "unit_id"]) == {"QT1", "QT2"}
    n1 = table[table["rule_id"] == "N1"]
    assert n1["passed"].tolist() == [True]  # 17 >= 16
    assert table.loc[table["rule_id"] == "N2", "passed"].isna().all()  # not filled in
    units_read = result.reports["units_read"]
    assigned = units_read[units_read["issue"] == "street_assigned"]
    assert assigned[["layer", "id"]].to_numpy().tolist() == [["villages", "VT2"]]
    assert "2 行政村" in repr(result)
