"""Issue 12, item 7: every classification error of the issue, and how each facility was classified.

Each case uses a name, an Amap type code or OSM tags as they occur in real data
(OSM values from the wiki's Key:healthcare and Key:craft pages, Amap codes from
Amap's POI 分类编码表) and checks the category and the provenance
(``classified_by``, ``classified_on``). The readers are tested on files written
here: a CSV table, a GeoJSON point layer and an OSM XML file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from facility_coverage.categories import (
    Classification,
    classify_amap,
    classify_amap_frame,
    classify_amap_match,
    classify_amap_matches,
    classify_osm_match,
    classify_osm_tags,
    load_categories,
)
from facility_coverage.io import deduplicate_facilities, read_facilities

WORKING = "EPSG:4549"


@pytest.fixture(scope="module")
def table():
    return load_categories()


def _amap(table, name, code=None, type_text=None):
    return classify_amap_match(name, code, type_text, table)


# --- names and Amap codes ---------------------------------------------------------------


def test_fresh_food_supermarket_is_a_fresh_food_store_not_a_supermarket(table):
    # an 060400 (超级市场) code would make it a supermarket; the name says 生鲜超市
    got = _amap(table, "永辉生鲜超市(濠河店)", "060400", "购物服务;超级市场;超市")
    assert got == Classification("fresh_food_store", "keyword", "生鲜")
    # an ordinary supermarket keeps its code
    assert _amap(table, "苏果超市", "060400") == Classification(
        "supermarket", "amap_code", "060400"
    )


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("朴朴生鲜店", "生鲜"),
        ("钱大妈(青年路店)", "钱大妈"),
        ("陈家菜店", "菜店"),
        ("平价蔬菜店", "菜店"),
    ],
)
def test_fresh_food_stores_by_name(table, name, word):
    got = _amap(table, name, "060000", "购物服务;购物相关场所;购物相关场所")
    assert got == Classification("fresh_food_store", "keyword", word)


def test_a_sichuan_restaurant_is_no_vegetable_shop(table):
    # 川菜店 contains 菜店; the restaurant code and the word 川菜 rule it out
    got = _amap(table, "老四川菜店", "050100", "餐饮服务;中餐厅;四川菜(川菜)")
    assert got.key is None and got.by is None
    assert got.excluded == "keyword 菜店 of fresh_food_store ruled out by 川菜"
    no_code = _amap(table, "家常菜馆", None)
    assert no_code.key is None and "fresh_food_store" not in (no_code.excluded or "")


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("和平桥社区老年助餐点", "助餐"),
        ("翠竹社区食堂", "社区食堂"),
        ("城东老年食堂", "老年食堂"),
        ("文峰长者食堂", "长者食堂"),
    ],
)
def test_canteens_are_community_canteens_not_elderly_stations(table, name, word):
    got = _amap(table, name, "070000", "生活服务;生活服务场所;生活服务场所")
    assert got == Classification("community_canteen", "keyword", word)
    assert table["community_canteen"].group == "elderly"


def test_an_elderly_care_company_is_unclassified_and_says_why(table):
    got = _amap(table, "澜城康养养老服务有限公司", "170200", "公司企业;公司;公司")
    assert got.key is None
    assert got.excluded == "keyword 养老服务 of elderly_station ruled out by 公司"
    # the Amap company code alone also rules the keyword out
    coded = _amap(table, "康乐养老服务", "170200")
    assert coded.key is None and coded.excluded.endswith("ruled out by 170200")
    # a company whose name says what it runs is still that institution
    home = _amap(table, "颐和养老院有限公司", None)
    assert home == Classification("nursing_home", "keyword", "养老院")
    # the station itself is untouched
    assert _amap(table, "文峰社区养老服务站") == Classification(
        "elderly_station", "keyword", "养老服务站"
    )


@pytest.mark.parametrize(
    ("name", "word"),
    [("修鞋配钥匙", "修鞋"), ("老张配钥匙", "配钥匙"), ("修鞋", "修鞋"), ("便民修锁", "修锁")],
)
def test_small_repairs_are_repair_points(table, name, word):
    assert _amap(table, name) == Classification("repair", "keyword", word)


def test_car_repair_is_not_a_repair_point(table):
    got = _amap(table, "途虎养车汽车维修", "030000", "汽车维修;汽车综合维修")
    assert got.key is None
    assert got.excluded == "keyword 维修 of repair ruled out by 汽车"


def test_amap_071200_and_071300(table):
    # 071200 生活服务;维修站点, 071300 生活服务;摄影冲印店 (Amap POI 分类编码表)
    assert _amap(table, "美的星级服务站", "071200", "生活服务;维修站点;维修站点") == (
        Classification("repair", "amap_code", "071200")
    )
    assert _amap(table, "金夫人婚纱摄影", "071300", "生活服务;摄影冲印店;摄影冲印") == (
        Classification("photo_print", "amap_code", "071300")
    )
    # codes that lost their leading zero in a spreadsheet, and a multi-code field
    assert _amap(table, "某店", 71200).on == "071200"
    assert _amap(table, "某店", "141200|071300") == Classification(
        "photo_print", "amap_code", "071300"
    )


@pytest.mark.parametrize(
    ("name", "key", "word"),
    [
        ("丰乐村电子商务服务点", "ecommerce_point", "村电子商务服务点"),
        ("石港村级电商服务站", "ecommerce_point", "村级电商服务站"),
        ("兴仁电商服务站", "ecommerce_point", "电商服务站"),
        ("丰乐村益农信息社", "ecommerce_point", "益农信息社"),
        ("通州区农村电子商务综合服务中心", "rural_ecommerce_centre", "电子商务综合服务中心"),
        ("海门县级电子商务公共服务中心", "rural_ecommerce_centre", "电子商务公共服务中心"),
        ("如东县域消费集聚区(掘港商业中心)", "consumption_cluster", "消费集聚区"),
    ],
)
def test_rural_commerce(table, name, key, word):
    assert _amap(table, name, "070000") == Classification(key, "keyword", word)


def test_code_before_keyword_and_match_all(table):
    # both the laundry code and 洗衣 match: the code is what is recorded
    assert _amap(table, "福奈特洗衣", "071500") == Classification("laundry", "amap_code", "071500")
    # breakfast needs a food code AND a breakfast word: both are recorded
    assert _amap(table, "老王包子铺", "050301", "餐饮服务;快餐厅") == Classification(
        "breakfast", "keyword", "包子 + 050301"
    )
    # a keyword found in the type text only
    assert _amap(table, "某公司", None, "生活服务;家政服务;家政服务") == Classification(
        "housekeeping", "keyword", "家政"
    )


def test_frame_matches_scalar_and_keeps_old_return_values(table):
    rows = [
        ("永辉生鲜超市", "060400", "购物服务;超级市场;超市"),
        ("澜城康养养老服务有限公司", "170200", "公司企业;公司;公司"),
        ("美的星级服务站", 71200, None),
        ("老四川菜店", "050100", None),
        ("老王包子铺", "050301", "餐饮服务"),
        (None, None, None),
    ]
    df = pd.DataFrame(rows, columns=["name", "typecode", "type"], index=list("abcdef"))
    got = classify_amap_matches(df, table)
    assert list(got.columns) == ["category", "classified_by", "classified_on", "excluded"]
    assert got.index.tolist() == list("abcdef")
    for k, r in zip(got.index, rows, strict=True):
        assert Classification(*got.loc[k]) == classify_amap_match(*r, table)
    assert got["category"].tolist() == [
        "fresh_food_store",
        None,
        "repair",
        None,
        "breakfast",
        None,
    ]
    # the functions other code calls still return keys
    assert classify_amap_frame(df, table).tolist() == got["category"].tolist()
    assert [classify_amap(*r, table) for r in rows] == got["category"].tolist()


# --- OSM tags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        {"amenity": "hospital", "healthcare": "hospital", "name": "南通市第一人民医院"},
        {"amenity": "dentist", "healthcare": "dentist", "name": "美奥口腔"},
        {"healthcare": "dentist"},
        {"healthcare": "laboratory"},
        {"healthcare": "physiotherapist"},
        {"healthcare": "optometrist"},
        {"healthcare": "centre"},  # "unspecified characteristics" (wiki Key:healthcare)
    ],
)
def test_healthcare_tags_that_are_no_health_station(table, tags):
    assert classify_osm_match(tags, table) == Classification(None)


@pytest.mark.parametrize(
    ("tags", "on"),
    [
        ({"amenity": "clinic", "healthcare": "clinic"}, "amenity=clinic"),
        ({"amenity": "doctors", "healthcare": "doctor"}, "amenity=doctors"),
        ({"healthcare": "clinic"}, "healthcare=clinic"),
        ({"healthcare": "doctor"}, "healthcare=doctor"),
    ],
)
def test_outpatient_primary_care_tags_are_health_stations(table, tags, on):
    assert classify_osm_match(tags, table) == Classification("health_station", "osm_tag", on)


def test_health_by_name_and_pharmacy_by_healthcare_tag(table):
    centre = {"healthcare": "centre", "name": "和平桥街道社区卫生服务中心"}
    assert classify_osm_match(centre, table) == Classification(
        "health_station", "keyword", "社区卫生服务"
    )
    # a 社区卫生服务中心 mapped as a hospital is still found by its name
    hosp = {"amenity": "hospital", "name": "城东社区卫生服务中心"}
    assert classify_osm_match(hosp, table).key == "health_station"
    assert classify_osm_match({"healthcare": "pharmacy"}, table) == Classification(
        "pharmacy", "osm_tag", "healthcare=pharmacy"
    )


@pytest.mark.parametrize(
    "tags",
    [
        {"craft": "brewery", "name": "Brauhaus"},
        {"craft": "carpenter"},
        {"craft": "winery"},
        {"craft": "photographer"},
        {"shop": "mobile_phone"},  # a phone shop repairs only when it says so
        {"shop": "car_repair", "name": "汽车维修中心"},
    ],
)
def test_crafts_and_shops_that_are_no_repair_point(table, tags):
    assert classify_osm_tags(tags, table) is None


@pytest.mark.parametrize(
    ("tags", "on"),
    [
        ({"craft": "shoemaker"}, "craft=shoemaker"),
        ({"craft": "key_cutter"}, "craft=key_cutter"),
        ({"craft": "electronics_repair"}, "craft=electronics_repair"),
        ({"craft": "watchmaker"}, "craft=watchmaker"),
        ({"craft": "locksmith"}, "craft=locksmith"),
        ({"shop": "repair"}, "shop=repair"),
        ({"shop": "shoe_repair"}, "shop=shoe_repair"),
        ({"shop": "tailor"}, "shop=tailor"),
        ({"shop": "mobile_phone", "repair": "yes"}, "shop=mobile_phone + repair=yes"),
        ({"shop": "appliance", "repair": "yes"}, "shop=appliance + repair=yes"),
        (
            {"shop": "bicycle", "service:bicycle:repair": "yes"},
            "shop=bicycle + service:bicycle:repair=yes",
        ),
    ],
)
def test_repair_crafts_and_shops(table, tags, on):
    assert classify_osm_match(tags, table) == Classification("repair", "osm_tag", on)


def test_greengrocer_market_and_names_in_osm(table):
    assert classify_osm_match({"shop": "greengrocer"}, table) == Classification(
        "fresh_food_store", "osm_tag", "shop=greengrocer"
    )
    assert classify_osm_match({"amenity": "marketplace", "name": "城东农贸市场"}, table) == (
        Classification("vegetable_market", "osm_tag", "amenity=marketplace")
    )
    # a supermarket that is a 生鲜超市 by name
    assert classify_osm_match({"shop": "supermarket", "name": "永辉生鲜超市"}, table) == (
        Classification("fresh_food_store", "keyword", "生鲜")
    )
    # a restaurant named 川菜店 is no 菜店 (exclude_osm), and says why
    got = classify_osm_match({"amenity": "restaurant", "name": "川菜店"}, table)
    assert got.key is None and got.excluded == (
        "keyword 菜店 of fresh_food_store ruled out by 川菜"
    )
    eatery = classify_osm_match({"amenity": "restaurant", "name": "老王生鲜馆"}, table)
    assert eatery.key is None and eatery.excluded.endswith("ruled out by amenity=restaurant")
    # a multi-condition rule is recorded with all its tags
    senior = {"amenity": "social_facility", "social_facility:for": "senior"}
    assert classify_osm_match(senior, table) == Classification(
        "elderly_station", "osm_tag", "amenity=social_facility + social_facility:for=senior"
    )


# --- readers: provenance and attributes -------------------------------------------------

HEADERS = [
    "名称",
    "类别",
    "类型编码",
    "经度",
    "纬度",
    "功能",
    "是否综合性",
    "普惠护理型床位数",
    "托班托位数",
    "省级普惠性",
    "省级示范性",
]
ROWS = [
    # row 2 ... row 7 of the spreadsheet (header = row 1)
    [
        "青澜街道综合养老服务中心",
        "",
        "",
        120.880,
        32.000,
        "日间照料、助餐、康复护理",
        "是",
        "36",
        "",
        "",
        "",
    ],
    ["梧桐街道养老服务中心", "", "", 120.881, 32.001, "日间照料", "也许", "６", "", "", ""],
    ["澜南镇中心幼儿园", "", "141204", 120.882, 32.002, "", "", "", "40", "有", "N"],
    ["小星星托育中心", "", "", 120.883, 32.003, "", "否", "", "-3", "Y", "无"],
    ["新桥社区服务点", "养老服务站", "", 120.884, 32.004, "", "", "", "", "", ""],
    ["澜城康养养老服务有限公司", "", "170200", 120.885, 32.005, "", "", "", "", "", ""],
]


@pytest.fixture(scope="module")
def table_read(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("classification") / "centres.csv"
    pd.DataFrame(ROWS, columns=HEADERS).to_csv(path, index=False, encoding="utf-8-sig")
    return read_facilities(path, kind="table", working_crs=WORKING, crs="WGS84", categories=table)


def test_table_provenance(table_read):
    fac = table_read.facilities
    assert fac.index.tolist() == [f"centres-{r}" for r in range(2, 7)]
    assert fac["category"].tolist() == [
        "elderly_centre",
        "elderly_centre",
        "kindergarten",
        "infant_care",
        "elderly_station",
    ]
    assert fac["classified_by"].tolist() == [
        "keyword",
        "keyword",
        "amap_code",
        "keyword",
        "attribute",
    ]
    assert fac["classified_on"].tolist() == [
        "养老服务中心",
        "养老服务中心",
        "141204",
        "托育",
        "类别=养老服务站",
    ]
    assert list(fac.columns[:6]) == [
        "facility_id",
        "name",
        "category",
        "classified_by",
        "classified_on",
        "source",
    ]
    # the company is left out and the report says which word ruled it out
    rep = table_read.report.set_index("row")
    assert (
        rep.loc[7, "issue"] == "unclassified" and rep.loc[7, "name"] == "澜城康养养老服务有限公司"
    )
    assert "keyword 养老服务 of elderly_station ruled out by 公司" in rep.loc[7, "detail"]


def test_table_attributes(table_read):
    fac = table_read.facilities
    # 是 / 否; the bad 也许 is cleared
    assert fac["comprehensive"].tolist() == [True, pd.NA, pd.NA, False, pd.NA]
    assert str(fac["comprehensive"].dtype) == "boolean"
    assert fac.loc["centres-2", "function"] == "日间照料、助餐、康复护理"
    assert fac["function"].isna().tolist() == [False, False, True, True, True]
    # numbers: 36, a full-width ６ typed with a Chinese input method
    assert fac["inclusive_nursing_beds"].tolist()[:2] == [36.0, 6.0]
    assert str(fac["inclusive_nursing_beds"].dtype) == "float64"
    # 40 托班 places; -3 is refused
    assert fac.loc["centres-4", "nursery_class_places"] == 40.0
    assert np.isnan(fac.loc["centres-5", "nursery_class_places"])
    # 有/Y -> True, N/无 -> False
    assert (
        fac.loc["centres-4", "provincial_inclusive"]
        and fac.loc["centres-5", "provincial_inclusive"]
    )
    assert not fac.loc["centres-4", "provincial_demonstration"]
    assert not fac.loc["centres-5", "provincial_demonstration"]
    assert str(fac["provincial_demonstration"].dtype) == "boolean"
    # absent columns are NA
    assert fac["beds"].isna().all() and fac["inclusive"].isna().all()


def test_bad_attribute_values_are_reported_by_row_and_column(tmp_path, table, caplog):
    path = tmp_path / "centres.csv"
    pd.DataFrame(ROWS, columns=HEADERS).to_csv(path, index=False, encoding="utf-8-sig")
    with caplog.at_level(logging.WARNING, logger="facility_coverage"):
        got = read_facilities(
            path, kind="table", working_crs=WORKING, crs="WGS84", categories=table
        )
    cleared = got.report[got.report["action"] == "value_cleared"].set_index("row")
    assert cleared.index.tolist() == [3, 5]
    assert cleared.loc[3, "detail"].startswith("column '是否综合性': '也许' is not 是/否")
    assert cleared.loc[3, "name"] == "梧桐街道养老服务中心"
    assert cleared.loc[5, "detail"].startswith("column '托班托位数': '-3' is not a number ≥ 0")
    warned = [r.getMessage() for r in caplog.records if "cleared" in r.getMessage()]
    assert len(warned) == 1
    assert "centres.csv" in warned[0] and "row 3" in warned[0] and "是否综合性" in warned[0]


def test_other_headers_are_accepted(tmp_path, table):
    path = tmp_path / "list.csv"
    df = pd.DataFrame(
        {
            "名称": ["城东综合养老服务中心", "澜岸托育园"],
            "经度": [120.88, 120.881],
            "纬度": [32.0, 32.001],
            " 机构类型 ": ["综合性养老服务中心", ""],
            "具备综合功能": ["true", ""],
            "普惠性护理型床位": ["12", ""],
            "托班学位": ["", "20"],
            "是否省级普惠": ["", "1"],
            "是否省级示范": ["", "0"],
        }
    )
    df.to_csv(path, index=False, encoding="utf-8-sig")
    fac = read_facilities(
        path, kind="table", working_crs=WORKING, crs="WGS84", categories=table
    ).facilities
    assert fac["function"].iloc[0] == "综合性养老服务中心" and pd.isna(fac["function"].iloc[1])
    assert fac["comprehensive"].tolist() == [True, pd.NA]
    assert fac["inclusive_nursing_beds"].iloc[0] == 12.0
    assert fac["nursery_class_places"].iloc[1] == 20.0
    assert bool(fac["provincial_inclusive"].iloc[1]) and not fac["provincial_demonstration"].iloc[1]


def test_point_layer_provenance(tmp_path, table):
    path = tmp_path / "pois.geojson"
    gdf = gpd.GeoDataFrame(
        {"名称": ["配钥匙修鞋", "梧桐街道社区食堂"], "类别": [None, "community_canteen"]},
        geometry=[shapely.Point(120.88, 32.0), shapely.Point(120.881, 32.001)],
        crs="EPSG:4326",
    )
    gdf.to_file(path, driver="GeoJSON")
    fac = read_facilities(path, kind="layer", working_crs=WORKING, categories=table).facilities
    assert fac["category"].tolist() == ["repair", "community_canteen"]
    assert fac["classified_by"].tolist() == ["keyword", "attribute"]
    # both 修鞋 and 配钥匙 are in the name: the category's first keyword is recorded
    assert fac["classified_on"].tolist() == ["修鞋", "类别=community_canteen"]


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test_classification">
  <node id="1" lat="32.0000" lon="120.8900"><tag k="shop" v="greengrocer"/><tag k="name" v="老陈菜店"/></node>
  <node id="2" lat="32.0010" lon="120.8900"><tag k="amenity" v="hospital"/><tag k="healthcare" v="hospital"/><tag k="name" v="南通市第一人民医院"/></node>
  <node id="3" lat="32.0020" lon="120.8900"><tag k="amenity" v="dentist"/><tag k="healthcare" v="dentist"/></node>
  <node id="4" lat="32.0030" lon="120.8900"><tag k="amenity" v="clinic"/><tag k="healthcare" v="clinic"/><tag k="name" v="和平桥社区卫生服务站"/></node>
  <node id="5" lat="32.0040" lon="120.8900"><tag k="craft" v="brewery"/><tag k="name" v="精酿啤酒坊"/></node>
  <node id="6" lat="32.0050" lon="120.8900"><tag k="craft" v="key_cutter"/></node>
  <node id="7" lat="32.0060" lon="120.8900"><tag k="amenity" v="marketplace"/><tag k="name" v="城东农贸市场"/></node>
  <node id="8" lat="32.0070" lon="120.8900"><tag k="amenity" v="restaurant"/><tag k="name" v="川菜店"/></node>
  <node id="9" lat="32.0080" lon="120.8900"><tag k="office" v="company"/><tag k="name" v="澜城康养养老服务有限公司"/></node>
  <node id="10" lat="32.0090" lon="120.8900"><tag k="name" v="文峰社区老年助餐点"/></node>
  <node id="11" lat="32.0100" lon="120.8900"><tag k="healthcare" v="physiotherapist"/></node>
  <node id="101" lat="32.0000" lon="120.9000"/>
  <node id="102" lat="32.0000" lon="120.9010"/>
  <node id="103" lat="32.0010" lon="120.9010"/>
  <node id="104" lat="32.0010" lon="120.9000"/>
  <way id="50">
    <nd ref="101"/><nd ref="102"/><nd ref="103"/><nd ref="104"/><nd ref="101"/>
    <tag k="building" v="yes"/><tag k="craft" v="shoemaker"/><tag k="name" v="老李修鞋"/>
  </way>
</osm>
"""


def test_osm_file_categories_and_provenance(tmp_path, table):
    path = tmp_path / "pois.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    got = read_facilities(path, kind="osm", working_crs=WORKING, categories=table)
    fac = got.facilities
    # hospital, dentist, brewery, physiotherapist, restaurant and company are not facilities here
    expected = pd.DataFrame(
        [
            ("osm-n1", "fresh_food_store", "osm_tag", "shop=greengrocer"),
            ("osm-n4", "health_station", "osm_tag", "amenity=clinic"),
            ("osm-n6", "repair", "osm_tag", "craft=key_cutter"),
            ("osm-n7", "vegetable_market", "osm_tag", "amenity=marketplace"),
            ("osm-n10", "community_canteen", "keyword", "助餐"),
            ("osm-w50", "repair", "osm_tag", "craft=shoemaker"),
        ],
        columns=["facility_id", "category", "classified_by", "classified_on"],
    ).set_index("facility_id")
    assert sorted(fac.index) == sorted(expected.index)
    assert fac.loc[expected.index, expected.columns].to_dict("index") == expected.to_dict("index")
    assert (fac["source"] == "osm").all()
    # every attribute column is there, all NA
    assert fac["comprehensive"].isna().all() and fac["nursery_class_places"].isna().all()
    assert str(fac["comprehensive"].dtype) == "boolean"
    # the square way sits at its centre
    x, y = pyproj.Transformer.from_crs(4326, WORKING, always_xy=True).transform(120.9005, 32.0005)
    p = fac.loc["osm-w50"].geometry
    assert np.hypot(p.x - x, p.y - y) < 0.01
    # the two records a keyword matched but an exclusion ruled out are reported
    rep = got.report.set_index("id")
    assert sorted(rep.index) == ["osm-n8", "osm-n9"]
    assert "keyword 菜店 of fresh_food_store ruled out by 川菜" in rep.loc["osm-n8", "detail"]
    assert "keyword 养老服务 of elderly_station ruled out by 公司" in rep.loc["osm-n9", "detail"]
    assert set(rep["issue"]) == {"unclassified"}


def test_dedupe_fills_the_new_attributes(tmp_path, table):
    # the same centre in an Amap export (no attributes) and the bureau's list (attributes)
    amap = tmp_path / "amap.csv"
    pd.DataFrame(
        {
            "名称": ["青澜街道综合养老服务中心"],
            "类型编码": ["070000"],
            "经度": [120.88],
            "纬度": [32.0],
        }
    ).to_csv(amap, index=False, encoding="utf-8-sig")
    bureau = tmp_path / "bureau.csv"
    pd.DataFrame(
        {
            "名称": ["青澜街道综合养老服务中心"],
            "经度": [120.8801],  # about 9 m east
            "纬度": [32.0],
            "功能": ["日间照料、助餐"],
            "是否综合性": ["是"],
            "普惠护理型床位数": ["30"],
            "省级示范性": ["否"],
        }
    ).to_csv(bureau, index=False, encoding="utf-8-sig")
    kw = {"kind": "table", "working_crs": WORKING, "crs": "WGS84", "categories": table}
    frames = [read_facilities(p, **kw).facilities for p in (amap, bureau)]
    both = gpd.GeoDataFrame(pd.concat(frames), crs=frames[0].crs)
    merged, report = deduplicate_facilities(both)
    assert merged.index.tolist() == ["amap-2"] and report["dropped_id"].tolist() == ["bureau-2"]
    kept = merged.loc["amap-2"]
    assert kept["source"] == "amap" and kept["classified_by"] == "keyword"
    assert bool(kept["comprehensive"]) and kept["function"] == "日间照料、助餐"
    assert kept["inclusive_nursing_beds"] == 30.0 and not kept["provincial_demonstration"]


def test_sample_city_classification(table):
    """The sample export: the company and the ordinary POIs are left out, nothing else."""
    sample = Path(__file__).resolve().parent.parent / "data" / "sample" / "facilities_amap.csv"
    raw = pd.read_csv(sample, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    got = classify_amap_matches(
        raw.rename(columns={"名称": "name", "类型编码": "typecode", "类型": "type"}), table
    )
    names = raw["名称"]
    assert (got.loc[names.str.contains("生鲜|菜店"), "category"] == "fresh_food_store").all()
    assert (got.loc[names.str.contains("食堂|助餐点"), "category"] == "community_canteen").all()
    assert (
        got.loc[names.str.contains("电子商务服务点|益农信息社"), "category"] == "ecommerce_point"
    ).all()
    company = names == "澜城康养养老服务有限公司"
    assert got.loc[company, "category"].isna().all() and got.loc[company, "excluded"].notna().all()
    assert set(got["classified_by"].dropna()) == {"amap_code", "keyword"}
