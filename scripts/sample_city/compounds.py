"""Gated compounds (小区): status, names, gates, private roads and the residential buildings.

A compound's internal roads (a service ring, spurs to the gates, a central
footway) are access=private and meet the public streets only at its gates.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .boundaries import Community
from .buildings import residential_buildings
from .features import Area, Canvas, Compound, Way
from .layout import round_half

COMPOUND_WORDS = [
    "花园",
    "新村",
    "苑",
    "公寓",
    "家园",
    "小区",
    "雅居",
    "嘉园",
    "名邸",
    "华庭",
]
COMPOUND_PREFIX = [
    "金桥",
    "银杏",
    "丽景",
    "翠湖",
    "阳光",
    "幸福",
    "润和",
    "紫薇",
    "绿洲",
    "景瑞",
    "华府",
    "安居",
    "百合",
    "海棠",
    "玉兰",
    "书香",
    "祥和",
    "御景",
    "明珠",
    "康乐",
    "怡景",
    "泰和",
    "新城",
    "锦华",
    "水岸",
    "东方",
    "碧桂",
    "梧桐",
    "香樟",
    "蓝湾",
]
GATE_SETBACK_M = 12.0  # parcels are inset 12 m from the street centrelines


def draw_status(rng: np.random.Generator, communities: list[Community]) -> list[str]:
    """Each community's 小区类型: "new", "renovated" or "existing"; the corner is renovated."""
    out = []
    for c in communities:
        if c.beyond_canal:
            out.append("renovated")
            continue
        u = rng.random()
        out.append("new" if u < 0.30 else ("renovated" if u < 0.62 else "existing"))
    return out


class CompoundNamer:
    """Compound names: a shuffled prefix and a word; 新村 for half the renovated; 二期 on reuse."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.prefixes = list(COMPOUND_PREFIX)
        rng.shuffle(self.prefixes)
        self.used: set[str] = set()

    def name(self, rng: np.random.Generator, status: str) -> str:
        prefixes, used = self.prefixes, self.used
        while True:
            name = (
                prefixes[len(used) % len(prefixes)]
                + COMPOUND_WORDS[int(rng.integers(len(COMPOUND_WORDS)))]
            )
            if status == "renovated" and rng.random() < 0.5:
                name = prefixes[len(used) % len(prefixes)] + "新村"
            if len(used) >= len(prefixes):
                name = name + "二期" if name + "二期" not in used else name + "三期"
            if name not in used:
                break
            used.add(name + "#")
        used.add(name)
        return name


def gate_candidates(
    piece: Polygon, rect: Polygon, public: BaseGeometry
) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Candidate gates: midpoints of piece edges lying on the inset rectangle sides.

    Each comes with the point on the street outside it, `GATE_SETBACK_M` away;
    only gates whose street point lies on a public street are kept.
    """
    out = []
    coords = list(piece.exterior.coords)
    cx, cy = rect.centroid.x, rect.centroid.y
    for a, b in pairwise(coords):
        seg = LineString([a, b])
        if seg.length < 40:
            continue
        dx, dy = b[0] - a[0], b[1] - a[1]
        if abs(dx) > 1e-6 and abs(dy) > 1e-6:
            continue  # oblique (canal side)
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        mx, my = round_half(mx, 1), round_half(my, 1)
        if abs(dy) < 1e-6:
            out_pt = (mx, my + (GATE_SETBACK_M if my > cy else -GATE_SETBACK_M))
        else:
            out_pt = (mx + (GATE_SETBACK_M if mx > cx else -GATE_SETBACK_M), my)
        if public.distance(Point(out_pt)) < 0.01:
            out.append(((mx, my), out_pt))
    return out


def add_gate(
    canvas: Canvas, gate: tuple[float, float], street: tuple[float, float], inside: Way
) -> None:
    """A driveway from the street to the gate node, then the private way `inside`."""
    features = canvas.features
    features.lines.append(Way([street, gate], {"highway": "service", "service": "driveway"}))
    features.lines.append(inside)
    features.gates.append(gate)


def make_compound(
    canvas: Canvas,
    piece: Polygon,
    rect: Polygon,
    ci: int,
    status: list[str],
    namer: CompoundNamer,
) -> None:
    """A gated compound on `piece` in community `ci` (grass if no gate reaches a public street)."""
    features, rng = canvas.features, canvas.rng
    gates = gate_candidates(piece, rect, canvas.public)
    if not gates or ci < 0:
        features.areas.append(Area(piece, {"landuse": "grass"}))
        return
    name = namer.name(rng, status[ci])
    features.areas.append(
        Area(piece, {"landuse": "residential", "name": name, "residential": "urban"})
    )
    comp = Compound(name, piece, ci)
    ring_poly = piece.buffer(-25.0, join_style="mitre")
    if ring_poly.is_empty or ring_poly.geom_type != "Polygon" or ring_poly.area < 2000:
        ring = None
    else:
        ring_poly = shapely.set_precision(ring_poly, 0.01)
        ring = ring_poly.exterior
        features.lines.append(
            Way(
                list(ring.coords),
                {"highway": "service", "access": "private", "name": name + "内部道路"},
            )
        )
    # choose up to 2 gates on different sides, stable order
    rng.shuffle(gates)
    gates = gates[: 2 if len(gates) > 1 and piece.area > 25_000 else 1]
    for gate, street in gates:
        comp.gates.append(gate)
        if ring is not None:  # a private spur to the service ring
            np_ = nearest_points(Point(gate), ring)[1]
            spur = (round_half(np_.x, 2), round_half(np_.y, 2))
            inside = Way([gate, spur], {"highway": "service", "access": "private"})
        else:  # a private footway to the centre
            c = piece.centroid
            centre = (round_half(c.x, 2), round_half(c.y, 2))
            inside = Way([gate, centre], {"highway": "footway", "access": "private"})
        add_gate(canvas, gate, street, inside)
    # central private footway across large rectangular compounds
    footways = []
    if ring is not None:
        minx, miny, maxx, maxy = ring_poly.bounds
        if maxx - minx > 150 and abs(ring_poly.area - (maxx - minx) * (maxy - miny)) < 1:
            mx = round_half((minx + maxx) / 2, 1)
            fw = LineString([(mx, miny), (mx, maxy)])
            footways.append(fw)
            features.lines.append(Way(list(fw.coords), {"highway": "footway", "access": "private"}))
    features.compounds.append(comp)
    features.buildings += residential_buildings(
        rng, piece.buffer(-36.0, join_style="mitre"), ci, status[ci], footways
    )
