"""The street network: the grid of arterials and local streets, cut at the canal or bridged.

Local streets split each arterial span into blocks of at most 250 m; the
middle one is tertiary, the others residential. A grid segment is drawn only
where it separates two parcels (merged parcels swallow theirs). Streets end at
the riverside promenades, except the three that cross the canal on a bridge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point

from .features import Way
from .layout import (
    ART_X,
    ART_X_NAMES,
    ART_Y,
    ART_Y_NAMES,
    BANK_OFFSET,
    CANAL,
    CANAL_NAME,
    CANAL_ZONE,
    FRAME,
    PRIMARY_X,
    PRIMARY_Y,
    round_half,
)

LOCAL_STREET_WORDS = [
    "青石",
    "兰亭",
    "柳岸",
    "竹西",
    "梅林",
    "杏坛",
    "桂香",
    "荷塘",
    "菊园",
    "松风",
    "枫桥",
    "桃坞",
    "李园",
    "槐荫",
    "榆林",
    "杉木",
    "楠溪",
    "樟林",
    "橘井",
    "芦花",
    "渔湾",
    "盐仓",
    "棉场",
    "丝厂",
    "砖桥",
    "钟楼",
    "鼓楼",
    "书院",
    "学前",
    "仓前",
]
# Roads (grid segments) that cross the canal on a bridge: (axis, coordinate).
BRIDGE_ROADS = {("x", 3300.0), ("y", 3000.0), ("x", 4000.0)}
PROMENADE_NAME = CANAL_NAME + "滨河步道"


@dataclass
class Grid:
    """Grid line coordinates per axis, with class ("art", "tertiary", "residential") and name."""

    gx: list[float]
    gy: list[float]
    xcls: dict[float, str]
    ycls: dict[float, str]
    xname: dict[float, str]
    yname: dict[float, str]

    def road_tags(self, axis: str, v: float) -> dict[str, str]:
        cls = (self.xcls if axis == "x" else self.ycls)[v]
        name = (self.xname if axis == "x" else self.yname)[v]
        prim = PRIMARY_X if axis == "x" else PRIMARY_Y
        if cls == "art":
            if v in prim:
                return {
                    "highway": "primary",
                    "name": name,
                    "lanes": "6",
                    "sidewalk": "both",
                    "oneway": "no",
                }
            return {"highway": "secondary", "name": name, "lanes": "4", "sidewalk": "both"}
        if cls == "tertiary":
            return {"highway": "tertiary", "name": name, "lanes": "2", "sidewalk": "both"}
        return {"highway": "residential", "name": name}


@dataclass
class Bridge:
    name: str  # the bridge:name tag
    line: LineString


@dataclass
class Roads:
    lines: list[Way]  # streets, bridges, then the promenades
    bridges: list[Bridge]


def _grid_lines(arterials: list[float]) -> tuple[list[float], dict[float, str]]:
    """Arterials and the local streets between them, with their class."""
    values: list[float] = []
    cls: dict[float, str] = {}
    for a, b in pairwise(arterials):
        n = math.ceil((b - a) / 250.0) - 1
        values.append(a)
        cls[a] = "art"
        for k in range(1, n + 1):
            v = round_half(a + (b - a) * k / (n + 1), 1)
            values.append(v)
            cls[v] = "tertiary" if k == (n + 1) // 2 else "residential"
    values.append(arterials[-1])
    cls[arterials[-1]] = "art"
    return values, cls


def build_grid(rng: np.random.Generator) -> Grid:
    gx, xcls = _grid_lines(ART_X)
    gy, ycls = _grid_lines(ART_Y)
    # local street names: 路 for tertiary, 街 (north-south) or 巷 (east-west) for residential
    words = list(LOCAL_STREET_WORDS)
    rng.shuffle(words)
    wi = iter(words * 3)
    xname = {}
    for x in gx:
        if xcls[x] == "art":
            xname[x] = ART_X_NAMES[ART_X.index(x)]
        else:
            xname[x] = next(wi) + ("路" if xcls[x] == "tertiary" else "街")
    yname = {}
    for y in gy:
        if ycls[y] == "art":
            yname[y] = ART_Y_NAMES[ART_Y.index(y)]
        else:
            yname[y] = next(wi) + ("路" if ycls[y] == "tertiary" else "巷")
    return Grid(gx, gy, xcls, ycls, xname, yname)


def _grid_segments(grid: Grid, owner: np.ndarray) -> list[tuple[LineString, tuple[str, float]]]:
    """Grid segments between two different parcels (or a parcel and the frame edge)."""
    nx_, ny_ = len(grid.gx) - 1, len(grid.gy) - 1
    segs: list[tuple[LineString, tuple[str, float]]] = []
    # vertical segments along x = gx[i], between gy[j], gy[j+1]
    for i, x in enumerate(grid.gx):
        for j in range(ny_):
            left = owner[i - 1, j] if i > 0 else -1
            right = owner[i, j] if i < nx_ else -2
            if left != right:
                segs.append((LineString([(x, grid.gy[j]), (x, grid.gy[j + 1])]), ("x", x)))
    for j, y in enumerate(grid.gy):
        for i in range(nx_):
            below = owner[i, j - 1] if j > 0 else -1
            above = owner[i, j] if j < ny_ else -2
            if below != above:
                segs.append((LineString([(grid.gx[i], y), (grid.gx[i + 1], y)]), ("y", y)))
    return segs


def bank_lines() -> list[LineString]:
    """The promenade lines on both banks, inside the frame."""
    out = []
    for side in (BANK_OFFSET, -BANK_OFFSET):
        off = CANAL.offset_curve(side, quad_segs=2, join_style="mitre")
        off = shapely.set_precision(off, 0.01)
        clipped = off.intersection(FRAME)
        out += [g for g in shapely.get_parts(clipped) if g.length > 20]
    return out


def build_roads(grid: Grid, owner: np.ndarray) -> Roads:
    """Grid segments (minus those inside merged parcels), cut or bridged at the canal."""
    banks = bank_lines()
    bank_union = MultiLineString(banks)
    lines: list[Way] = []
    bridge_parts: dict[tuple[str, float], tuple[dict[str, str], list[LineString]]] = {}
    for line, axis in _grid_segments(grid, owner):
        tags = grid.road_tags(*axis)
        if not line.intersects(CANAL_ZONE):
            lines.append(Way(list(line.coords), tags))
            continue
        cuts = line.intersection(bank_union)
        pts = sorted(
            {(p.x, p.y) for p in shapely.get_parts(cuts) if p.geom_type == "Point"},
            key=lambda c: line.project(Point(c)),
        )
        stops = [line.coords[0], *pts, line.coords[-1]]
        for a, b in pairwise(stops):
            piece = LineString([a, b])
            if piece.length < 1.0:
                continue
            in_zone = CANAL.distance(piece.interpolate(0.5, normalized=True)) < BANK_OFFSET
            if not in_zone:
                lines.append(Way([a, b], tags))
            elif axis in BRIDGE_ROADS:
                bridge_parts.setdefault(axis, (tags, []))[1].append(piece)
    bridges = []
    for axis in sorted(bridge_parts):
        tags, parts = bridge_parts[axis]
        merged = shapely.line_merge(MultiLineString(parts))
        for piece in shapely.get_parts(merged):
            btags = dict(tags)
            btags.update({"bridge": "yes", "layer": "1"})
            btags["bridge:name"] = tags["name"].replace("路", "").replace("大道", "") + "桥"
            lines.append(Way(list(piece.coords), btags))
            bridges.append(Bridge(btags["bridge:name"], piece))
    for bank in banks:
        lines.append(
            Way(
                list(bank.coords),
                {"highway": "footway", "name": PROMENADE_NAME, "surface": "paving_stones"},
            )
        )
    return Roads(lines, bridges)
