"""街道 and 社区 polygons: the streets are boxes, the communities their arterial superblocks."""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

from .layout import ART_X, ART_Y, CANAL, DISTRICT_CODE, FRAME, STREETS, street_code

COMMUNITY_NAMES = [
    "澜岸",
    "青梧",
    "秀水",
    "桐华",
    "映月",
    "星河",
    "文峰",
    "朝阳里",
    "锦绣",
    "和平桥",
    "望江",
    "新桥",
    "翠竹",
    "园丁",
    "春晖",
    "清风",
    "濠东",
    "枫林",
    "滨河",
    "桃园",
    "紫荆",
    "凤鸣",
    "长乐",
]
SLIVER_M2 = 150_000.0  # south-west pieces smaller than this join their nearest neighbour


@dataclass
class Street:
    street_code: str
    name: str
    geom: Polygon


@dataclass
class Community:
    street: int  # index into Boundaries.streets
    code: str
    name: str
    geom: Polygon
    beyond_canal: bool


class Boundaries:
    """The 街道 and 社区 of the district, and which 社区 a point lies in."""

    def __init__(self, streets: list[Street], communities: list[Community]) -> None:
        self.streets = streets
        self.communities = communities
        self._tree = shapely.STRtree([c.geom for c in communities])

    def community_of(self, pt: Point) -> int:
        """Index of the (first) community containing or touching `pt`, -1 outside."""
        hits = self._tree.query(pt, predicate="intersects")
        if len(hits) == 0:
            return -1
        return int(min(hits))


def ne_side_polygon() -> Polygon:
    """The part of the frame north-east of the canal centreline."""
    c = list(CANAL.coords)
    ring = [*c, (4500.0, 1790.0), (4500.0, 3500.0), (2450.0, 3500.0)]
    return Polygon(ring).intersection(FRAME)


def build_boundaries() -> Boundaries:
    streets = [Street(street_code(code), name, box(*bx)) for code, name, bx in STREETS]
    ne_side = ne_side_polygon()
    cells: list[tuple[int, Polygon]] = []
    for si, (_, _, bx) in enumerate(STREETS):
        if si < 2:  # the canal crosses only the third street, 濠西街道
            cells += [(si, c) for c in _superblocks(bx)]
        else:
            cells += [(si, c) for c in _split_by_canal(_superblocks(bx), ne_side)]

    # stable order: by street, then south->north, west->east of representative point
    def key(item: tuple[int, Polygon]) -> tuple[int, float, float]:
        rp = item[1].representative_point()
        return (item[0], round(rp.y, -2), rp.x)

    cells.sort(key=key)
    communities = []
    counters = {0: 0, 1: 0, 2: 0}
    for ci, (si, poly) in enumerate(cells):
        counters[si] += 1
        poly = shapely.set_precision(poly, 0.001)
        communities.append(
            Community(
                street=si,
                code=DISTRICT_CODE + STREETS[si][0] + f"{counters[si]:03d}",
                name=COMMUNITY_NAMES[ci] + "社区",
                geom=poly,
                beyond_canal=bool(poly.representative_point().within(ne_side)),
            )
        )
    return Boundaries(streets, communities)


def _superblocks(bx: tuple[float, float, float, float]) -> list[Polygon]:
    """The arterial cells inside a street's box."""
    x0, y0, x1, y1 = bx
    xs = [x for x in ART_X if x0 <= x <= x1]
    ys = [y for y in ART_Y if y0 <= y <= y1]
    return [
        box(xs[i], ys[j], xs[i + 1], ys[j + 1])
        for i in range(len(xs) - 1)
        for j in range(len(ys) - 1)
    ]


def _split_by_canal(cells: list[Polygon], ne_side: Polygon) -> list[Polygon]:
    """濠西街道's cells cut by the canal: slivers merged, the corner in two communities."""
    sw_pieces = []
    ne_pieces = []
    for c in cells:
        sw = c.difference(ne_side)
        ne = c.intersection(ne_side)
        if sw.area > 1.0:
            sw_pieces.append(sw)
        if ne.area > 1.0:
            ne_pieces.append(ne)
    # merge small SW slivers into the nearest large piece
    for p in list(sw_pieces):
        if p.area < SLIVER_M2:
            nearest = min(
                (q for q in sw_pieces if q is not p and q.area >= SLIVER_M2),
                key=lambda q, p=p: q.centroid.distance(p.centroid),
            )
            idx = sw_pieces.index(nearest)
            sw_pieces[idx] = nearest.union(p)
    keep = [p for p in sw_pieces if p.area >= SLIVER_M2]
    corner_w = unary_union([p for p in ne_pieces if p.centroid.x < 3300.0])
    corner_e = unary_union([p for p in ne_pieces if p.centroid.x >= 3300.0])
    return [shapely.normalize(p) for p in [*keep, corner_w, corner_e]]
