"""The facility taxonomy: shipped table, classification rules, validation of user tables."""

from __future__ import annotations

import dataclasses
import tomllib
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from facility_coverage import ConfigError
from facility_coverage.categories import (
    GROUPS,
    classify_amap,
    classify_amap_frame,
    classify_osm_tags,
    load_categories,
    normalise_typecode,
    osm_tag_keys,
)

EXPECTED_KEYS = {
    "convenience_store",
    "supermarket",
    "vegetable_market",
    "breakfast",
    "pharmacy",
    "barber",
    "laundry",
    "express_post",
    "housekeeping",
    "repair",
    "photo_print",
    "health_station",
    "kindergarten",
    "infant_care",
    "elderly_centre",
    "elderly_station",
    "nursing_home",
    "elderly_education",
    "fitness",
    "ecommerce_point",
    "fresh_food_store",
    "community_canteen",
    "rural_ecommerce_centre",
    "consumption_cluster",
}


@pytest.fixture(scope="module")
def table():
    return load_categories()


@pytest.fixture(scope="module")
def shipped_text() -> str:
    return resources.files("facility_coverage").joinpath("categories.toml").read_text("utf-8")


def test_shipped_table(table):
    assert set(table.keys) == EXPECTED_KEYS
    assert len(table) == 24
    prios = [c.priority for c in table]
    assert prios == sorted(prios)
    assert len(set(prios)) == len(prios)
    assert all(c.group in GROUPS for c in table)
    assert table["convenience_store"].name_zh == "便利店"
    assert table["elderly_centre"].name_zh == "社区综合性养老服务中心"
    # MOFCOM basic-guarantee types present in the taxonomy are in the basic group
    assert {"convenience_store", "supermarket", "vegetable_market", "breakfast", "pharmacy"} <= set(
        table.in_group("basic")
    )
    assert table.in_group("elderly") == (
        "elderly_education",
        "elderly_centre",
        "nursing_home",
        "community_canteen",
        "elderly_station",
    )
    assert table.in_group("rural") == (
        "consumption_cluster",
        "rural_ecommerce_centre",
        "ecommerce_point",
    )
    # issue 12's names (SPEC "New facility categories")
    assert table["fresh_food_store"].name_zh == "生鲜超市（菜店）"
    assert table["community_canteen"].name_zh == "社区食堂（助餐点）"
    assert table["ecommerce_point"].name_zh == "村电子商务服务点"
    assert table["rural_ecommerce_centre"].name_zh == "农村电子商务综合服务中心"
    assert table["consumption_cluster"].name_zh == "县域消费集聚区"
    assert "fresh_food_store" in table.in_group("basic")
    # every category says where it comes from
    assert all(c.source for c in table)
    with pytest.raises(KeyError, match="no_such"):
        table["no_such"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.source = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "typecode", "type_text", "expected"),
    [
        ("全家便利店", "060200", None, "convenience_store"),
        ("苏果超市", "060400", None, "supermarket"),
        ("城东农贸市场", "060705", None, "vegetable_market"),
        ("某综合市场", "060700", None, "vegetable_market"),
        ("老王包子铺", "050301", "餐饮服务;快餐厅", "breakfast"),
        ("早点摊", 50000, None, "breakfast"),  # typecode lost its leading zero
        ("兰州拉面", "050301", None, None),  # 05 food without a breakfast word
        ("早餐铺", None, None, None),  # 'all': a breakfast word without a food code
        ("益丰大药房", "090601", None, "pharmacy"),
        ("剪艺美发", "071100", None, "barber"),
        ("干净洗衣", "071500", None, "laundry"),
        ("中国邮政", "070400", None, "express_post"),
        ("顺丰速运", "070500|070400", None, "express_post"),
        ("好帮手家政", None, None, "housekeeping"),
        ("小李家电维修", None, None, "repair"),
        ("快印图文", None, None, "photo_print"),
        ("和平桥社区卫生服务站", "090300", None, "health_station"),
        ("实验幼儿园", "141204", None, "kindergarten"),
        ("小星星托育中心", None, None, "infant_care"),
        ("和平桥街道社区养老服务中心", None, None, "elderly_centre"),
        ("城东综合养老服务中心", None, None, "elderly_centre"),
        ("文峰社区养老服务站", None, None, "elderly_station"),
        ("虹桥日间照料中心", None, None, "elderly_station"),
        ("福寿敬老院", None, None, "nursing_home"),
        ("南通老年大学", None, None, "elderly_education"),
        ("阳光健身房", None, None, "fitness"),
        ("石港村电商服务站", None, None, "ecommerce_point"),
        ("星巴克", "050500", "餐饮服务;咖啡厅", None),
        ("家政服务公司", None, "生活服务;家政服务;家政服务", "housekeeping"),
        ("某公司", None, "生活服务;家政服务", "housekeeping"),  # keyword in the type text
        (None, None, None, None),
    ],
)
def test_classify_amap(table, name, typecode, type_text, expected):
    assert classify_amap(name, typecode, type_text, table) == expected


def test_priority_specific_before_generic(table):
    # 养老服务中心 contains 养老服务 (an elderly_station keyword): the centre wins on priority
    assert table["elderly_station"].matches_keyword("社区养老服务中心")
    assert classify_amap("社区养老服务中心", None, None, table) == "elderly_centre"
    # a pharmacy inside a health station name still has the pharmacy code and a lower priority
    assert classify_amap("社区卫生服务站药房", "090601", None, table) == "pharmacy"
    # a convenience store code wins over a breakfast word (convenience has a lower priority)
    assert classify_amap("早餐便利店", "060200", None, table) == "convenience_store"


def test_classify_frame_equals_scalar(table):
    rows = [
        ("全家便利店", "060200", None),
        ("老王包子铺", 50301, "餐饮服务"),
        ("兰州拉面", "050301", None),
        ("社区养老服务中心", None, ""),
        ("好帮手家政", float("nan"), None),
        (None, "141204", None),
        ("顺丰", "070500|070400", None),
        ("不知道", "999999", None),
    ]
    df = pd.DataFrame(rows, columns=["name", "typecode", "type"])
    got = classify_amap_frame(df, table).tolist()
    expected = [classify_amap(*r, table) for r in rows]
    assert got == expected
    assert got == [
        "convenience_store",
        "breakfast",
        None,
        "elderly_centre",
        "housekeeping",
        "kindergarten",
        "express_post",
        None,
    ]


def test_classify_frame_missing_columns(table):
    df = pd.DataFrame({"name": ["全家便利店", "幼儿园"]})
    assert classify_amap_frame(df, table).tolist() == ["convenience_store", "kindergarten"]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"shop": "convenience"}, "convenience_store"),
        ({"shop": "supermarket", "name": "Lidl"}, "supermarket"),
        ({"amenity": "marketplace"}, "vegetable_market"),
        ({"shop": "greengrocer"}, "fresh_food_store"),  # a 菜店, not a market
        ({"amenity": "pharmacy", "healthcare": "pharmacy"}, "pharmacy"),
        ({"amenity": "clinic"}, "health_station"),
        ({"healthcare": "physiotherapist"}, None),  # not a community health station
        ({"amenity": "kindergarten"}, "kindergarten"),
        ({"amenity": "childcare"}, "infant_care"),
        ({"amenity": "social_facility", "social_facility:for": "senior"}, "elderly_station"),
        ({"amenity": "social_facility", "social_facility:for": "homeless"}, None),
        ({"amenity": "social_facility"}, None),
        ({"amenity": "nursing_home"}, "nursing_home"),
        (
            {
                "amenity": "social_facility",
                "social_facility": "nursing_home",
                "social_facility:for": "senior",
            },
            "nursing_home",
        ),
        ({"amenity": "fast_food", "name": "Breakfast Club"}, "breakfast"),
        ({"amenity": "fast_food", "name": "永和豆浆早餐"}, "breakfast"),
        ({"amenity": "fast_food", "name": "McDonald's"}, None),
        ({"shop": "hairdresser"}, "barber"),
        ({"shop": "dry_cleaning"}, "laundry"),
        ({"amenity": "parcel_locker"}, "express_post"),
        ({"shop": "copyshop"}, "photo_print"),
        ({"craft": "shoemaker"}, "repair"),
        ({"leisure": "fitness_station"}, "fitness"),
        # name keyword on a POI without a known tag
        ({"office": "company", "name": "好帮手家政"}, "housekeeping"),
        ({"name:zh": "城东社区养老服务中心", "building": "yes"}, "elderly_centre"),
        # a road is never classified by its name
        ({"highway": "footway", "name": "健身步道"}, None),
        ({"amenity": "bench"}, None),
        ({}, None),
    ],
)
def test_classify_osm_tags(table, tags, expected):
    assert classify_osm_tags(tags, table) == expected


def test_osm_tag_keys(table):
    keys = osm_tag_keys(table)
    assert {"shop", "amenity", "healthcare", "leisure", "craft", "social_facility:for"} <= keys


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (60200, "060200"),
        (60200.0, "060200"),
        ("60200", "060200"),
        ("060200", "060200"),
        ("70500|70400", "070500|070400"),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_normalise_typecode(value, expected):
    assert normalise_typecode(value) == expected


def test_resolve(table):
    assert table.resolve("convenience_store") == "convenience_store"
    assert table.resolve("便利店") == "convenience_store"
    assert table.resolve("Pharmacy") == "pharmacy"
    assert table.resolve("养老服务站") == "elderly_station"
    assert table.resolve("不存在") is None
    assert table.resolve("  ") is None


# --- user tables ------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "categories.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_user_copy_round_trips(tmp_path, shipped_text, table):
    user = load_categories(_write(tmp_path, shipped_text))
    assert user.keys == table.keys
    assert user.categories == table.categories


def test_user_edit_changes_classification(tmp_path, shipped_text):
    edited = shipped_text.replace('keywords = ["健身"]', 'keywords = ["健身", "瑜伽"]')
    user = load_categories(_write(tmp_path, edited))
    assert classify_amap("静心瑜伽馆", None, None, user) == "fitness"
    assert classify_amap("静心瑜伽馆", None, None, load_categories()) is None


ENTRY = """
[[category]]
key = "kiosk"
name_zh = "报刊亭"
name_en = "Kiosk"
group = "basic"
priority = 5
osm = [[["shop", "kiosk"]]]
"""


@pytest.mark.parametrize(
    ("replace", "by", "match"),
    [
        ("priority = 5", 'priority = 5\ncolour = "red"', r"\('kiosk'\), field 'colour'"),
        ('group = "basic"', 'group = "shops"', r"field 'group'.*'shops'"),
        ("priority = 5", 'priority = "high"', r"field 'priority'"),
        ('osm = [[["shop", "kiosk"]]]', 'osm = [["shop", "kiosk"]]', r"field 'osm'.*rule #1"),
        ('key = "kiosk"', 'key = "Kiosk Shop"', r"field 'key'"),
        ('name_en = "Kiosk"\n', "", r"field 'name_en': missing"),
        (
            'osm = [[["shop", "kiosk"]]]',
            'osm = []\namap_typecodes = ["60200"]\nmatch = "every"',
            r"field 'match'",
        ),
        ('osm = [[["shop", "kiosk"]]]', "amap_typecodes = [60200]", r"field 'amap_typecodes'"),
        ('osm = [[["shop", "kiosk"]]]', 'amap_typecodes = ["6x"]', r"'6x' is not a type-code"),
        ('osm = [[["shop", "kiosk"]]]', "osm = []", r"no osm rule"),
        (
            'osm = [[["shop", "kiosk"]]]',
            'osm = [[["shop", "kiosk"]]]\nexclude_amap_typecodes = ["17x"]',
            r"field 'exclude_amap_typecodes': '17x' is not a type-code",
        ),
        (
            'osm = [[["shop", "kiosk"]]]',
            'osm = [[["shop", "kiosk"]]]\nexclude_osm = [["amenity", "cafe"]]',
            r"field 'exclude_osm'.*rule #1",
        ),
        (
            'osm = [[["shop", "kiosk"]]]',
            'osm = [[["shop", "kiosk"]]]\nexclude_keywords = "公司"',
            r"field 'exclude_keywords': expected a list",
        ),
    ],
)
def test_malformed_entries(tmp_path, replace, by, match):
    text = ENTRY.replace(replace, by)
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as info:
        load_categories(path)
    assert str(path) in str(info.value)


def test_duplicates_and_top_level(tmp_path):
    with pytest.raises(ConfigError, match=r"field 'key': duplicate"):
        load_categories(_write(tmp_path, ENTRY + ENTRY.replace("priority = 5", "priority = 6")))
    with pytest.raises(ConfigError, match=r"field 'priority': 5 is already used by 'kiosk'"):
        load_categories(_write(tmp_path, ENTRY + ENTRY.replace('key = "kiosk"', 'key = "kiosk2"')))
    with pytest.raises(ConfigError, match="unknown top-level"):
        load_categories(_write(tmp_path, "version = 2\n" + ENTRY))
    with pytest.raises(ConfigError, match="no \\[\\[category\\]\\]"):
        load_categories(_write(tmp_path, "# empty\n"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_categories(_write(tmp_path, "[[category]\n"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_categories(tmp_path / "nope.toml")


def test_small_user_table(tmp_path):
    user = load_categories(_write(tmp_path, ENTRY))
    assert user.keys == ("kiosk",)
    assert classify_osm_tags({"shop": "kiosk"}, user) == "kiosk"
    assert tomllib.loads(ENTRY)["category"][0]["key"] == "kiosk"
