"""The rural fringe: 澜南镇 south of the city, its 镇区 社区, six 行政村 and the rural roads.

The 镇 is a 4 km x 4 km box below the city's southern arterial (南澜路, y = 0).
Its seat (镇区) is one 社区 with open blocks of walk-up housing beside the city
edge; the rest of the 镇 is six 行政村 (polygons that tile the 镇 with the
镇区), each with its 村委会 point. Rural roads (县道 and 村道) run south from the
city's streets, so the walking network stays one piece. Villages hold no
residential buildings: the 社区 table has no rows for them, and the rural rules
(R6 at village level, R10) are presence tests, not walks.

Coordinates are local metres, the same frame as the city (y < 0 is the 镇).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, box

from .features import Area, Building, Way
from .layout import DISTRICT_CODE

TOWN_SUFFIX = "100"  # 统计用区划代码 digits 7-9: 100-199 is a 镇
TOWN_NAME = "澜南镇"
TOWN_CODE = DISTRICT_CODE + TOWN_SUFFIX + "000"
TOWN_BOX = (0.0, -4000.0, 4000.0, 0.0)
SEAT_BOX = (1600.0, -800.0, 2400.0, 0.0)  # the 镇区 社区
SEAT_CODE = DISTRICT_CODE + TOWN_SUFFIX + "001"  # 居委会 codes 001-199
SEAT_NAME = "澜南社区"

# 行政村: code suffix (村委会 codes 200-399), name, local box, 村委会 point
VILLAGES = [
    ("201", "丰乐村", (0.0, -2000.0, 1600.0, 0.0), (800.0, -1300.0)),
    ("202", "双桥村", (0.0, -4000.0, 1600.0, -2000.0), (800.0, -3000.0)),
    ("203", "杨湾村", (1600.0, -2000.0, 2400.0, -800.0), (2010.0, -1400.0)),
    ("204", "芦荡村", (1600.0, -4000.0, 2400.0, -2000.0), (2010.0, -3000.0)),
    ("205", "新河村", (2400.0, -2000.0, 4000.0, 0.0), (3250.0, -1000.0)),
    ("206", "兴隆村", (2400.0, -4000.0, 4000.0, -2000.0), (3250.0, -3000.0)),
]

# Roads of the 镇: (name, tags, coordinates). They start on the city's streets
# (青梧路 x = 850, 望潮大道 x = 3300 end on 南澜路) and cross each other on shared points.
_SEAT_STREETS = [
    ("澜南大街", "tertiary", [(2000.0, 0.0), (2000.0, -300.0), (2000.0, -600.0), (2000.0, -800.0)]),
    ("仓前街", "residential", [(1800.0, 0.0), (1800.0, -300.0), (1800.0, -600.0)]),
    ("新街", "residential", [(2200.0, 0.0), (2200.0, -300.0), (2200.0, -600.0)]),
    (
        "文昌巷",
        "residential",
        [(1600.0, -300.0), (1800.0, -300.0), (2000.0, -300.0), (2200.0, -300.0), (2400.0, -300.0)],
    ),
    (
        "南市巷",
        "residential",
        [(1600.0, -600.0), (1800.0, -600.0), (2000.0, -600.0), (2200.0, -600.0), (2400.0, -600.0)],
    ),
]
_RURAL_ROADS = [
    (
        "澜南公路",
        "secondary",
        [
            (2000.0, -800.0),
            (2000.0, -1000.0),
            (2000.0, -2000.0),
            (2000.0, -3000.0),
            (2000.0, -3800.0),
        ],
    ),
    (
        "丰乐路",
        "tertiary",
        [(0.0, -2000.0), (850.0, -2000.0), (2000.0, -2000.0), (3300.0, -2000.0), (4000.0, -2000.0)],
    ),
    (
        "丰乐村道",
        "unclassified",
        [(850.0, 0.0), (850.0, -1000.0), (850.0, -2000.0), (850.0, -3000.0), (850.0, -3600.0)],
    ),
    (
        "新河村道",
        "unclassified",
        [(3300.0, 0.0), (3300.0, -1000.0), (3300.0, -2000.0), (3300.0, -3000.0), (3300.0, -3600.0)],
    ),
    (
        "北圩路",
        "unclassified",
        [
            (300.0, -1000.0),
            (850.0, -1000.0),
            (2000.0, -1000.0),
            (3300.0, -1000.0),
            (3700.0, -1000.0),
        ],
    ),
    (
        "南圩路",
        "unclassified",
        [
            (300.0, -3000.0),
            (850.0, -3000.0),
            (2000.0, -3000.0),
            (3300.0, -3000.0),
            (3700.0, -3000.0),
        ],
    ),
]
# Seat blocks between the seat streets (x0, y0, x1, y1) that hold other uses.
_SEAT_OTHER = {
    (1800.0, -300.0, 2000.0, 0.0): "office",  # 镇政府
    (2000.0, -600.0, 2200.0, -300.0): "commercial",  # 农贸市场 and shops
    (2200.0, -300.0, 2400.0, 0.0): "school",  # 中心幼儿园, 中心小学
}
SEAT_LEVELS = [3, 4, 4, 5]  # walk-up housing of the 镇区 (既有)


@dataclass
class Village:
    code: str
    name: str
    geom: Polygon
    point: Point  # the 村委会


@dataclass
class Town:
    code: str
    name: str
    geom: Polygon
    seat: Polygon  # the 镇区 社区
    villages: list[Village]
    lines: list[Way]
    areas: list[Area]
    buildings: list[Building]


def _tags(kind: str, name: str) -> dict[str, str]:
    tags = {"highway": kind, "name": name}
    if kind in ("secondary", "tertiary"):
        tags["lanes"] = "2"
    if kind == "unclassified":
        tags["surface"] = "asphalt"
    return tags


def _seat_blocks() -> list[tuple[float, float, float, float]]:
    xs = [1600.0, 1800.0, 2000.0, 2200.0, 2400.0]
    ys = [-800.0, -600.0, -300.0, 0.0]
    return [
        (xs[i], ys[j], xs[i + 1], ys[j + 1]) for j in range(len(ys) - 1) for i in range(len(xs) - 1)
    ]


def _rows_of_houses(
    rng: np.random.Generator, block: tuple[float, float, float, float], community: int
) -> list[Building]:
    """Walk-up slabs (40 m x 12 m, 3-5 storeys) in rows inside an open block."""
    x0, y0, x1, y1 = block
    out = []
    levels = int(rng.choice(SEAT_LEVELS))
    y = y0 + 20.0
    while y + 12.0 <= y1 - 20.0:
        x = x0 + 20.0
        while x + 40.0 <= x1 - 20.0:
            lv = levels if rng.random() < 0.8 else int(rng.choice(SEAT_LEVELS))
            geom = shapely.set_precision(box(x, y, x + 40.0, y + 12.0), 0.01)
            out.append(Building(geom, lv, "residential", community, True))
            x += 40.0 + 30.0
        y += 12.0 + 40.0
    return out


def build_town(rng: np.random.Generator, community: int) -> Town:
    """The 镇: roads, the seat's blocks and buildings, and the villages.

    `community` is the index the 镇区 社区 gets among the district's 社区.
    """
    lines = [Way(list(c), _tags(k, n)) for n, k, c in _SEAT_STREETS + _RURAL_ROADS]
    areas: list[Area] = []
    buildings: list[Building] = []
    for block in _seat_blocks():
        inner = box(*block).buffer(-10.0, join_style="mitre")
        use = _SEAT_OTHER.get(block, "residential")
        if use == "residential":
            areas.append(Area(inner, {"landuse": "residential", "residential": "rural"}))
            buildings += _rows_of_houses(rng, block, community)
        elif use == "office":
            areas.append(Area(inner, {"landuse": "civic_admin", "name": TOWN_NAME + "人民政府"}))
            x0, y0 = block[0] + 30.0, block[1] + 40.0
            geom = shapely.set_precision(box(x0, y0, x0 + 60.0, y0 + 20.0), 0.01)
            buildings.append(Building(geom, 4, "government", community, False))
        elif use == "commercial":
            areas.append(Area(inner, {"landuse": "retail"}))
            x0, y0 = block[0] + 30.0, block[1] + 30.0
            geom = shapely.set_precision(box(x0, y0, x0 + 120.0, y0 + 30.0), 0.01)
            buildings.append(Building(geom, 2, "retail", community, False))
        else:
            name = TOWN_NAME + "中心小学"
            areas.append(Area(inner, {"amenity": "school", "name": name, "name:zh": name}))
            x0, y0 = block[0] + 30.0, block[1] + 40.0
            geom = shapely.set_precision(box(x0, y0, x0 + 80.0, y0 + 20.0), 0.01)
            buildings.append(Building(geom, 3, "school", community, False))
    villages = []
    for suffix, name, bx, (px, py) in VILLAGES:
        geom = box(*bx)
        villages.append(Village(DISTRICT_CODE + TOWN_SUFFIX + suffix, name, geom, Point(px, py)))
        # farmland and the village's houses are drawn as land use only (no residents)
        areas.append(Area(geom.buffer(-60.0, join_style="mitre"), {"landuse": "farmland"}))
    seat = box(*SEAT_BOX)
    return Town(TOWN_CODE, TOWN_NAME, box(*TOWN_BOX), seat, villages, lines, areas, buildings)
