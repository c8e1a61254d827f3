"""Facilities: the Amap-style export (GCJ-02 rows) and the OSM POIs mapped from it.

Most basic-guarantee types have one shop at each of the neighbourhood
shopping streets (hubs); the rest follow population or are spread out by a
greedy cover on the generator's own graph. Vegetable markets keep away from
the corner beyond the canal (the planted gap); one street has no elderly-care
centre. Fifteen ordinary POIs with no category are mixed in, as in a real export.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from facility_coverage.crs import wgs84_to_gcj02

from .boundaries import Community
from .features import Poi
from .frontage import Frontage
from .layout import DISTRICT_NAME, STREET_WITHOUT_CENTRE, STREETS, local_to_wgs84, round_half
from .reach import Reach

BRANDS = {
    "convenience_store": [
        "澜客便利店",
        "邻家便利店",
        "优鲜便利店",
        "惠民便利店",
        "乐享便利店",
        "24小时便利店",
    ],
    "supermarket": ["百家惠超市", "润家生活超市", "澜城综合超市", "惠多多超市"],
    "pharmacy": ["康澜大药房", "济生堂药房", "仁和大药房", "百草园药房"],
    "barber": ["剪艺美发", "丝语造型", "阿强理发店", "名剪美发", "青丝美发店", "时尚发型"],
    "laundry": ["洁净洗衣", "白领干洗店", "福奈特洗衣", "清澜干洗"],
    "fitness": ["澜动健身", "力健健身房", "悦动健身中心", "乐活健身"],
}
SURNAMES = [
    "王",
    "李",
    "张",
    "陈",
    "刘",
    "周",
    "吴",
    "徐",
    "孙",
    "朱",
    "顾",
    "季",
    "陆",
    "曹",
    "范",
    "施",
]

AMAP_TYPES = {
    "convenience_store": [("购物服务;便民商店/便利店;便民商店/便利店", "060200")],
    "supermarket": [("购物服务;超级市场;超市", "060400")],
    "vegetable_market": [
        ("购物服务;综合市场;综合市场", "060700"),
        ("购物服务;综合市场;农副产品市场", "060703"),
        ("购物服务;综合市场;蔬菜市场", "060705"),
    ],
    "breakfast": [("餐饮服务;快餐厅;快餐厅", "050300"), ("餐饮服务;中餐厅;中餐厅", "050100")],
    "pharmacy": [("医疗保健服务;医药保健销售店;药房", "090601")],
    "barber": [("生活服务;美容美发店;美容美发店", "071100")],
    "laundry": [("生活服务;洗衣店;洗衣店", "071500")],
    "express_post": [
        ("生活服务;物流速递;物流速递", "070500"),
        ("生活服务;邮局;邮政速递", "070400"),
    ],
    "housekeeping": [("生活服务;生活服务场所;生活服务场所", "070000")],
    "repair": [("生活服务;生活服务场所;生活服务场所", "070000")],
    "photo_print": [("生活服务;摄影冲印店;摄影冲印", "071300")],
    "health_station": [("医疗保健服务;诊所;诊所", "090300")],
    "kindergarten": [("科教文化服务;学校;幼儿园", "141204")],
    "infant_care": [
        ("生活服务;生活服务场所;生活服务场所", "070000"),
        ("科教文化服务;学校;学校", "141200"),
    ],
    "elderly_centre": [("生活服务;生活服务场所;生活服务场所", "070000")],
    "elderly_station": [("生活服务;生活服务场所;生活服务场所", "070000")],
    "nursing_home": [("医疗保健服务;医疗保健服务场所;医疗保健服务场所", "090000")],
    "elderly_education": [("科教文化服务;学校;成人教育", "141205")],
    "fitness": [("体育休闲服务;运动场馆;健身中心", "080111")],
}

# key -> (count, placement): "pop" = allocated by population, "spread" = spread out,
# "market" = spread out away from the corner, "infant" = in random communities,
# "centre" = one per street but the one without
PLAN = {
    "convenience_store": (60, "pop"),
    "supermarket": (15, "spread"),
    "vegetable_market": (12, "market"),
    "breakfast": (30, "pop"),
    "pharmacy": (26, "pop"),
    "barber": (28, "pop"),
    "laundry": (15, "spread"),
    "express_post": (24, "pop"),
    "housekeeping": (14, "spread"),
    "repair": (14, "spread"),
    "photo_print": (14, "spread"),
    "health_station": (12, "spread"),
    "kindergarten": (12, "spread"),
    "infant_care": (11, "infant"),
    "elderly_centre": (2, "centre"),
    "elderly_station": (13, "spread"),
    "nursing_home": (4, "spread"),
    "elderly_education": (6, "spread"),
    "fitness": (10, "spread"),
}
# the basic-guarantee types (R1), each with one shop at every hub
BASIC = [
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
]
INFANT_CARE_COMMUNITIES = 10  # communities with an infant-care institution (one has two)
N_HUBS = 14  # neighbourhood shopping streets
CORNER_MARKET_M = 1280.0  # markets stay this far (on foot) from every home in the corner
NOISE = [  # ordinary POIs an Amap export also contains (no category)
    ("{s}记饭店", "餐饮服务;中餐厅;中餐厅", "050100"),
    ("澜城农商银行({r}支行)", "金融保险服务;银行;银行", "160100"),
    ("{s}氏五金店", "购物服务;家居建材市场;五金店", "061200"),
    ("{r}宾馆", "住宿服务;宾馆酒店;宾馆酒店", "100100"),
    ("{s}记面馆", "餐饮服务;中餐厅;中餐厅", "050100"),
]
N_NOISE = 15
AMAP_COLUMNS = [
    "名称",
    "类型",
    "类型编码",
    "地址",
    "经度",
    "纬度",
    "建筑面积(㎡)",
    "床位数",
    "护理型床位数",
    "托位数",
    "是否普惠",
    "是否示范",
]

OSM_TAGS = {
    "convenience_store": {"shop": "convenience"},
    "supermarket": {"shop": "supermarket"},
    "vegetable_market": {"amenity": "marketplace"},
    "pharmacy": {"amenity": "pharmacy", "healthcare": "pharmacy"},
    "barber": {"shop": "hairdresser"},
    "express_post": {"amenity": "post_office"},
    "kindergarten": {"amenity": "kindergarten"},
    "health_station": {"amenity": "clinic", "healthcare": "clinic"},
}
OSM_POI_QUOTA = {
    "convenience_store": 9,
    "supermarket": 4,
    "vegetable_market": 3,
    "pharmacy": 6,
    "barber": 4,
    "express_post": 3,
    "kindergarten": 4,
    "health_station": 3,
}
OSM_ONLY_POIS = [  # (key, name) of POIs that the Amap export lacks
    ("convenience_store", "街角便利店"),
    ("pharmacy", "安康药房"),
    ("barber", "小李理发"),
    ("convenience_store", "夜猫便利店"),
]

Site = tuple[float, float, str]  # x, y, the street it fronts


def _allocate_by_pop(rng: np.random.Generator, weights: np.ndarray, n: int) -> list[int]:
    """n places shared out in proportion to `weights` (largest remainders, ties at random)."""
    exp = weights / weights.sum() * n
    base = np.floor(exp).astype(int)
    rem = exp - base
    short = n - int(base.sum())
    order = np.lexsort((rng.random(len(rem)), -rem))
    base[order[:short]] += 1
    out = []
    for i, k in enumerate(base):
        out += [i] * int(k)
    return out


class _Placement:
    """Where the facilities of one category go: (community, site) lists per placement kind."""

    def __init__(
        self,
        rng: np.random.Generator,
        communities: list[Community],
        pop: np.ndarray,
        frontage: Frontage,
        reach: Reach,
    ) -> None:
        self.rng, self.communities, self.pop = rng, communities, pop
        self.frontage, self.reach = frontage, reach
        self.everyone = list(range(len(communities)))
        self.corner = [i for i, c in enumerate(communities) if c.beyond_canal]
        self.corner_b = np.isin(reach.bcomm, self.corner)
        self.d_corner = reach.distance_from_buildings(self.corner_b)

    def candidates(self, communities: list[int], per: int) -> list[tuple[int, float, float, str]]:
        return [(ci, *self.frontage.point(ci)) for ci in communities for _ in range(per)]

    def by_population(self, n: int) -> tuple[list[int], list[Site]]:
        """A third placed where they reach most residents, the rest where people live."""
        cand = self.candidates(self.everyone, 4)
        chosen = self.reach.greedy([(c[1], c[2]) for c in cand], n // 3, self.rng)
        where = [cand[k][0] for k in chosen] + _allocate_by_pop(self.rng, self.pop, n - n // 3)
        pts = [cand[k][1:] for k in chosen] + [
            self.frontage.point(ci) for ci in where[len(chosen) :]
        ]
        return where, pts

    def spread(self, n: int, *, market: bool) -> tuple[list[int], list[Site]]:
        """Spread out by a greedy cover; markets also keep away from the corner."""
        allowed = [i for i in self.everyone if not market or i not in self.corner]
        cand = self.candidates(allowed, 6)
        fixed = None
        if market:  # keep every market more than 1.3 km from the corner's homes
            cxy = np.array([[c[1], c[2]] for c in cand])
            dc = self.reach.at_points(self.d_corner, cxy)
            keep = dc > CORNER_MARKET_M
            cand = [c for c, k in zip(cand, keep, strict=True) if k]
            # one market just out of the corner's reach, so the planted gap is a near
            # miss (one new market closes it) rather than whatever the draws leave
            fixed = [int(np.argmin(dc[keep]))]
        chosen = self.reach.greedy(
            [(c[1], c[2]) for c in cand],
            n,
            self.rng,
            exclude=self.corner_b if market else None,
            fixed=fixed,
        )
        return [cand[k][0] for k in chosen], [cand[k][1:] for k in chosen]

    def infant_care(self) -> tuple[list[int], list[Site]]:
        """In random communities; one community has two institutions."""
        where = sorted(
            self.rng.choice(self.everyone, size=INFANT_CARE_COMMUNITIES, replace=False).tolist()
        )
        where.append(where[0])
        return where, [self.frontage.point(ci) for ci in where]

    def centres(self) -> tuple[list[int], list[Site]]:
        """One in a random community (not beyond the canal) of every street but one."""
        where = []
        for si in range(len(STREETS)):
            if STREETS[si][0] == STREET_WITHOUT_CENTRE:
                continue
            members = [
                i for i, c in enumerate(self.communities) if c.street == si and not c.beyond_canal
            ]
            where.append(members[int(self.rng.integers(len(members)))])
        return where, [self.frontage.point(ci) for ci in where]

    def place(self, how: str, n: int) -> tuple[list[int], list[Site]]:
        if how == "pop":
            return self.by_population(n)
        if how in ("spread", "market"):
            return self.spread(n, market=how == "market")
        if how == "infant":
            return self.infant_care()
        if how == "centre":
            return self.centres()
        raise KeyError(how)


def make_facilities(
    rng: np.random.Generator,
    communities: list[Community],
    pop: np.ndarray,
    frontage: Frontage,
    reach: Reach,
) -> pd.DataFrame:
    """The Amap-style rows (local x, y, category, community and the export's columns)."""
    placement = _Placement(rng, communities, pop, frontage, reach)
    corner = placement.corner
    # Neighbourhood shopping streets (hubs): most basic-guarantee types have one shop
    # at each, as in real 社区商业 clusters; the rest are spread or follow population.
    hub_cand = placement.candidates(placement.everyone, 6)
    hubs = [hub_cand[k] for k in reach.greedy([(c[1], c[2]) for c in hub_cand], N_HUBS, rng, top=1)]
    hub_d_corner = reach.at_points(placement.d_corner, np.array([[h[1], h[2]] for h in hubs]))
    rows: list[dict[str, Any]] = []
    for key, (n_total, how) in PLAN.items():
        at_hubs = []
        if key in BASIC:
            for h, dc in zip(hubs, hub_d_corner, strict=True):
                if key == "vegetable_market" and (h[0] in corner or dc <= CORNER_MARKET_M):
                    continue
                at_hubs.append((h[0], frontage.near(h[0], h[1], h[2], h[3])))
        where, pts = placement.place(how, n_total - len(at_hubs))
        where = [h[0] for h in at_hubs] + where
        pts = [h[1] for h in at_hubs] + pts
        for k, (ci, (x, y, road)) in enumerate(zip(where, pts, strict=True)):
            rows.append(_facility_row(rng, communities, key, k, ci, x, y, road))
    for k in range(N_NOISE):
        ci = int(rng.integers(len(communities)))
        x, y, road = frontage.point(ci)
        tmpl, typ, code = NOISE[k % len(NOISE)]
        name = tmpl.format(s=SURNAMES[int(rng.integers(len(SURNAMES)))], r=road)
        rows.append(_base_row(rng, None, name, typ, code, ci, x, y, road))
    df = pd.DataFrame(rows)
    # GCJ-02 coordinates as an Amap export gives them
    lon, lat = local_to_wgs84(df["x"].to_numpy(), df["y"].to_numpy())
    glon, glat = wgs84_to_gcj02(lon, lat)
    df["lon_wgs84"] = lon
    df["lat_wgs84"] = lat
    df["经度"] = [f"{v:.6f}" for v in glon]
    df["纬度"] = [f"{v:.6f}" for v in glat]
    order = rng.permutation(len(df))
    df = df.iloc[order].reset_index(drop=True)
    df["facility_no"] = np.arange(1, len(df) + 1)
    return df


def _base_row(
    rng: np.random.Generator,
    key: str | None,
    name: str,
    typ: str,
    code: str,
    ci: int,
    x: float,
    y: float,
    road: str,
) -> dict[str, Any]:
    num = int(rng.integers(1, 400))
    return {
        "category": key,
        "community": ci,
        "x": x,
        "y": y,
        "名称": name,
        "类型": typ,
        "类型编码": code,
        "地址": f"江苏省南通市{DISTRICT_NAME}{road}{num}号",
        "建筑面积(㎡)": "",
        "床位数": "",
        "护理型床位数": "",
        "托位数": "",
        "是否普惠": "",
        "是否示范": "",
    }


def _facility_row(
    rng: np.random.Generator,
    communities: list[Community],
    key: str,
    k: int,
    ci: int,
    x: float,
    y: float,
    road: str,
) -> dict[str, Any]:
    """The k-th facility of category `key`: name, Amap type and attributes as a real export has."""
    comm = communities[ci].name
    cshort = comm.removesuffix("社区")
    street = STREETS[communities[ci].street][1]
    s = SURNAMES[int(rng.integers(len(SURNAMES)))]
    types = AMAP_TYPES[key]
    typ, code = types[int(rng.integers(len(types)))]
    branch = f"({road}店)"
    attrs: dict[str, str] = {}
    if key in BRANDS:
        b = BRANDS[key]
        name = b[int(rng.integers(len(b)))] + branch
    elif key == "vegetable_market":
        name = [f"{cshort}农贸市场", f"{road}菜市场", f"{cshort}菜场"][k % 3]
        attrs["建筑面积(㎡)"] = str(int(round_half(rng.uniform(800, 3000), -1)))
    elif key == "breakfast":
        name = [f"{s}记早餐店", f"老{s}包子铺", f"{cshort}早餐", f"{s}家包子"][k % 4]
    elif key == "express_post":
        if k % 4 == 0:
            name = f"{DISTRICT_NAME}邮政所({road})"
            typ, code = "生活服务;邮局;邮政速递", "070400"
        else:
            name = f"邻里快递驿站({cshort}店)"
            typ, code = "生活服务;物流速递;物流速递", "070500"
    elif key == "housekeeping":
        name = [f"{s}嫂家政服务", f"安心家政({road}店)", f"{cshort}家政服务部"][k % 3]
    elif key == "repair":
        name = [f"{s}师傅家电维修", f"{cshort}手机维修", f"便民维修部({road})"][k % 3]
    elif key == "photo_print":
        name = [f"{cshort}图文快印", f"{s}氏文印店", f"澜城图文({road}店)"][k % 3]
    elif key == "health_station":
        if k < 2:
            name = f"{street}社区卫生服务中心"
            typ, code = "医疗保健服务;综合医院;卫生院", "090102"
        else:
            name = f"{comm}卫生服务站"
    elif key == "kindergarten":
        name = [f"{cshort}幼儿园", f"{DISTRICT_NAME}实验幼儿园{cshort}分园", f"{cshort}中心幼儿园"][
            k % 3
        ]
        attrs["是否普惠"] = "是" if rng.random() < 0.8 else "否"
        if rng.random() < 0.35:
            attrs["托位数"] = str(int(rng.choice([20, 25, 40])))  # 托班
    elif key == "infant_care":
        name = [
            f"{cshort}托育中心",
            f"小橡树托育园({cshort})",
            f"{cshort}社区托儿所",
            f"{s}宝贝托育",
        ][k % 4]
        attrs["托位数"] = str(int(rng.choice([20, 30, 40, 50, 60])))
        attrs["建筑面积(㎡)"] = str(int(round_half(int(attrs["托位数"]) * rng.uniform(8, 11), -1)))
        attrs["是否普惠"] = "是" if rng.random() < 0.55 else "否"
        attrs["是否示范"] = "是" if rng.random() < 0.2 else "否"
    elif key == "elderly_centre":
        name = f"{street}综合养老服务中心"
        beds = int(rng.choice([30, 40]))
        attrs["建筑面积(㎡)"] = str(int(round_half(rng.uniform(1100, 1600), -1)))
        attrs["床位数"] = str(beds)
        attrs["护理型床位数"] = str(int(beds * 0.6))
    elif key == "elderly_station":
        name = f"{comm}养老服务站" if k % 3 else f"{comm}日间照料中心"
        attrs["建筑面积(㎡)"] = str(int(round_half(rng.uniform(200, 420), -1)))
    elif key == "nursing_home":
        name = [f"{DISTRICT_NAME}社会福利院", f"{cshort}敬老院", "康乐养老院", "颐和养老院"][k % 4]
        beds = int(rng.choice([80, 120, 160, 240]))
        attrs["床位数"] = str(beds)
        attrs["护理型床位数"] = str(int(round_half(beds * rng.uniform(0.55, 0.75))))
        attrs["建筑面积(㎡)"] = str(int(round_half(beds * rng.uniform(35, 45), -1)))
    elif key == "elderly_education":
        name = f"{street}老年大学教学点" if k % 2 == 0 else f"{cshort}老年学校"
    else:
        raise KeyError(key)
    row = _base_row(rng, key, name, typ, code, ci, x, y, road)
    row.update(attrs)
    return row


def make_osm_pois(
    rng: np.random.Generator, facilities: pd.DataFrame, frontage: Frontage, n_communities: int
) -> list[Poi]:
    """OSM POI nodes: mostly the same places as Amap rows, mapped 3-18 m apart."""
    out = []
    for key, quota in OSM_POI_QUOTA.items():
        sub = facilities[facilities["category"] == key]
        if key == "express_post":
            sub = sub[sub["类型编码"] == "070400"]
        take = sub.sort_values("facility_no").head(quota)
        for _, r in take.iterrows():
            ang = rng.uniform(0, 2 * math.pi)
            d = rng.uniform(3, 18)
            name = str(r["名称"]).split("(")[0]
            tags = dict(OSM_TAGS[key])
            tags.update({"name": name, "name:zh": name})
            out.append(
                Poi(
                    r["x"] + d * math.cos(ang),
                    r["y"] + d * math.sin(ang),
                    tags,
                    key,
                    int(r["facility_no"]),
                )
            )
    for key, name in OSM_ONLY_POIS:
        ci = int(rng.integers(n_communities))
        x, y, _ = frontage.point(ci)
        tags = dict(OSM_TAGS[key])
        tags.update({"name": name, "name:zh": name})
        out.append(Poi(x, y, tags, key, None))
    return out
