"""The column headers the readers accept by default for units and the community table.

Each contract field maps to the headers planners use for it (matched after
``_validate.normalise_header``: case, spaces and unit suffixes such as (㎡)
do not matter). A study file's ``columns`` setting adds to these.
"""

from __future__ import annotations

from typing import Final

_STREET_ID: Final = (
    "街道代码",
    "街道编码",
    "街道编号",
    "镇街代码",
    "乡镇代码",
    "乡镇编码",
    "乡镇街道代码",
    "jddm",
    "street_code",
    "streetid",
    "township_code",
)
_STREET_NAME: Final = (
    "街道名称",
    "街道",
    "街道名",
    "镇街名称",
    "镇街",
    "乡镇名称",
    "乡镇",
    "乡镇街道名称",
    "jdmc",
    "street",
    "township",
)
_DISTRICT: Final = (
    "区县",
    "区县名称",
    "所属区县",
    "县（市、区）",
    "县(市、区)",
    "县市区",
    "区",
    "区名",
    "qxmc",
    "county",
    "district_name",
)

STREET_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "street_id": (*_STREET_ID, "code", "id"),
    "street_name": (*_STREET_NAME, "name"),
    "district": _DISTRICT,
    "street_type": ("街道类型", "乡镇类型", "镇街类型", "类型"),
}
VILLAGE_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "village_id": ("村代码", "行政村代码", "村编码", "行政村编码", "村编号", "cdm", "village_code"),
    "village_name": ("村名称", "行政村", "行政村名称", "村名", "村", "cmc", "village", "name"),
    "street_id": _STREET_ID,
    "street_name": _STREET_NAME,
    "district": _DISTRICT,
    "lon": ("经度", "lon", "lng", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
}
CIRCLE_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "circle_id": ("生活圈编号", "生活圈代码", "编号", "code", "id"),
    "circle_name": ("生活圈名称", "生活圈", "名称", "name"),
    "status": ("建设状态", "状态", "status"),
}
INDICATOR_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "indicator_id": ("编号", "指标编号", "序号", "id"),
    "name_zh": ("指标", "指标名称", "名称", "name"),
    "target": ("目标值", "目标", "target_value"),
    "actual": ("实际值", "实际", "完成值", "现状值", "actual_value"),
    "comparison": ("比较", "比较方式", "比较符", "comparison"),
    "unit": ("单位", "计量单位"),
    "source": ("来源", "任务", "出处"),
    "responsible": ("责任单位", "牵头单位", "负责单位"),
    "note": ("备注", "说明", "notes"),
}
COMMUNITY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "community_id": (
        "社区代码",
        "社区编码",
        "社区编号",
        "村社区代码",
        "sqdm",
        "community_code",
        "communityid",
        "code",
        "id",
    ),
    "community_name": ("社区名称", "社区", "社区名", "村社区名称", "sqmc", "community", "name"),
    "street_id": _STREET_ID,
    "street_name": _STREET_NAME,
    "district": _DISTRICT,
}
COMMUNITY_TABLE_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "community_id": COMMUNITY_ALIASES["community_id"],
    "community_name": COMMUNITY_ALIASES["community_name"],
    "street_id": _STREET_ID,
    "street_name": _STREET_NAME,
    "district": _DISTRICT,
    "households": ("户数", "总户数", "住户数", "households"),
    "residents": ("常住人口", "常住人口数", "人口", "人口数", "residents", "population"),
    "aged_60_plus": (
        "60岁以上人口",
        "60岁及以上人口",
        "60周岁以上人口",
        "60周岁及以上人口",
        "老年人口",
        "aged_60_plus",
    ),
    "aged_0_3": (
        "0-3岁人口",
        "0～3岁人口",
        "0~3岁人口",
        "0-3岁婴幼儿",
        "0-3岁婴幼儿人口",
        "aged_0_3",
    ),
    "status": ("小区类型", "小区状态", "建设类型", "类型", "status"),
    "total_floor_area_m2": ("总建筑面积", "建筑面积", "total_floor_area"),
    "commerce_floor_area_m2": (
        "商业及综合服务建筑面积",
        "商业及综合服务设施建筑面积",
        "商业服务建筑面积",
        "commerce_floor_area",
    ),
    "elderly_care_floor_area_m2": (
        "养老服务设施建筑面积",
        "养老服务建筑面积",
        "养老设施建筑面积",
        "elderly_care_floor_area",
    ),
    "childcare_floor_area_m2": (
        "托育服务设施建筑面积",
        "托育服务建筑面积",
        "托育设施建筑面积",
        "childcare_floor_area",
    ),
}
