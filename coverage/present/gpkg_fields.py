"""字段说明: the Chinese alias, unit and meaning of every field results.gpkg holds.

Two places carry them. The ``fields`` table (an attribute-only GeoPackage
layer, one row per layer and field) opens in any GIS or spreadsheet. The
GeoPackage Schema extension's ``gpkg_data_columns`` table (``name`` the alias,
``title`` the alias, ``description`` the meaning and unit) is what GDAL reads
as each field's alternative name and comment, and QGIS shows as its alias.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis import StudyResult

#: Name of the attribute table listing every field.
FIELDS_LAYER = "fields"
#: Its columns, with their own aliases.
FIELDS_COLUMNS = {
    "layer": ("图层", "", "GeoPackage 图层名 the layer"),
    "field": ("字段", "", "图层中的字段名 the field name in that layer"),
    "alias_zh": (
        "中文名",
        "",
        "字段中文名（QGIS 中的别名）the field's Chinese name, its alias in QGIS",
    ),
    "unit": ("单位", "", "数值的单位，代码和文字为空 unit of the values; empty for codes and text"),
    "description": ("说明", "", "字段含义 what the field holds"),
}

_PEOPLE = "人"
#: Fields with a fixed meaning: alias, unit, description.
_KNOWN: dict[str, tuple[str, str, str]] = {
    "community_id": ("社区代码", "", "社区 code"),
    "community_name": ("社区名称", "", "社区 name"),
    "street_id": ("街道代码", "", "街道/乡镇 code"),
    "street_name": ("街道名称", "", "街道/乡镇 name"),
    "street_type": ("街道类型", "", "街道, 镇, 乡, 园区 or 其他"),
    "district": ("县（市、区）", "", "district (区县)"),
    "city": ("全市", "", "the whole study area"),
    "data_note": ("数据说明", "", "示例数据 SAMPLE: made from synthetic data"),
    "population": ("居民人数", _PEOPLE, "该居民点代表的居民 residents this point stands for"),
    "aged_60_plus": ("60岁及以上人数", _PEOPLE, "其中60岁及以上 residents aged 60+"),
    "aged_0_3": ("0-3岁婴幼儿人数", _PEOPLE, "其中0-3岁婴幼儿 infants aged 0-3"),
    "placement": (
        "居民点布设方式",
        "",
        "布设方式 how the point was placed: building, grid, street or interior",
    ),
    "facility_id": ("设施编号", "", "facility id"),
    "name": ("设施名称", "", "facility name"),
    "category": ("设施类别", "", "category key (categories.toml)"),
    "classified_by": ("分类依据", "", "attribute, amap_code, osm_tag or keyword"),
    "classified_on": ("分类匹配内容", "", "the code, tag or word that matched"),
    "source": ("数据来源", "", "amap, osm, table, ..."),
    "typecode": ("高德分类编码", "", "Amap type code"),
    "floor_area_m2": ("建筑面积", "m²", "floor area"),
    "beds": ("床位数", "张", "beds"),
    "nursing_beds": ("护理型床位数", "张", "nursing beds"),
    "childcare_places": ("托位数", "个", "childcare places"),
    "inclusive_nursing_beds": ("普惠性护理型床位数", "张", "inclusive nursing beds"),
    "nursery_class_places": ("托班托位数", "个", "nursery class places"),
    "inclusive": ("是否普惠", "", "inclusive (普惠性)"),
    "demonstration": ("是否示范", "", "demonstration site (示范)"),
    "comprehensive": ("是否综合性", "", "comprehensive centre (综合性)"),
    "provincial_inclusive": ("是否省级普惠", "", "provincial inclusive"),
    "provincial_demonstration": ("是否省级示范", "", "provincial demonstration"),
    "function": ("功能", "", "function as listed"),
}
#: Each rule's columns in the unit layers (``R1_pass``, ...): alias and description.
_RULE_PARTS = {
    "pass": ("是否达标", "1 达标, 0 未达标, 空 未评估 / 1 pass, 0 fail, empty not evaluated"),
    "value": ("现状值", "本单位的现状值 the unit's value"),
    "target": ("目标值", "目标 the target"),
    "shortfall": ("缺口", "距目标的缺口 how far the value falls short of the target"),
    "reason": ("原因", "未达标的原因 why the unit fails, in words"),
}
#: Per-category columns of the residents layer: alias (with the category's name) and unit.
_CATEGORY_PARTS = {
    "dist_m": (
        "到{name}步行距离",
        "米",
        "经步行路网到最近{name}的距离，空值=步行范围内没有 / walk on the network to the "
        "nearest {name}; empty: none in reach",
    ),
    "walk_min": ("到{name}步行时间", "分钟", "按研究步速的步行时间 that walk at the study's speed"),
    "nearest": ("最近{name}编号", "", "最近{name}的设施编号 facility_id of the nearest {name}"),
}
_RULE_COLUMN = re.compile(r"(?P<rule>.+)_(?P<part>pass|value|target|shortfall|reason)$")
_CATEGORY_COLUMN = re.compile(r"(?P<part>dist_m|walk_min|nearest)__(?P<category>.+)$")
#: The level of each unit layer's rule columns.
_LAYER_LEVELS = {
    "communities": "community",
    "streets": "street",
    "districts": "district",
    "city": "city",
}


#: Each rule's first row per (rule_id, level): its name and units.
_Firsts = dict[tuple[str, str], dict[str, Any]]


def _rule_field(
    firsts: _Firsts, layer: str, rule_id: str, part: str
) -> tuple[str, str, str] | None:
    first = firsts.get((rule_id, _LAYER_LEVELS.get(layer, "")))
    if first is None:
        return None
    alias, meaning = _RULE_PARTS[part]
    units = {"value": "value_unit", "target": "value_unit", "shortfall": "shortfall_unit"}
    unit = first[units[part]] if part in units else ""
    unit = "" if pd.isna(unit) else str(unit)
    return f"{rule_id} {alias}", unit, f"{rule_id} {first['rule_name_zh']}：{meaning}"


def _describe(result: StudyResult, firsts: _Firsts, layer: str, field: str) -> tuple[str, str, str]:
    if field in _KNOWN:
        return _KNOWN[field]
    found = _CATEGORY_COLUMN.match(field)
    if found is not None:
        key = found["category"]
        name = result.categories[key].name_zh if key in result.categories else key
        alias, unit, meaning = _CATEGORY_PARTS[found["part"]]
        return alias.format(name=name), unit, meaning.format(name=name)
    found = _RULE_COLUMN.match(field)
    if found is not None:
        described = _rule_field(firsts, layer, found["rule"], found["part"])
        if described is not None:
            return described
    return field, "", "原始数据字段 a field of the input data, as read"


def field_table(result: StudyResult, layers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """字段说明: one row per layer and field (geometry aside), the ``fields`` table included.

    Returns
    -------
    pandas.DataFrame
        ``layer``, ``field``, ``alias_zh``, ``unit``, ``description``; an alias is
        unique within its layer (an input field without a known meaning keeps
        its own name).
    """
    firsts: _Firsts = {
        (str(row["rule_id"]), str(row["level"])): {str(k): v for k, v in row.items()}
        for row in result.rule_results.drop_duplicates(["rule_id", "level"]).to_dict("records")
    }
    rows = []
    for layer, frame in layers.items():
        geometry = frame.geometry.name if hasattr(frame, "geometry") else None
        seen: set[str] = set()
        for field in frame.columns:
            if field == geometry:
                continue
            alias, unit, description = _describe(result, firsts, layer, str(field))
            if alias in seen:
                alias = f"{alias}（{field}）"
            seen.add(alias)
            rows.append((layer, str(field), alias, unit, description))
    rows += [(FIELDS_LAYER, f, *about) for f, about in FIELDS_COLUMNS.items()]
    return pd.DataFrame(rows, columns=list(FIELDS_COLUMNS))


_SCHEMA_EXTENSION = "http://www.geopackage.org/spec/#extension_schema"
_DDL = """
CREATE TABLE IF NOT EXISTS gpkg_extensions (
    table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
    definition TEXT NOT NULL, scope TEXT NOT NULL,
    CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE IF NOT EXISTS gpkg_data_columns (
    table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
    description TEXT, mime_type TEXT, constraint_name TEXT,
    CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
    CONSTRAINT gdc_tn UNIQUE (table_name, name));
CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
    constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT,
    min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN,
    description TEXT,
    CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
"""


def write_data_columns(path: Path, fields: pd.DataFrame) -> None:
    """Record ``fields`` in the GeoPackage's ``gpkg_data_columns`` (Schema extension).

    ``name`` and ``title`` are the Chinese alias, ``description`` the meaning
    with its unit; the extension is registered in ``gpkg_extensions``.
    """
    records = []
    for layer, field, alias, unit, description in fields[list(FIELDS_COLUMNS)].to_numpy():
        text = f"{description}（单位 unit: {unit}）" if unit else str(description)
        records.append((str(layer), str(field), str(alias), str(alias), text))
    with sqlite3.connect(path) as db:
        db.executescript(_DDL)
        db.executemany(
            "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema', ?, "
            "'read-write')",
            [(t, _SCHEMA_EXTENSION) for t in ("gpkg_data_columns", "gpkg_data_column_constraints")],
        )
        db.executemany(
            "INSERT OR REPLACE INTO gpkg_data_columns "
            "(table_name, column_name, name, title, description) VALUES (?, ?, ?, ?, ?)",
            records,
        )
    db.close()
