"""Facilities of the rural fringe and the new kinds of centre in the city, at fixed places.

The village rows plant R10's gap (4 of 6 行政村 served, 66.7% < 70%: 双桥村's
point serves 芦荡村 from 250 m outside it; 新河村's misses 兴隆村 by 200 m) and
R6's (芦荡村 has no elderly station within 1,000 m, 兴隆村 no education point).
The city gets what R2 must tell apart: in 梧桐街道 a 居家养老服务中心 (no
attribute; its name excludes it) and a centre marked 是否综合性 = 否, so the
street still has no comprehensive centre; a county consumption cluster; two
canteens (社区食堂, 老年助餐点) and a company whose name says 养老服务 but is no
facility, placed in 社区 with a station inside. Counted as stations (the old
keywords do) they also bring a 社区 next door within reach for R6a
(ground_truth: ``R6.R6a_if_canteens_and_company_counted_as_stations``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from shapely.geometry import Point

from .boundaries import Community
from .facilities import _base_row
from .frontage import Frontage
from .layout import DISTRICT_NAME

GENERIC = ("生活服务;生活服务场所;生活服务场所", "070000")

# (key or None, name, (type text, code), x, y, road, attributes); local metres
TOWN_SITES: list[tuple[str | None, str, tuple[str, str], float, float, str, dict[str, str]]] = [
    (
        "convenience_store",
        "澜客便利店(澜南大街店)",
        ("购物服务;便民商店/便利店;便民商店/便利店", "060200"),
        2012.0,
        -150.0,
        "澜南大街",
        {},
    ),
    (
        "convenience_store",
        "邻家便利店(南市巷店)",
        ("购物服务;便民商店/便利店;便民商店/便利店", "060200"),
        1900.0,
        -612.0,
        "南市巷",
        {},
    ),
    (
        "vegetable_market",
        "澜南农贸市场",
        ("购物服务;综合市场;农副产品市场", "060703"),
        2100.0,
        -588.0,
        "南市巷",
        {"建筑面积(㎡)": "1200"},
    ),
    (
        "supermarket",
        "润家生活超市(澜南店)",
        ("购物服务;超级市场;超市", "060400"),
        2012.0,
        -420.0,
        "澜南大街",
        {},
    ),
    (
        "pharmacy",
        "济生堂药房(澜南店)",
        ("医疗保健服务;医药保健销售店;药房", "090601"),
        1812.0,
        -450.0,
        "仓前街",
        {},
    ),
    (
        "breakfast",
        "老顾包子铺",
        ("餐饮服务;快餐厅;快餐厅", "050300"),
        1988.0,
        -250.0,
        "澜南大街",
        {},
    ),
    (
        "barber",
        "青丝美发店(新街店)",
        ("生活服务;美容美发店;美容美发店", "071100"),
        2212.0,
        -450.0,
        "新街",
        {},
    ),
    (
        "express_post",
        "示例区邮政所(澜南大街)",
        ("生活服务;邮局;邮政速递", "070400"),
        1988.0,
        -80.0,
        "澜南大街",
        {},
    ),
    (
        "fresh_food_store",
        "澜南平价菜店",
        ("购物服务;购物相关场所;购物相关场所", "060000"),
        2188.0,
        -450.0,
        "新街",
        {},
    ),
    (
        "health_station",
        "澜南镇社区卫生服务中心",
        ("医疗保健服务;综合医院;卫生院", "090102"),
        1888.0,
        -288.0,
        "文昌巷",
        {},
    ),
    (
        "kindergarten",
        "澜南镇中心幼儿园",
        ("科教文化服务;学校;幼儿园", "141204"),
        2300.0,
        -12.0,
        "南澜路",
        {"是否普惠": "是", "托班托位数": "40", "学位数": "360"},
    ),
    (
        "infant_care",
        "澜南社区托育园",
        GENERIC,
        1712.0,
        -588.0,
        "南市巷",
        {
            "托位数": "30",
            "建筑面积(㎡)": "300",
            "是否普惠": "是",
            "是否示范": "否",
            "省级普惠性": "是",
            "省级示范性": "否",
        },
    ),
    (
        "elderly_centre",
        "澜南镇区域性养老服务中心",
        GENERIC,
        1988.0,
        -700.0,
        "澜南大街",
        {
            "功能": "区域性养老服务中心：失能照护、日间照料、助餐、居家上门服务",
            "建筑面积(㎡)": "2400",
            "床位数": "60",
            "护理型床位数": "42",
            "普惠护理型床位数": "36",
        },
    ),
    (
        "elderly_education",
        "澜南镇老年学校",
        ("科教文化服务;学校;成人教育", "141205"),
        2188.0,
        -312.0,
        "新街",
        {},
    ),
    (
        "rural_ecommerce_centre",
        f"{DISTRICT_NAME}农村电子商务综合服务中心",
        GENERIC,
        1812.0,
        -150.0,
        "仓前街",
        {"建筑面积(㎡)": "800"},
    ),
]
VILLAGE_SITES: list[tuple[str | None, str, tuple[str, str], float, float, str, dict[str, str]]] = [
    ("ecommerce_point", "丰乐村电子商务服务点", GENERIC, 862.0, -1300.0, "丰乐村道", {}),
    ("ecommerce_point", "丰乐村益农信息社", GENERIC, 300.0, -988.0, "北圩路", {}),
    ("ecommerce_point", "双桥村电子商务服务点", GENERIC, 1350.0, -2988.0, "南圩路", {}),
    ("ecommerce_point", "新河村电子商务服务点", GENERIC, 3312.0, -1300.0, "新河村道", {}),
    (
        "elderly_station",
        "双桥村养老服务站",
        GENERIC,
        312.0,
        -2988.0,
        "南圩路",
        {"建筑面积(㎡)": "260"},
    ),
    (
        "elderly_station",
        "兴隆村养老服务站",
        GENERIC,
        3612.0,
        -2988.0,
        "南圩路",
        {"建筑面积(㎡)": "240"},
    ),
    (
        "elderly_education",
        "双桥村老年学堂",
        ("科教文化服务;学校;成人教育", "141205"),
        862.0,
        -2600.0,
        "丰乐村道",
        {},
    ),
]
# In the city: (community name, key or None, name, (type, code), attributes)
CITY_SITES: list[tuple[str, str | None, str, tuple[str, str], dict[str, str]]] = [
    (
        "新桥社区",
        "elderly_centre",
        "梧桐街道新桥社区居家养老服务中心",
        GENERIC,
        {"功能": "居家上门服务、助餐", "建筑面积(㎡)": "380"},
    ),
    (
        "翠竹社区",
        "elderly_centre",
        "梧桐街道养老服务中心",
        GENERIC,
        {
            "功能": "日间照料、助餐",
            "是否综合性": "否",
            "建筑面积(㎡)": "900",
            "床位数": "20",
            "护理型床位数": "8",
            "普惠护理型床位数": "6",
        },
    ),
]
CLUSTER = (
    "consumption_cluster",
    f"{DISTRICT_NAME}县域消费集聚区(桐荫商业中心)",
    ("购物服务;商场;购物中心", "060100"),
    1712.0,
    1512.0,
    "桐荫大道",
)
CANTEENS = ["{c}食堂", "{c}老年助餐点"]
COMPANY = ("澜城康养养老服务有限公司", ("公司企业;公司;公司", "170200"))


def _row(
    rng: np.random.Generator,
    site: tuple[str | None, str, tuple[str, str], float, float, str, dict[str, str]],
    community: int | None,
) -> dict[str, Any]:
    key, name, (typ, code), x, y, road, attrs = site
    row = _base_row(rng, key, name, typ, code, -1 if community is None else community, x, y, road)
    row.update(attrs)
    return row


def rural_and_new_rows(
    rng: np.random.Generator,
    communities: list[Community],
    frontage: Frontage,
    seat: int,
    with_station: list[int],
) -> list[dict[str, Any]]:
    """Rows of the 镇区 and villages, the 梧桐 centres, the cluster, canteens and the company.

    `seat` is the 镇区 社区's index; `with_station` the 社区 with an elderly station
    inside (canteens and the company go there).
    Village rows have community -1 (they stand in no 社区).
    """
    rows = [_row(rng, s, seat) for s in TOWN_SITES]
    rows += [_row(rng, s, None) for s in VILLAGE_SITES]
    index = {c.name: i for i, c in enumerate(communities)}
    for cname, key, name, (typ, code), attrs in CITY_SITES:
        ci = index[cname]
        x, y, road = frontage.point(ci)
        row = _base_row(rng, key, name, typ, code, ci, x, y, road)
        row.update(attrs)
        rows.append(row)
    key, name, (typ, code), x, y, road = CLUSTER
    ci = next(i for i, c in enumerate(communities) if c.geom.contains(Point(x, y)))
    rows.append(_base_row(rng, key, name, typ, code, ci, x, y, road))
    picks = sorted(rng.choice(with_station, size=3, replace=False).tolist())
    for tmpl, ci in zip(CANTEENS, picks[:2], strict=True):
        x, y, road = frontage.point(ci)
        name = tmpl.format(c=communities[ci].name)
        rows.append(_base_row(rng, "community_canteen", name, *GENERIC, ci, x, y, road))
    x, y, road = frontage.point(picks[2])
    rows.append(_base_row(rng, None, COMPANY[0], *COMPANY[1], picks[2], x, y, road))
    return rows
