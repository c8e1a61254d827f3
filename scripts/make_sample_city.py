"""Generate the synthetic sample city that ships with facility-coverage.

The sample is a fictional 4 km x 3 km district (示例区) laid out in EPSG:4549
metres near central Nantong: three 街道, 21 社区, a canal that cuts off the
north-east corner (crossed only at three bridges), gated compounds whose
internal roads are private, a park, residential buildings with levels, about
320 facilities in an Amap-style GCJ-02 export and about 40 OSM POIs. Some gaps
are planted on purpose; the generator measures them and writes them to
``data/sample/README.md`` as ground truth.

Everything is deterministic: one seeded ``numpy.random.default_rng``, no
timestamps, stable ordering. Running the script twice gives byte-identical text
files (GeoPackages carry their own timestamps; compare them by content).

Usage::

    python scripts/make_sample_city.py            # writes into the repo's data/
    python scripts/make_sample_city.py --out DIR  # writes DIR/sample, DIR/boundaries
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import math
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.ops import nearest_points, unary_union

from facility_coverage.crs import wgs84_to_gcj02

log = logging.getLogger("make_sample_city")

SEED = 20221112  # the action plan (通政办发〔2022〕112号) number, as a memorable seed
GENERATOR = "scripts/make_sample_city.py"
GENERATOR_VERSION = "1"

# District frame: 4 km x 3 km, south-west corner in EPSG:4549 metres. The centre
# (120.89 E, 31.99 N) projects to about (584110, 3541090).
X0 = 582110.0
Y0 = 3539590.0
WIDTH = 4000.0
HEIGHT = 3000.0
WORKING_CRS = "EPSG:4549"

DISTRICT_NAME = "示例区"
DISTRICT_CODE = "320699"  # fictional county-level code in Nantong's 3206 range

# Arterial grid (local metres): every 700-850 m.
ART_X = [0.0, 850.0, 1700.0, 2550.0, 3300.0, 4000.0]
ART_Y = [0.0, 750.0, 1500.0, 2250.0, 3000.0]
PRIMARY_X = {1700.0, 3300.0}
PRIMARY_Y = {1500.0}
ART_X_NAMES = ["西澜路", "青梧路", "桐荫大道", "濠西路", "望潮大道", "东澜路"]
ART_Y_NAMES = ["南澜路", "秀水路", "中澜大道", "映月路", "北澜路"]

# Canal centreline (local metres); water 30 m wide, bank promenades at 22 m.
CANAL = LineString(
    [
        (2450.0, 3300.0),
        (2650.0, 3000.0),
        (3000.0, 2700.0),
        (3300.0, 2520.0),
        (3700.0, 2250.0),
        (4000.0, 2000.0),
        (4250.0, 1790.0),
    ]
)
CANAL_NAME = "青澜河"
WATER_HALF_WIDTH = 15.0
BANK_OFFSET = 22.0
# Roads (grid segments) that cross the canal on a bridge: (axis, coordinate).
BRIDGE_ROADS = {("x", 3300.0), ("y", 3000.0), ("x", 4000.0)}

STREETS = [
    # code suffix, name, local box
    ("001", "青澜街道", (0.0, 0.0, 1700.0, 3000.0)),
    ("002", "梧桐街道", (1700.0, 0.0, 4000.0, 1500.0)),
    ("003", "濠西街道", (1700.0, 1500.0, 4000.0, 3000.0)),
]
STREET_WITHOUT_CENTRE = "002"  # 梧桐街道 has no comprehensive elderly-care centre

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

STATUS_ZH = {"new": "新建", "renovated": "改造", "existing": "既有"}

# Node identity: coordinates on a 5 cm grid; a line end this close to another line meets it.
NODE_GRID_PER_M = 20
SNAP_TOL_M = 1.0

WALK_M_PER_MIN = 80.0
WALK_LIMIT_M = 1200.0  # 15 minutes at 80 m/min


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _r(value: float, nd: int = 0) -> float:
    """Round half away from zero (stable across platforms for our magnitudes)."""
    q = 10.0**nd
    return math.floor(abs(value) * q + 0.5) / q * (1 if value >= 0 else -1)


def _local_to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = Transformer.from_crs(WORKING_CRS, "EPSG:4326", always_xy=True)
    lon, lat = t.transform(np.asarray(x) + X0, np.asarray(y) + Y0)
    return np.asarray(lon), np.asarray(lat)


def _node_key(c: tuple[float, float]) -> tuple[int, int]:
    """The 5 cm grid cell of a node coordinate (local metres)."""
    return (
        math.floor(c[0] * NODE_GRID_PER_M + 0.5),
        math.floor(c[1] * NODE_GRID_PER_M + 0.5),
    )


def _shift(geom: Any) -> Any:
    """Local metres -> EPSG:4549 coordinates."""
    return shapely.transform(geom, lambda c: c + np.array([X0, Y0]))


@dataclass
class Way:
    coords: list[tuple[float, float]]
    tags: dict[str, str]
    walkable: bool = True


@dataclass
class Area:
    polygon: Polygon
    tags: dict[str, str]


@dataclass
class Compound:
    name: str
    polygon: Polygon
    community: int
    gates: list[tuple[float, float]] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# the city
# --------------------------------------------------------------------------------------


class City:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.lines: list[Way] = []  # walkable lines before noding
        self.areas: list[Area] = []  # landuse, park, water, buildings (closed ways)
        self.pois: list[dict[str, Any]] = []
        self.compounds: list[Compound] = []
        self.buildings: list[dict[str, Any]] = []  # polygon, tags, levels, community, residential
        self.canal_zone = CANAL.buffer(BANK_OFFSET)
        self.water = CANAL.buffer(WATER_HALF_WIDTH)
        self.frame = box(0.0, 0.0, WIDTH, HEIGHT)

    # ---------------- boundaries --------------------------------------------------
    def build_boundaries(self) -> None:
        streets = []
        for code, name, bx in STREETS:
            streets.append(
                {"street_code": DISTRICT_CODE + code + "000", "name": name, "geom": box(*bx)}
            )
        self.streets = streets
        # Communities: arterial superblocks; the canal splits 濠西街道's cells.
        ne_side = _ne_side_polygon()
        comms: list[tuple[int, Polygon]] = []
        for si, (_, _, (x0, y0, x1, y1)) in enumerate(STREETS):
            xs = [x for x in ART_X if x0 <= x <= x1]
            ys = [y for y in ART_Y if y0 <= y <= y1]
            cells = [
                box(xs[i], ys[j], xs[i + 1], ys[j + 1])
                for i in range(len(xs) - 1)
                for j in range(len(ys) - 1)
            ]
            if si < 2:
                comms += [(si, c) for c in cells]
                continue
            sw_pieces = []
            ne_pieces = []
            for c in cells:
                sw = c.difference(ne_side)
                ne = c.intersection(ne_side)
                if sw.area > 1.0:
                    sw_pieces.append(sw)
                if ne.area > 1.0:
                    ne_pieces.append(ne)
            # merge small SW slivers into the neighbour below
            keep: list[Polygon] = []
            for p in sw_pieces:
                if p.area < 150_000:
                    below = min(
                        (q for q in sw_pieces if q is not p and q.area >= 150_000),
                        key=lambda q, p=p: q.centroid.distance(p.centroid),
                    )
                    idx = sw_pieces.index(below)
                    sw_pieces[idx] = below.union(p)
                else:
                    keep.append(p)
            keep = [p for p in sw_pieces if p.area >= 150_000]
            corner_w = unary_union([p for p in ne_pieces if p.centroid.x < 3300.0])
            corner_e = unary_union([p for p in ne_pieces if p.centroid.x >= 3300.0])
            comms += [(si, shapely.normalize(p)) for p in keep]
            comms += [(si, shapely.normalize(corner_w)), (si, shapely.normalize(corner_e))]

        # stable order: by street, then south->north, west->east of representative point
        def key(item: tuple[int, Polygon]) -> tuple[int, float, float]:
            rp = item[1].representative_point()
            return (item[0], round(rp.y, -2), rp.x)

        comms.sort(key=key)
        names = list(COMMUNITY_NAMES)
        self.communities = []
        counters = {0: 0, 1: 0, 2: 0}
        for ci, (si, poly) in enumerate(comms):
            counters[si] += 1
            poly = shapely.set_precision(poly, 0.001)
            self.communities.append(
                {
                    "street": si,
                    "code": DISTRICT_CODE + STREETS[si][0] + f"{counters[si]:03d}",
                    "name": names[ci] + "社区",
                    "geom": poly,
                    "beyond_canal": bool(poly.representative_point().within(ne_side)),
                }
            )
        self.comm_tree = shapely.STRtree([c["geom"] for c in self.communities])

    def community_of(self, pt: Point) -> int:
        hits = self.comm_tree.query(pt, predicate="intersects")
        if len(hits) == 0:
            return -1
        return int(min(hits))

    # ---------------- road grid -------------------------------------------------------
    def build_grid(self) -> None:
        gx: list[float] = []
        xcls: dict[float, str] = {}
        for a, b in pairwise(ART_X):
            n = math.ceil((b - a) / 250.0) - 1
            gx.append(a)
            xcls[a] = "art"
            for k in range(1, n + 1):
                v = _r(a + (b - a) * k / (n + 1), 1)
                gx.append(v)
                xcls[v] = "tertiary" if k == (n + 1) // 2 else "residential"
        gx.append(ART_X[-1])
        xcls[ART_X[-1]] = "art"
        gy: list[float] = []
        ycls: dict[float, str] = {}
        for a, b in pairwise(ART_Y):
            n = math.ceil((b - a) / 250.0) - 1
            gy.append(a)
            ycls[a] = "art"
            for k in range(1, n + 1):
                v = _r(a + (b - a) * k / (n + 1), 1)
                gy.append(v)
                ycls[v] = "tertiary" if k == (n + 1) // 2 else "residential"
        gy.append(ART_Y[-1])
        ycls[ART_Y[-1]] = "art"
        self.gx, self.gy, self.xcls, self.ycls = gx, gy, xcls, ycls
        # local street names
        words = list(LOCAL_STREET_WORDS)
        self.rng.shuffle(words)
        wi = iter(words * 3)
        self.xname = {}
        for x in gx:
            if xcls[x] == "art":
                self.xname[x] = ART_X_NAMES[ART_X.index(x)]
            else:
                self.xname[x] = next(wi) + ("路" if xcls[x] == "tertiary" else "街")
        self.yname = {}
        for y in gy:
            if ycls[y] == "art":
                self.yname[y] = ART_Y_NAMES[ART_Y.index(y)]
            else:
                self.yname[y] = next(wi) + ("路" if ycls[y] == "tertiary" else "巷")

    def plan_parcels(self) -> None:
        """Blocks between grid lines; merge some pairs; fix park and schools."""
        nx_, ny_ = len(self.gx) - 1, len(self.gy) - 1
        owner = -np.ones((nx_, ny_), dtype=int)
        parcels: list[dict[str, Any]] = []

        def add(i0: int, i1: int, j0: int, j1: int, use: str) -> None:
            if (owner[i0:i1, j0:j1] >= 0).any():
                raise RuntimeError("parcel overlap")
            owner[i0:i1, j0:j1] = len(parcels)
            parcels.append({"i0": i0, "i1": i1, "j0": j0, "j1": j1, "use": use})

        def idx(v: float, arr: list[float]) -> int:
            return arr.index(v)

        # park: x 850-1275, y 1500-2250
        add(
            idx(850.0, self.gx),
            idx(1275.0, self.gx),
            idx(1500.0, self.gy),
            idx(2250.0, self.gy),
            "park",
        )
        # schools (2 blocks each), one per street
        for xa, ya in [(0.0, 750.0), (2550.0, 500.0), (1700.0, 2250.0)]:
            i = idx(xa, self.gx)
            j = self.gy.index(min(v for v in self.gy if v >= ya))
            add(i, i + 1, j, j + 2, "school")
        # merged residential compounds and single blocks
        order = [(i, j) for j in range(ny_) for i in range(nx_)]
        for i, j in order:
            if owner[i, j] >= 0:
                continue
            # do not merge across arterials
            if (
                self.rng.random() < 0.22
                and i + 1 < nx_
                and owner[i + 1, j] < 0
                and self.xcls[self.gx[i + 1]] != "art"
            ):
                add(i, i + 2, j, j + 1, "residential")
            elif (
                self.rng.random() < 0.15
                and j + 1 < ny_
                and owner[i, j + 1] < 0
                and self.ycls[self.gy[j + 1]] != "art"
            ):
                add(i, i + 1, j, j + 2, "residential")
            else:
                on_primary = (
                    self.gx[i] in PRIMARY_X
                    or self.gx[i + 1] in PRIMARY_X
                    or self.gy[j] in PRIMARY_Y
                    or self.gy[j + 1] in PRIMARY_Y
                )
                u = self.rng.random()
                if (on_primary and u < 0.30) or u < 0.05:
                    use = "commercial"
                elif u < 0.11:
                    use = "green"
                elif u < 0.18:
                    use = "office"
                elif u < 0.22:
                    use = "industrial"
                else:
                    use = "residential"
                add(i, i + 1, j, j + 1, use)
        self.owner = owner
        self.parcels = parcels

    def build_roads(self) -> None:
        """Grid segments (minus those inside merged parcels), cut or bridged at the canal."""
        nx_, ny_ = len(self.gx) - 1, len(self.gy) - 1
        owner = self.owner
        banks = self._bank_lines()
        segs: list[tuple[LineString, dict[str, str], tuple[str, float]]] = []
        # vertical segments along x = gx[i], between gy[j], gy[j+1]
        for i, x in enumerate(self.gx):
            for j in range(ny_):
                left = owner[i - 1, j] if i > 0 else -1
                right = owner[i, j] if i < nx_ else -2
                if left == right:
                    continue
                segs.append(
                    (
                        LineString([(x, self.gy[j]), (x, self.gy[j + 1])]),
                        self._road_tags("x", x),
                        ("x", x),
                    )
                )
        for j, y in enumerate(self.gy):
            for i in range(nx_):
                below = owner[i, j - 1] if j > 0 else -1
                above = owner[i, j] if j < ny_ else -2
                if below == above:
                    continue
                segs.append(
                    (
                        LineString([(self.gx[i], y), (self.gx[i + 1], y)]),
                        self._road_tags("y", y),
                        ("y", y),
                    )
                )
        bank_union = MultiLineString(banks)
        bridge_parts: dict[tuple[str, float], tuple[dict[str, str], list[LineString]]] = {}
        for line, tags, axis in segs:
            if not line.intersects(self.canal_zone):
                self.lines.append(Way(list(line.coords), tags))
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
                    self.lines.append(Way([a, b], tags))
                elif axis in BRIDGE_ROADS:
                    bridge_parts.setdefault(axis, (tags, []))[1].append(piece)
        bridges = []
        self.bridge_names = []
        for axis in sorted(bridge_parts):
            tags, parts = bridge_parts[axis]
            merged = shapely.line_merge(MultiLineString(parts))
            for piece in shapely.get_parts(merged):
                btags = dict(tags)
                btags.update({"bridge": "yes", "layer": "1"})
                btags["bridge:name"] = tags["name"].replace("路", "").replace("大道", "") + "桥"
                self.lines.append(Way(list(piece.coords), btags))
                bridges.append(piece)
                self.bridge_names.append(btags["bridge:name"])
        self.bridges = bridges
        for bank in banks:
            self.lines.append(
                Way(
                    list(bank.coords),
                    {
                        "highway": "footway",
                        "name": CANAL_NAME + "滨河步道",
                        "surface": "paving_stones",
                    },
                )
            )

    def _bank_lines(self) -> list[LineString]:
        out = []
        for side in (BANK_OFFSET, -BANK_OFFSET):
            off = CANAL.offset_curve(side, quad_segs=2, join_style="mitre")
            off = shapely.set_precision(off, 0.01)
            clipped = off.intersection(self.frame)
            out += [g for g in shapely.get_parts(clipped) if g.length > 20]
        return out

    def _road_tags(self, axis: str, v: float) -> dict[str, str]:
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

    # ---------------- parcels: compounds, park, schools, commerce -------------------
    def build_parcels(self) -> None:
        public = unary_union([LineString(w.coords) for w in self.lines])
        self.public_lines = public
        self.status = self._community_status()
        prefixes = list(COMPOUND_PREFIX)
        self.rng.shuffle(prefixes)
        used_names: set[str] = set()
        for p in self.parcels:
            rect = box(self.gx[p["i0"]], self.gy[p["j0"]], self.gx[p["i1"]], self.gy[p["j1"]])
            inner = rect.buffer(-12.0, join_style="mitre")
            pieces = [
                g for g in shapely.get_parts(inner.difference(CANAL.buffer(32.0))) if g.area > 6000
            ]
            for piece in pieces:
                piece = shapely.set_precision(piece, 0.01)
                ci = self.community_of(piece.representative_point())
                if p["use"] == "park":
                    self._make_park(piece)
                elif p["use"] == "school":
                    self._make_school(piece, ci)
                elif p["use"] == "commercial":
                    self._make_commercial(piece, ci)
                elif p["use"] == "green":
                    self.areas.append(Area(piece, {"landuse": "grass"}))
                elif p["use"] in ("office", "industrial"):
                    self._make_other(piece, ci, p["use"])
                else:
                    self._make_compound(piece, rect, ci, prefixes, used_names)

    def _community_status(self) -> list[str]:
        out = []
        for c in self.communities:
            if c["beyond_canal"]:
                out.append("renovated")
                continue
            u = self.rng.random()
            out.append("new" if u < 0.30 else ("renovated" if u < 0.62 else "existing"))
        return out

    def _gates(
        self, piece: Polygon, rect: Polygon
    ) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """Candidate gates: midpoints of piece edges lying on the inset rectangle sides."""
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
            mx, my = _r(mx, 1), _r(my, 1)
            if abs(dy) < 1e-6:
                out_pt = (mx, my + (12.0 if my > cy else -12.0))
            else:
                out_pt = (mx + (12.0 if mx > cx else -12.0), my)
            if self.public_lines.distance(Point(out_pt)) < 0.01:
                out.append(((mx, my), out_pt))
        return out

    def _make_compound(
        self, piece: Polygon, rect: Polygon, ci: int, prefixes: list[str], used: set[str]
    ) -> None:
        gates = self._gates(piece, rect)
        if not gates or ci < 0:
            self.areas.append(Area(piece, {"landuse": "grass"}))
            return
        status = self.status[ci]
        # name
        while True:
            name = (
                prefixes[len(used) % len(prefixes)]
                + COMPOUND_WORDS[int(self.rng.integers(len(COMPOUND_WORDS)))]
            )
            if status == "renovated" and self.rng.random() < 0.5:
                name = prefixes[len(used) % len(prefixes)] + "新村"
            if len(used) >= len(prefixes):
                name = name + "二期" if name + "二期" not in used else name + "三期"
            if name not in used:
                break
            used.add(name + "#")
        used.add(name)
        self.areas.append(
            Area(piece, {"landuse": "residential", "name": name, "residential": "urban"})
        )
        comp = Compound(name, piece, ci)
        ring_poly = piece.buffer(-25.0, join_style="mitre")
        if ring_poly.is_empty or ring_poly.geom_type != "Polygon" or ring_poly.area < 2000:
            ring = None
        else:
            ring_poly = shapely.set_precision(ring_poly, 0.01)
            ring = ring_poly.exterior
            self.lines.append(
                Way(
                    list(ring.coords),
                    {"highway": "service", "access": "private", "name": name + "内部道路"},
                )
            )
        # choose up to 2 gates on different sides, stable order
        self.rng.shuffle(gates)
        gates = gates[: 2 if len(gates) > 1 and piece.area > 25_000 else 1]
        for (gx, gy), (sx, sy) in gates:
            comp.gates.append((gx, gy))
            self.lines.append(
                Way([(sx, sy), (gx, gy)], {"highway": "service", "service": "driveway"})
            )
            if ring is not None:
                np_ = nearest_points(Point(gx, gy), ring)[1]
                tx, ty = _r(np_.x, 2), _r(np_.y, 2)
                self.lines.append(
                    Way([(gx, gy), (tx, ty)], {"highway": "service", "access": "private"})
                )
            else:
                c = piece.centroid
                self.lines.append(
                    Way(
                        [(gx, gy), (_r(c.x, 2), _r(c.y, 2))],
                        {"highway": "footway", "access": "private"},
                    )
                )
            self.pois.append(
                {"x": gx, "y": gy, "tags": {"barrier": "gate", "access": "private"}, "gate": True}
            )
        # central private footway across large rectangular compounds
        footways = []
        if ring is not None:
            minx, miny, maxx, maxy = ring_poly.bounds
            if maxx - minx > 150 and abs(ring_poly.area - (maxx - minx) * (maxy - miny)) < 1:
                mx = _r((minx + maxx) / 2, 1)
                fw = LineString([(mx, miny), (mx, maxy)])
                footways.append(fw)
                self.lines.append(Way(list(fw.coords), {"highway": "footway", "access": "private"}))
        self.compounds.append(comp)
        self._place_residential_buildings(
            piece.buffer(-36.0, join_style="mitre"), ci, status, footways
        )

    def _place_residential_buildings(
        self, area: Polygon, ci: int, status: str, footways: list[LineString]
    ) -> None:
        if area.is_empty or area.area < 500:
            return
        rng = self.rng
        if status == "new":
            levels_choice = [11, 11, 14, 16, 18, 18]
            length, depth, gap = 34.0, 15.0, 42.0
            kind = "apartments"
        elif status == "renovated":
            levels_choice = [3, 4, 4, 5, 5, 6, 6, 6]
            length, depth, gap = 48.0, 11.0, 22.0
            kind = "residential"
        else:
            levels_choice = [6, 6, 6, 7, 9, 11, 11]
            length, depth, gap = 56.0, 12.5, 26.0
            kind = "residential"
        levels = int(rng.choice(levels_choice))
        height = 3.0 * levels
        pitch = depth + min(max(1.3 * height, 16.0), 50.0)  # sunlight spacing, about 1.3 H
        minx, miny, maxx, maxy = area.bounds
        block = unary_union([f.buffer(6.0) for f in footways]) if footways else None
        if area.area > 20_000:  # a central garden (中心绿地) in larger compounds
            c = area.centroid
            garden = box(
                c.x - 0.22 * (maxx - minx),
                c.y - 0.22 * (maxy - miny),
                c.x + 0.22 * (maxx - minx),
                c.y + 0.22 * (maxy - miny),
            )
            block = garden if block is None else block.union(garden)
        y = miny
        while y + depth <= maxy + 1e-9:
            x = minx
            while x + length <= maxx + 1e-9:
                b = box(x, y, x + length, y + depth)
                if b.within(area) and (block is None or not b.intersects(block)):
                    lv = levels if rng.random() < 0.8 else int(rng.choice(levels_choice))
                    b = shapely.set_precision(b, 0.01)
                    self.buildings.append(
                        {
                            "geom": b,
                            "levels": lv,
                            "kind": kind,
                            "community": ci,
                            "residential": True,
                        }
                    )
                x += length + gap
            y += pitch

    def _make_park(self, piece: Polygon) -> None:
        self.areas.append(
            Area(piece, {"leisure": "park", "name": "青澜公园", "name:zh": "青澜公园"})
        )
        minx, miny, maxx, maxy = piece.bounds
        cx, cy = _r((minx + maxx) / 2, 1), _r((miny + maxy) / 2, 1)
        # entrances from the four surrounding streets to the centre (paths), a loop path
        loop = box(minx + 40, miny + 60, maxx - 40, maxy - 60).exterior
        self.lines.append(
            Way(list(loop.coords), {"highway": "footway", "name": "青澜公园环园步道"})
        )
        ends = [(cx, miny - 12.0), (cx, maxy + 12.0), (minx - 12.0, cy), (maxx + 12.0, cy)]
        for ex, ey in ends:
            if self.public_lines.distance(Point(ex, ey)) > 0.01:
                continue
            self.lines.append(Way([(ex, ey), (cx, cy)], {"highway": "path", "surface": "gravel"}))
        # a small hill crossed by steps on the diagonal
        d0 = (minx + 40, miny + 60)
        d3 = (maxx - 40, maxy - 60)
        pts = [d0, (cx - 60.0, cy - 60.0), (cx - 30.0, cy - 30.0), (cx, cy)]
        kinds = ["path", "steps", "path"]
        for a, b, k in zip(pts[:-1], pts[1:], kinds, strict=True):
            tags = {"highway": k}
            if k == "steps":
                tags["step_count"] = "24"
            self.lines.append(Way([a, b], tags))
        pts = [(cx, cy), (cx + 30.0, cy + 30.0), (cx + 60.0, cy + 60.0), d3]
        for a, b, k in zip(pts[:-1], pts[1:], ["path", "steps", "path"], strict=True):
            tags = {"highway": k}
            if k == "steps":
                tags["step_count"] = "18"
            self.lines.append(Way([a, b], tags))

    def _make_school(self, piece: Polygon, ci: int) -> None:
        n = len([a for a in self.areas if a.tags.get("amenity") == "school"])
        name = ["澜岸小学", "梧桐实验学校", "濠西初级中学"][n]
        self.areas.append(Area(piece, {"amenity": "school", "name": name, "name:zh": name}))
        minx, _, _, maxy = piece.bounds
        b = shapely.set_precision(box(minx + 30, maxy - 60, minx + 110, maxy - 40), 0.01)
        self.buildings.append(
            {"geom": b, "levels": 4, "kind": "school", "community": ci, "residential": False}
        )
        b = shapely.set_precision(box(minx + 30, maxy - 110, minx + 110, maxy - 90), 0.01)
        self.buildings.append(
            {"geom": b, "levels": 4, "kind": "school", "community": ci, "residential": False}
        )
        # gate and an internal footway
        gates = self._gates(piece, piece.buffer(12.0, join_style="mitre"))
        if gates:
            (gx, gy), (sx, sy) = gates[0]
            c = piece.centroid
            self.lines.append(
                Way([(sx, sy), (gx, gy)], {"highway": "service", "service": "driveway"})
            )
            self.lines.append(
                Way(
                    [(gx, gy), (_r(c.x, 2), _r(c.y, 2))],
                    {"highway": "footway", "access": "private"},
                )
            )
            self.pois.append(
                {"x": gx, "y": gy, "tags": {"barrier": "gate", "access": "private"}, "gate": True}
            )

    def _make_commercial(self, piece: Polygon, ci: int) -> None:
        self.areas.append(Area(piece, {"landuse": "retail"}))
        minx, miny, maxx, maxy = piece.bounds
        if maxx - minx < 60 or maxy - miny < 60:
            return
        # a podium (retail, 3 levels) along the south edge and an office tower (commercial)
        mid = _r((minx + maxx) / 2, 1)
        levels = int(self.rng.choice([2, 3, 4]))
        for x0, x1 in ((minx + 5, mid - 8), (mid + 8, maxx - 5)):
            pod = shapely.set_precision(box(x0, miny + 5, x1, miny + 45), 0.01)
            if x1 - x0 > 20 and pod.within(piece):
                self.buildings.append(
                    {
                        "geom": pod,
                        "levels": levels,
                        "kind": "retail",
                        "community": ci,
                        "residential": False,
                    }
                )
        tw = shapely.set_precision(
            box(minx + 20, miny + 70, min(minx + 60, mid - 8), miny + 110), 0.01
        )
        if tw.within(piece):
            self.buildings.append(
                {
                    "geom": tw,
                    "levels": int(self.rng.choice([12, 18, 24])),
                    "kind": "commercial",
                    "community": ci,
                    "residential": False,
                }
            )
        # pedestrian footway through the block (public)
        x = _r((minx + maxx) / 2, 1)
        a, b = (x, miny - 12.0), (x, maxy + 12.0)
        if (
            self.public_lines.distance(Point(a)) < 0.01
            and self.public_lines.distance(Point(b)) < 0.01
        ):
            seg = LineString([a, b])
            if not seg.intersects(self.canal_zone):
                self.lines.append(Way([a, b], {"highway": "footway", "name": "步行街"}))
                # buildings must not sit on the footway
                self.buildings = [
                    bd
                    for bd in self.buildings
                    if not (bd["community"] == ci and bd["geom"].intersects(seg))
                ]

    def _make_other(self, piece: Polygon, ci: int, use: str) -> None:
        """Offices (landuse=commercial) or an old factory (landuse=industrial)."""
        self.areas.append(
            Area(piece, {"landuse": "commercial" if use == "office" else "industrial"})
        )
        minx, miny, maxx, maxy = piece.bounds
        if maxx - minx < 80 or maxy - miny < 80:
            return
        if use == "office":
            geom, levels, kind = (
                box(minx + 20, miny + 20, minx + 70, miny + 45),
                int(self.rng.choice([5, 8, 12])),
                "office",
            )
        else:
            geom, levels, kind = box(minx + 15, miny + 15, maxx - 15, miny + 60), 1, "industrial"
        geom = shapely.set_precision(geom, 0.01)
        if geom.within(piece):
            self.buildings.append(
                {
                    "geom": geom,
                    "levels": levels,
                    "kind": kind,
                    "community": ci,
                    "residential": False,
                }
            )

    # ---------------- noding ----------------------------------------------------------
    def node_network(self) -> None:
        """Split the lines into OSM ways whose meeting points are shared nodes.

        Lines meet where they cross or touch, and where an end of one line stops
        within SNAP_TOL_M of another (a street cut at the canal bank ends at a
        computed point a few millimetres off the promenade; a compound driveway
        starts 10 cm from a junction). Such points are merged into one node, as
        in real OSM, so that no way stops short of the way it is meant to join.
        """
        geoms = [LineString(w.coords) for w in self.lines]
        tree = shapely.STRtree(geoms)
        extra: list[list[tuple[float, float]]] = [[] for _ in geoms]
        links: list[tuple[tuple[float, float], tuple[float, float]]] = []
        left, right = tree.query(geoms, predicate="intersects")
        for a, b in zip(left, right, strict=True):
            if a >= b:
                continue
            inter = geoms[a].intersection(geoms[b])
            for part in shapely.get_parts(inter):
                if part.geom_type == "Point":
                    pts = [(part.x, part.y)]
                else:  # collinear overlap: use its endpoints
                    cs = list(part.coords) if part.geom_type == "LineString" else []
                    pts = [cs[0], cs[-1]] if cs else []
                for pt in pts:
                    extra[a].append(pt)
                    extra[b].append(pt)
        # ends that stop on or near another line meet it at its nearest point
        ends = [Point(c) for g in geoms for c in (g.coords[0], g.coords[-1])]
        near_e, near_b = tree.query(ends, predicate="dwithin", distance=SNAP_TOL_M)
        for e, b in sorted(zip(near_e.tolist(), near_b.tolist(), strict=True)):
            if e // 2 == b:
                continue
            p, g = ends[e], geoms[b]
            q = g.interpolate(g.project(p))
            extra[b].append((q.x, q.y))
            links.append(((p.x, p.y), (q.x, q.y)))
        # node candidates on the 5 cm grid; linked candidates become one node
        per_way: list[list[tuple[int, int]]] = []
        seen: dict[tuple[int, int], int] = {}  # key -> first-seen order
        uses: dict[tuple[int, int], int] = {}  # key -> how many ways pass through it
        for g, ex in zip(geoms, extra, strict=True):
            items = [(g.project(Point(c)), c) for c in g.coords]
            items += [(g.project(Point(c)), c) for c in ex]
            items.sort(key=lambda t: t[0])
            keys: list[tuple[int, int]] = []
            for _, c in items:
                k = _node_key(c)
                if not keys or keys[-1] != k:
                    keys.append(k)
            per_way.append(keys)
            for k in dict.fromkeys(keys):
                seen.setdefault(k, len(seen))
                uses[k] = uses.get(k, 0) + 1
        parent = {k: k for k in seen}

        def find(k: tuple[int, int]) -> tuple[int, int]:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for c1, c2 in links:
            r1, r2 = find(_node_key(c1)), find(_node_key(c2))
            if r1 != r2:
                # the node stays where most ways already pass (a junction), else the first seen
                keep, drop = sorted((r1, r2), key=lambda k: (-uses[k], seen[k]))
                parent[drop] = keep
        self.node_key: dict[tuple[int, int], int] = {}
        self.node_xy: list[tuple[float, float]] = []
        root_id: dict[tuple[int, int], int] = {}
        self.ways: list[tuple[list[int], dict[str, str]]] = []
        for keys, w in zip(per_way, self.lines, strict=True):
            ids: list[int] = []
            for k in keys:
                r = find(k)
                nid = root_id.get(r)
                if nid is None:
                    nid = len(self.node_xy)
                    root_id[r] = nid
                    self.node_xy.append((r[0] / NODE_GRID_PER_M, r[1] / NODE_GRID_PER_M))
                self.node_key[k] = nid
                if not ids or ids[-1] != nid:
                    ids.append(nid)
            body = ids[:-1] if len(ids) > 2 and ids[0] == ids[-1] else ids
            if len(set(body)) != len(body):
                raise RuntimeError(f"way {w.tags} passes a node twice after snapping")
            if len(ids) >= 2:
                self.ways.append((ids, w.tags))

    def graph_arrays(self) -> tuple[np.ndarray, np.ndarray, Any]:
        xy = np.array(self.node_xy)
        us, vs, ls = [], [], []
        for ids, _ in self.ways:
            for a, b in pairwise(ids):
                us.append(a)
                vs.append(b)
                ls.append(float(np.hypot(*(xy[a] - xy[b]))))
        n = len(xy)
        m = coo_matrix((ls + ls, (us + vs, vs + us)), shape=(n, n)).tocsr()
        m.sum_duplicates()  # parallel segments are identical here (same length)
        return xy, np.array(us), m

    # ---------------- facilities ------------------------------------------------------
    def frontage_point(self, ci: int) -> tuple[float, float, str]:
        """A random shop-front point 8-14 m from a public street inside community ci."""
        cand = self._frontage_segments(ci)
        for _ in range(200):
            k = int(self.rng.integers(len(cand)))
            line, name = cand[k]
            t = self.rng.uniform(0.15, 0.85)
            p = line.interpolate(t, normalized=True)
            (ax, ay), (bx, by) = line.coords[0], line.coords[-1]
            length = math.hypot(bx - ax, by - ay)
            nxv, nyv = -(by - ay) / length, (bx - ax) / length
            off = self.rng.uniform(8.0, 14.0) * (1 if self.rng.random() < 0.5 else -1)
            q = Point(p.x + nxv * off, p.y + nyv * off)
            if self.community_of(q) == ci and not q.within(self.canal_zone.buffer(5.0)):
                return (q.x, q.y, name)
        raise RuntimeError(f"no frontage point in community {ci}")

    def near_point(self, ci: int, x: float, y: float, road: str) -> tuple[float, float, str]:
        """A shop 10-40 m from (x, y) in the same community (a neighbour on the same street)."""
        for _ in range(50):
            ang = self.rng.uniform(0.0, 2.0 * math.pi)
            d = self.rng.uniform(10.0, 40.0)
            q = Point(x + d * math.cos(ang), y + d * math.sin(ang))
            if self.community_of(q) == ci and not q.within(self.canal_zone):
                return (q.x, q.y, road)
        return (x, y, road)

    def _frontage_segments(self, ci: int) -> list[tuple[LineString, str]]:
        cache = getattr(self, "_front_cache", {})
        self._front_cache = cache
        if ci in cache:
            return cache[ci]
        geom = self.communities[ci]["geom"]
        out = []
        for w in self.lines:
            if w.tags.get("highway") not in {"primary", "secondary", "tertiary", "residential"}:
                continue
            if "bridge" in w.tags:
                continue
            ls = LineString(w.coords)
            if ls.length > 30 and ls.buffer(14.0).intersection(geom).area > 0.3 * ls.length * 14:
                out.append((ls, w.tags["name"]))
        cache[ci] = out
        return out


def _ne_side_polygon() -> Polygon:
    """The part of the frame north-east of the canal centreline."""
    c = list(CANAL.coords)
    ring = [*c, (4500.0, 1790.0), (4500.0, 3500.0), (2450.0, 3500.0)]
    return Polygon(ring).intersection(box(0.0, 0.0, WIDTH, HEIGHT))


# --------------------------------------------------------------------------------------
# population and the community table
# --------------------------------------------------------------------------------------

HOUSEHOLDS_TARGET = 32_000


def make_population(city: City) -> pd.DataFrame:
    rng = city.rng
    n = len(city.communities)
    res_gfa = np.zeros(n)
    all_gfa = np.zeros(n)
    for b in city.buildings:
        gfa = b["geom"].area * b["levels"]
        all_gfa[b["community"]] += gfa
        if b["residential"]:
            res_gfa[b["community"]] += gfa
    area_per_hh = np.array(
        [
            {
                "new": rng.uniform(100, 125),
                "renovated": rng.uniform(62, 78),
                "existing": rng.uniform(80, 98),
            }[s]
            for s in city.status
        ]
    )
    raw = res_gfa / area_per_hh
    scale = HOUSEHOLDS_TARGET / raw.sum()
    log.info("household scale factor %.3f (1 = floor area per household as drawn)", scale)
    # 社区 are drawn to hold 1,000-3,500 households: blend floor-area shares with an even split
    blended = 0.6 * raw * scale + 0.4 * HOUSEHOLDS_TARGET / n
    hh = np.array([int(_r(v * rng.uniform(0.97, 1.03))) for v in blended])
    pph = rng.uniform(2.66, 2.94, n)
    residents = np.array([int(_r(h * p)) for h, p in zip(hh, pph, strict=True)])
    share60 = np.array(
        [
            {
                "new": rng.uniform(0.19, 0.23),
                "renovated": rng.uniform(0.28, 0.33),
                "existing": rng.uniform(0.24, 0.28),
            }[s]
            for s in city.status
        ]
    )
    aged60 = np.array([int(_r(r * s)) for r, s in zip(residents, share60, strict=True)])
    share03 = rng.uniform(0.018, 0.03, n)
    aged03 = np.array([int(_r(r * s)) for r, s in zip(residents, share03, strict=True)])
    # Floor areas as the planning bureau tabulates them (buildings + ancillary, rounded to 10 m2).
    total_floor = np.array([_r(g * rng.uniform(1.04, 1.10), -1) for g in all_gfa])
    idx = np.arange(n)
    # R5: commerce + comprehensive service >= 10 % of total; three new and one older
    # community fail (rules.toml applies R5 to new areas only)
    new_idx = [i for i in idx if city.status[i] == "new"]
    old_idx = [i for i in idx if city.status[i] != "new"]
    r5_fail = set(rng.choice(new_idx, size=3, replace=False).tolist())
    r5_fail |= set(rng.choice(old_idx, size=1).tolist())
    ratio = np.array(
        [rng.uniform(0.055, 0.092) if i in r5_fail else rng.uniform(0.105, 0.165) for i in idx]
    )
    commerce = np.array([_r(t * r, -1) for t, r in zip(total_floor, ratio, strict=True)])
    # R4 quotas: new >= 30 / 20, renovated >= 20 / 15 m2 per 100 households
    eligible = [i for i in idx if city.status[i] in ("new", "renovated")]
    r4e_fail = set(rng.choice(eligible, size=3, replace=False).tolist())
    r4c_fail = set(rng.choice(eligible, size=3, replace=False).tolist())
    elderly_per100 = []
    child_per100 = []
    for i in idx:
        s = city.status[i]
        if s == "new":
            e = rng.uniform(18, 27) if i in r4e_fail else rng.uniform(31, 45)
            c = rng.uniform(10, 17) if i in r4c_fail else rng.uniform(21, 30)
        elif s == "renovated":
            e = rng.uniform(11, 18) if i in r4e_fail else rng.uniform(21, 32)
            c = rng.uniform(8, 13) if i in r4c_fail else rng.uniform(15.5, 24)
        else:
            e = rng.uniform(14, 34)
            c = rng.uniform(9, 24)
        elderly_per100.append(e)
        child_per100.append(c)
    elderly_area = np.array([_r(h / 100 * e, -1) for h, e in zip(hh, elderly_per100, strict=True)])
    child_area = np.array([_r(h / 100 * c, -1) for h, c in zip(hh, child_per100, strict=True)])
    df = pd.DataFrame(
        {
            "社区代码": [c["code"] for c in city.communities],
            "社区名称": [c["name"] for c in city.communities],
            "户数": hh,
            "常住人口": residents,
            "60岁以上人口": aged60,
            "0-3岁人口": aged03,
            "小区类型": [STATUS_ZH[s] for s in city.status],
            "总建筑面积(㎡)": total_floor.astype(int),
            "商业及综合服务建筑面积(㎡)": commerce.astype(int),
            "养老服务设施建筑面积(㎡)": elderly_area.astype(int),
            "托育服务设施建筑面积(㎡)": child_area.astype(int),
        }
    )
    city.res_gfa = res_gfa
    city.table = df
    return df


# --------------------------------------------------------------------------------------
# facilities (Amap-style export) and OSM POIs
# --------------------------------------------------------------------------------------

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
    "photo_print": [("生活服务;摄影冲印店;摄影冲印", "070900")],
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

# key -> (count, placement): "pop" = allocated by population, "spread" = spread out
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
# communities whose residents should not have a vegetable market nearby: the corner
# beyond the canal, and the communities next to its bridges (markets there would be
# within 15 minutes of the corner).
INFANT_CARE_COMMUNITIES = 10
N_HUBS = 14


def _allocate_by_pop(rng: np.random.Generator, weights: np.ndarray, n: int) -> list[int]:
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


class _Snap:
    """Points snapped to network edges: edge end nodes, distances along to each, access."""

    def __init__(
        self, u: np.ndarray, v: np.ndarray, to_u: np.ndarray, to_v: np.ndarray, acc: np.ndarray
    ) -> None:
        self.u, self.v, self.to_u, self.to_v, self.acc = u, v, to_u, to_v, acc

    def from_nodes(self, dnode: np.ndarray) -> np.ndarray:
        """Distance of each snapped point given node distances `dnode`."""
        return np.minimum(dnode[..., self.u] + self.to_u, dnode[..., self.v] + self.to_v) + self.acc


class _Reach:
    """Network distances on the generator's own graph, with points snapped to edges.

    A point snaps to its exact nearest edge (shapely's STRtree; of equally near
    edges, the first) at the foot of the perpendicular.
    """

    def __init__(self, city: City) -> None:
        xy, _, adj = city.graph_arrays()
        self.xy, self.adj, self.n = xy, adj, len(xy)
        coo = adj.tocoo()
        keep = coo.row < coo.col
        eu, ev, el = coo.row[keep], coo.col[keep], coo.data[keep]
        self.eu, self.ev, self.el = eu, ev, el
        self.edges = shapely.linestrings(np.stack([xy[eu], xy[ev]], axis=1))
        self.etree = shapely.STRtree(self.edges)
        res = [b for b in city.buildings if b["residential"]]
        self.bxy = np.array([[b["geom"].centroid.x, b["geom"].centroid.y] for b in res])
        self.bcomm = np.array([b["community"] for b in res])
        bgfa = np.array([b["geom"].area * b["levels"] for b in res])
        pop = city.table["常住人口"].to_numpy(dtype=float)
        self.w = pop[self.bcomm] * bgfa / city.res_gfa[self.bcomm]
        self.bsnap = self.snap(self.bxy)

    def snap(self, pxy: np.ndarray) -> _Snap:
        pts = shapely.points(np.asarray(pxy, dtype=float))
        (pi, ei), dist = self.etree.query_nearest(pts, all_matches=True, return_distance=True)
        order = np.lexsort((ei, pi))  # per point, the lowest edge index among ties
        first = np.unique(pi[order], return_index=True)[1]
        if len(first) != len(pts):
            raise RuntimeError("a point has no nearest edge")
        e, acc = ei[order][first], dist[order][first]
        along = np.clip(shapely.line_locate_point(self.edges[e], pts), 0.0, self.el[e])
        return _Snap(self.eu[e], self.ev[e], along, self.el[e] - along, acc)

    def _sources(self, nodes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Distance from a virtual source joined to `nodes` with `offsets` to every node."""
        # collapse duplicate nodes to their smallest offset (a CSR matrix would add them up)
        best = np.full(self.n, np.inf)
        np.minimum.at(best, nodes, offsets)
        nodes = np.flatnonzero(np.isfinite(best))
        offsets = best[nodes]
        coo = self.adj.tocoo()
        m = coo_matrix(
            (
                np.concatenate([coo.data, offsets + 1e-9]),
                (
                    np.concatenate([coo.row, np.full(len(nodes), self.n)]),
                    np.concatenate([coo.col, nodes]),
                ),
            ),
            shape=(self.n + 1, self.n + 1),
        ).tocsr()
        return dijkstra(m, directed=True, indices=self.n)[: self.n]

    def _from_snapped(self, s: _Snap) -> np.ndarray:
        nodes = np.concatenate([s.u, s.v])
        offsets = np.concatenate([s.to_u + s.acc, s.to_v + s.acc])
        return self._sources(nodes, offsets)

    def distance_from_buildings(self, mask: np.ndarray) -> np.ndarray:
        b = self.bsnap
        return self._from_snapped(
            _Snap(b.u[mask], b.v[mask], b.to_u[mask], b.to_v[mask], b.acc[mask])
        )

    def at_points(self, dnode: np.ndarray, pxy: np.ndarray) -> np.ndarray:
        return self.snap(pxy).from_nodes(dnode)

    def to_buildings(self, pxy: np.ndarray) -> np.ndarray:
        return self.bsnap.from_nodes(self._from_snapped(self.snap(pxy)))

    def greedy(
        self,
        pts: list[tuple[float, float]],
        n: int,
        rng: np.random.Generator,
        *,
        exclude: np.ndarray | None = None,
        top: int = 3,
        fixed: list[int] | None = None,
    ) -> list[int]:
        """Pick n candidates, each time one of the `top` that add most residents within 1200 m.

        Candidates in `fixed` are taken first, whatever they add.
        """
        s = self.snap(np.array(pts))
        du = dijkstra(self.adj, indices=s.u, limit=WALK_LIMIT_M)
        dv = dijkstra(self.adj, indices=s.v, limit=WALK_LIMIT_M)
        dnode = np.minimum(du + (s.to_u + s.acc)[:, None], dv + (s.to_v + s.acc)[:, None])
        cover = self.bsnap.from_nodes(dnode) <= WALK_LIMIT_M
        w = self.w.copy()
        if exclude is not None:
            w[exclude] = 0.0
        covered = np.zeros(len(w), dtype=bool)
        chosen: list[int] = list(fixed or [])
        for k in chosen:
            covered |= cover[k]
        for _ in range(n - len(chosen)):
            gain = (cover[:, ~covered] * w[~covered]).sum(axis=1)
            gain[chosen] = -1.0
            best = np.argsort(-gain, kind="stable")[:top]
            k = int(best[int(rng.integers(len(best)))])
            chosen.append(k)
            covered |= cover[k]
        return chosen


def make_facilities(city: City) -> pd.DataFrame:
    rng = city.rng
    comms = city.communities
    pop = city.table["常住人口"].to_numpy(dtype=float)
    everyone = list(range(len(comms)))
    corner = [i for i, c in enumerate(comms) if c["beyond_canal"]]
    reach = _Reach(city)
    corner_b = np.isin(reach.bcomm, corner)
    d_corner = reach.distance_from_buildings(corner_b)
    # Neighbourhood shopping streets (hubs): most basic-guarantee types have one shop
    # at each, as in real 社区商业 clusters; the rest are spread or follow population.
    hub_cand = [(ci, *city.frontage_point(ci)) for ci in everyone for _ in range(6)]
    hubs = [hub_cand[k] for k in reach.greedy([(c[1], c[2]) for c in hub_cand], N_HUBS, rng, top=1)]
    hub_d_corner = reach.at_points(d_corner, np.array([[h[1], h[2]] for h in hubs]))
    rows: list[dict[str, Any]] = []
    for key, (n_total, how) in PLAN.items():
        at_hubs = []
        if key in BASIC:
            for h, dc in zip(hubs, hub_d_corner, strict=True):
                if key == "vegetable_market" and (h[0] in corner or dc <= 1280.0):
                    continue
                at_hubs.append((h[0], city.near_point(h[0], h[1], h[2], h[3])))
        n = n_total - len(at_hubs)
        if how == "pop":
            # a third placed where they reach most residents, the rest where people live
            cand = [(ci, *city.frontage_point(ci)) for ci in everyone for _ in range(4)]
            chosen = reach.greedy([(c[1], c[2]) for c in cand], n // 3, rng)
            where = [cand[k][0] for k in chosen] + _allocate_by_pop(rng, pop, n - n // 3)
            pts = [cand[k][1:] for k in chosen] + [
                city.frontage_point(ci) for ci in where[len(chosen) :]
            ]
        elif how in ("spread", "market"):
            allowed = [i for i in everyone if how == "spread" or i not in corner]
            cand = [(ci, *city.frontage_point(ci)) for ci in allowed for _ in range(6)]
            fixed = None
            if how == "market":  # keep every market more than 1.3 km from the corner's homes
                cxy = np.array([[c[1], c[2]] for c in cand])
                dc = reach.at_points(d_corner, cxy)
                keep = dc > 1280.0
                cand = [c for c, k in zip(cand, keep, strict=True) if k]
                # one market just out of the corner's reach, so the planted gap is a near
                # miss (one new market closes it) rather than whatever the draws leave
                fixed = [int(np.argmin(dc[keep]))]
            chosen = reach.greedy(
                [(c[1], c[2]) for c in cand],
                n,
                rng,
                exclude=corner_b if how == "market" else None,
                fixed=fixed,
            )
            where = [cand[k][0] for k in chosen]
            pts = [cand[k][1:] for k in chosen]
        elif how == "infant":
            where = sorted(
                rng.choice(everyone, size=INFANT_CARE_COMMUNITIES, replace=False).tolist()
            )
            where.append(where[0])  # one community has two institutions
            pts = [city.frontage_point(ci) for ci in where]
        elif how == "centre":
            where = []
            for si in range(len(STREETS)):
                if STREETS[si][0] == STREET_WITHOUT_CENTRE:
                    continue
                members = [
                    i for i, c in enumerate(comms) if c["street"] == si and not c["beyond_canal"]
                ]
                where.append(members[int(rng.integers(len(members)))])
            pts = [city.frontage_point(ci) for ci in where]
        else:
            raise KeyError(how)
        where = [h[0] for h in at_hubs] + list(where)
        pts = [h[1] for h in at_hubs] + list(pts)
        for k, (ci, (x, y, road)) in enumerate(zip(where, pts, strict=True)):
            rows.append(_facility_row(city, key, k, ci, x, y, road))
    # noise: ordinary POIs an Amap export also contains (no category)
    noise = [
        ("{s}记饭店", "餐饮服务;中餐厅;中餐厅", "050100"),
        ("澜城农商银行({r}支行)", "金融保险服务;银行;银行", "160100"),
        ("{s}氏五金店", "购物服务;家居建材市场;五金店", "061200"),
        ("{r}宾馆", "住宿服务;宾馆酒店;宾馆酒店", "100100"),
        ("{s}记面馆", "餐饮服务;中餐厅;中餐厅", "050100"),
    ]
    for k in range(15):
        ci = int(rng.integers(len(comms)))
        x, y, road = city.frontage_point(ci)
        tmpl, typ, code = noise[k % len(noise)]
        name = tmpl.format(s=SURNAMES[int(rng.integers(len(SURNAMES)))], r=road)
        rows.append(_base_row(city, None, name, typ, code, ci, x, y, road))
    df = pd.DataFrame(rows)
    # GCJ-02 coordinates as an Amap export gives them
    lon, lat = _local_to_wgs84(df["x"].to_numpy(), df["y"].to_numpy())
    glon, glat = wgs84_to_gcj02(lon, lat)
    df["lon_wgs84"] = lon
    df["lat_wgs84"] = lat
    df["经度"] = [f"{v:.6f}" for v in glon]
    df["纬度"] = [f"{v:.6f}" for v in glat]
    order = rng.permutation(len(df))
    df = df.iloc[order].reset_index(drop=True)
    df["facility_no"] = np.arange(1, len(df) + 1)
    city.facilities = df
    return df


def _base_row(
    city: City,
    key: str | None,
    name: str,
    typ: str,
    code: str,
    ci: int,
    x: float,
    y: float,
    road: str,
) -> dict[str, Any]:
    num = int(city.rng.integers(1, 400))
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
    city: City, key: str, k: int, ci: int, x: float, y: float, road: str
) -> dict[str, Any]:
    rng = city.rng
    comm = city.communities[ci]["name"]
    cshort = comm.removesuffix("社区")
    street = STREETS[city.communities[ci]["street"]][1]
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
        attrs["建筑面积(㎡)"] = str(int(_r(rng.uniform(800, 3000), -1)))
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
        attrs["建筑面积(㎡)"] = str(int(_r(int(attrs["托位数"]) * rng.uniform(8, 11), -1)))
        attrs["是否普惠"] = "是" if rng.random() < 0.55 else "否"
        attrs["是否示范"] = "是" if rng.random() < 0.2 else "否"
    elif key == "elderly_centre":
        name = f"{street}综合养老服务中心"
        beds = int(rng.choice([30, 40]))
        attrs["建筑面积(㎡)"] = str(int(_r(rng.uniform(1100, 1600), -1)))
        attrs["床位数"] = str(beds)
        attrs["护理型床位数"] = str(int(beds * 0.6))
    elif key == "elderly_station":
        name = f"{comm}养老服务站" if k % 3 else f"{comm}日间照料中心"
        attrs["建筑面积(㎡)"] = str(int(_r(rng.uniform(200, 420), -1)))
    elif key == "nursing_home":
        name = [f"{DISTRICT_NAME}社会福利院", f"{cshort}敬老院", "康乐养老院", "颐和养老院"][k % 4]
        beds = int(rng.choice([80, 120, 160, 240]))
        attrs["床位数"] = str(beds)
        attrs["护理型床位数"] = str(int(_r(beds * rng.uniform(0.55, 0.75))))
        attrs["建筑面积(㎡)"] = str(int(_r(beds * rng.uniform(35, 45), -1)))
    elif key == "elderly_education":
        name = f"{street}老年大学教学点" if k % 2 == 0 else f"{cshort}老年学校"
    else:
        raise KeyError(key)
    row = _base_row(city, key, name, typ, code, ci, x, y, road)
    row.update(attrs)
    return row


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


def make_osm_pois(city: City) -> list[dict[str, Any]]:
    """OSM POI nodes: mostly the same places as Amap rows, mapped 3-18 m apart."""
    rng = city.rng
    df = city.facilities
    out = []
    for key, quota in OSM_POI_QUOTA.items():
        sub = df[df["category"] == key]
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
                {
                    "x": r["x"] + d * math.cos(ang),
                    "y": r["y"] + d * math.sin(ang),
                    "tags": tags,
                    "category": key,
                    "amap_no": int(r["facility_no"]),
                }
            )
    # a few OSM-only POIs
    for k in range(4):
        ci = int(rng.integers(len(city.communities)))
        x, y, _ = city.frontage_point(ci)
        key = ["convenience_store", "pharmacy", "barber", "convenience_store"][k]
        name = ["街角便利店", "安康药房", "小李理发", "夜猫便利店"][k]
        tags = dict(OSM_TAGS[key])
        tags.update({"name": name, "name:zh": name})
        out.append({"x": x, "y": y, "tags": tags, "category": key, "amap_no": None})
    city.osm_pois = out
    return out


# --------------------------------------------------------------------------------------
# measuring the sample: the ground truth written to README.md and ground_truth.json
# --------------------------------------------------------------------------------------

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


def measure(city: City) -> dict[str, Any]:
    _, _, adj = city.graph_arrays()
    ncomp, _labels = connected_components(adj, directed=False)
    if ncomp != 1:
        raise RuntimeError(f"walking network has {ncomp} components")
    reach = _Reach(city)
    bxy, bcomm, w = reach.bxy, reach.bcomm, reach.w
    pop = city.table["常住人口"].to_numpy(dtype=float)
    fac = city.facilities
    fxy = fac[["x", "y"]].to_numpy(dtype=float)
    out: dict[str, Any] = {"categories": {}, "per_community": {}}
    ncomm = len(city.communities)
    share = {}
    dist_by_cat = {}
    for key in PLAN:
        sel = np.flatnonzero((fac["category"] == key).to_numpy())
        bd = reach.to_buildings(fxy[sel])
        dist_by_cat[key] = bd
        within = bd <= WALK_LIMIT_M
        share[key] = float((w * within).sum() / w.sum())
        per_c = np.bincount(bcomm, weights=w * within, minlength=ncomm) / np.bincount(
            bcomm, weights=w, minlength=ncomm
        )
        out["categories"][key] = {
            "count": len(sel),
            "share_residents_within_1200m": round(share[key], 4),
            "communities_majority_within_1200m": int((per_c >= 0.5).sum()),
        }
        for ci in range(ncomm):
            out["per_community"].setdefault(city.communities[ci]["code"], {})[key] = round(
                float(per_c[ci]), 4
            )
    # the corner beyond the canal and its vegetable market
    corner_idx = [i for i, c in enumerate(city.communities) if c["beyond_canal"]]
    mask = np.isin(bcomm, corner_idx)
    dm = dist_by_cat["vegetable_market"][mask]
    wm = w[mask]
    order = np.argsort(dm)
    cum = np.cumsum(wm[order]) / wm.sum()
    median = float(dm[order][np.searchsorted(cum, 0.5)])
    out["corner"] = {
        "communities": [city.communities[i]["code"] for i in corner_idx],
        "names": [city.communities[i]["name"] for i in corner_idx],
        "residents": int(pop[corner_idx].sum()),
        "market_distance_m_min": round(float(dm.min()), 1),
        "market_distance_m_median": round(median, 1),
        "market_distance_m_max": round(float(dm.max()), 1),
        "share_within_1200m": round(float((wm * (dm <= WALK_LIMIT_M)).sum() / wm.sum()), 4),
    }
    # straight-line distance from the corner to the nearest market (shows the canal effect)
    mxy = fxy[(fac["category"] == "vegetable_market").to_numpy()]
    straight = cKDTree(mxy).query(bxy[mask])[0]
    out["corner"]["market_straight_m_min"] = round(float(straight.min()), 1)
    city.dist_by_cat = dist_by_cat
    city.res_w = w
    city.res_comm = bcomm
    return out


def rule_truth(city: City, meas: dict[str, Any]) -> dict[str, Any]:
    t = city.table
    fac = city.facilities
    comms = city.communities
    truth: dict[str, Any] = {}
    w, bcomm = city.res_w, city.res_comm
    ncomm = len(comms)

    def share_by_comm(ok: np.ndarray) -> np.ndarray:
        num = np.bincount(bcomm, weights=w * ok, minlength=ncomm)
        return num / np.bincount(bcomm, weights=w, minlength=ncomm)

    # R1 (indicative): share of each 社区's residents reaching every basic type within 1,200 m
    all_basic = np.all([city.dist_by_cat[k] <= WALK_LIMIT_M for k in BASIC], axis=0)
    r1 = share_by_comm(all_basic)
    truth["R1_all_basic_within_1200m"] = {
        "categories": BASIC,
        "share_by_community": {comms[i]["code"]: round(float(r1[i]), 4) for i in range(ncomm)},
        "communities_at_least_0.9": int((r1 >= 0.9).sum()),
        "communities_at_least_0.5": int((r1 >= 0.5).sum()),
        "note": "residents at building centroids; communities within a few points of 0.9 may flip in an engine that places residents differently",
    }
    # R3 as rules.toml words it: inside, or half of the residents within 500 m
    near500 = share_by_comm(city.dist_by_cat["infant_care"] <= 500.0)
    truth["R3_infant_care_500m_share_by_community"] = {
        comms[i]["code"]: round(float(near500[i]), 4) for i in range(ncomm)
    }
    # R2
    centres = fac[fac["category"] == "elderly_centre"]
    street_has = {}
    for si, (code, name, _) in enumerate(STREETS):
        n = int(sum(comms[int(c)]["street"] == si for c in centres["community"]))
        street_has[DISTRICT_CODE + code + "000"] = {"name": name, "elderly_centres": n}
    truth["R2_elderly_centres_per_street"] = street_has
    # R3
    inside = sorted(
        {comms[int(c)]["code"] for c in fac.loc[fac["category"] == "infant_care", "community"]}
    )
    served = sorted(
        set(inside)
        | {c for c, v in truth["R3_infant_care_500m_share_by_community"].items() if v >= 0.5}
    )
    truth["R3_infant_care"] = {
        "communities_with_institution_inside": inside,
        "share_inside": round(len(inside) / len(comms), 4),
        "communities_inside_or_half_within_500m": served,
        "share_inside_or_half_within_500m": round(len(served) / len(comms), 4),
        "communities_majority_within_1200m": meas["categories"]["infant_care"][
            "communities_majority_within_1200m"
        ],
    }
    # R4
    r4 = []
    for _, r in t.iterrows():
        status = r["小区类型"]
        if status not in ("新建", "改造"):
            continue
        e = r["养老服务设施建筑面积(㎡)"] / (r["户数"] / 100)
        c = r["托育服务设施建筑面积(㎡)"] / (r["户数"] / 100)
        te, tc = (30.0, 20.0) if status == "新建" else (20.0, 15.0)
        r4.append(
            {
                "community_id": r["社区代码"],
                "name": r["社区名称"],
                "status": status,
                "households": int(r["户数"]),
                "elderly_m2_per_100hh": round(float(e), 2),
                "elderly_target": te,
                "elderly_pass": bool(e >= te),
                "elderly_shortfall_m2": round(
                    max(0.0, te * r["户数"] / 100 - r["养老服务设施建筑面积(㎡)"]), 1
                ),
                "childcare_m2_per_100hh": round(float(c), 2),
                "childcare_target": tc,
                "childcare_pass": bool(c >= tc),
                "childcare_shortfall_m2": round(
                    max(0.0, tc * r["户数"] / 100 - r["托育服务设施建筑面积(㎡)"]), 1
                ),
            }
        )
    truth["R4_floor_area_quotas"] = r4
    # R5
    r5 = []
    for _, r in t.iterrows():
        ratio = r["商业及综合服务建筑面积(㎡)"] / r["总建筑面积(㎡)"]
        r5.append(
            {
                "community_id": r["社区代码"],
                "name": r["社区名称"],
                "ratio": round(float(ratio), 4),
                "pass": bool(ratio >= 0.10),
                "shortfall_m2": round(
                    max(0.0, 0.10 * r["总建筑面积(㎡)"] - r["商业及综合服务建筑面积(㎡)"]), 1
                ),
            }
        )
    truth["R5_commerce_share"] = r5
    truth["R5_failing_new_communities"] = sorted(
        x["community_id"]
        for x, st in zip(r5, city.status, strict=True)
        if not x["pass"] and st == "new"
    )
    # R6
    st = sorted(
        {comms[int(c)]["code"] for c in fac.loc[fac["category"] == "elderly_station", "community"]}
    )
    ed = sorted(
        {
            comms[int(c)]["code"]
            for c in fac.loc[fac["category"] == "elderly_education", "community"]
        }
    )
    # served as rules.toml words R6: inside, or half the 60+ within 15 min at 54 m/min (810 m)
    elderly_walk = 15 * 54.0
    near_st = share_by_comm(
        np.minimum(city.dist_by_cat["elderly_station"], city.dist_by_cat["elderly_centre"])
        <= elderly_walk
    )
    near_ed = share_by_comm(city.dist_by_cat["elderly_education"] <= elderly_walk)
    centre_in = {
        comms[int(c)]["code"] for c in fac.loc[fac["category"] == "elderly_centre", "community"]
    }
    st_served = sorted(
        set(st) | centre_in | {comms[i]["code"] for i in range(ncomm) if near_st[i] >= 0.5}
    )
    ed_served = sorted(set(ed) | {comms[i]["code"] for i in range(ncomm) if near_ed[i] >= 0.5})
    truth["R6"] = {
        "communities_with_elderly_station_inside": st,
        "communities_with_elderly_education_inside": ed,
        "communities_station_or_centre_inside_or_half_within_810m": st_served,
        "communities_education_inside_or_half_within_810m": ed_served,
    }
    # R7-R9
    places = pd.to_numeric(fac["托位数"], errors="coerce").fillna(0).sum()
    residents = int(t["常住人口"].sum())
    beds = pd.to_numeric(fac["床位数"], errors="coerce").fillna(0).sum()
    nbeds = pd.to_numeric(fac["护理型床位数"], errors="coerce").fillna(0).sum()
    ic = fac[fac["category"] == "infant_care"]
    truth["R7_childcare_places_per_1000"] = {
        "places": int(places),
        "residents": residents,
        "value": round(float(places / residents * 1000), 3),
        "target": 4.5,
        "pass": bool(places / residents * 1000 > 4.5),
        "note": "places = 托位数 of infant-care institutions and kindergartens with 托班",
    }
    truth["R8_nursing_bed_share"] = {
        "beds": int(beds),
        "nursing_beds": int(nbeds),
        "value": round(float(nbeds / beds), 4),
        "target": 0.75,
        "pass": bool(nbeds / beds >= 0.75),
    }
    truth["R9_infant_care_flags"] = {
        "inclusive": int((ic["是否普惠"] == "是").sum()),
        "demonstration": int((ic["是否示范"] == "是").sum()),
        "targets_city": {"inclusive": 60, "demonstration": 15},
    }
    return truth


# --------------------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    return f"{v:.7f}"


def write_osm(city: City, path: Path) -> dict[str, int]:
    t = Transformer.from_crs(WORKING_CRS, "EPSG:4326", always_xy=True)
    nodes: list[tuple[float, float, dict[str, str]]] = []  # local x, y, tags
    for x, y in city.node_xy:
        nodes.append((x, y, {}))
    gate_count = 0
    for p in city.pois:
        if p.get("gate"):
            nid = city.node_key[_node_key((p["x"], p["y"]))]
            nodes[nid][2].update(p["tags"])
            gate_count += 1
    ways: list[tuple[list[int], dict[str, str]]] = list(city.ways)
    n_net_ways = len(ways)

    def add_ring(poly: Polygon, tags: dict[str, str]) -> None:
        ring = shapely.set_precision(poly, 0.01).exterior
        if not ring.is_ccw:
            ring = LineString(list(ring.coords)[::-1])
        cs = list(ring.coords)[:-1]
        ids = []
        for x, y in cs:
            ids.append(len(nodes))
            nodes.append((x, y, {}))
        ways.append(([*ids, ids[0]], tags))

    # canal line and water area
    canal_ids = []
    for x, y in CANAL.coords:
        canal_ids.append(len(nodes))
        nodes.append((x, y, {}))
    ways.append((canal_ids, {"waterway": "canal", "name": CANAL_NAME, "name:zh": CANAL_NAME}))
    add_ring(city.water, {"natural": "water", "water": "canal", "name": CANAL_NAME})
    for a in city.areas:
        add_ring(a.polygon, a.tags)
    for k, b in enumerate(city.buildings):
        tags = {"building": b["kind"], "building:levels": str(b["levels"])}
        if b["residential"]:
            tags["addr:housenumber"] = f"{k % 40 + 1}幢"
        add_ring(b["geom"], tags)
    for p in city.osm_pois:
        nodes.append((p["x"], p["y"], p["tags"]))
    xs = np.array([n[0] for n in nodes])
    ys = np.array([n[1] for n in nodes])
    lon, lat = t.transform(xs + X0, ys + Y0)
    buf = io.StringIO()
    buf.write("<?xml version='1.0' encoding='UTF-8'?>\n")
    buf.write(
        f'<osm version="0.6" generator="facility-coverage {GENERATOR} (SYNTHETIC SAMPLE / 示例数据)">\n'
    )
    buf.write(
        f'  <bounds minlat="{_fmt(lat.min())}" minlon="{_fmt(lon.min())}" maxlat="{_fmt(lat.max())}" maxlon="{_fmt(lon.max())}"/>\n'
    )
    for i, (_, _, tags) in enumerate(nodes):
        head = f'  <node id="{i + 1}" version="1" visible="true" lat="{_fmt(lat[i])}" lon="{_fmt(lon[i])}"'
        if not tags:
            buf.write(head + "/>\n")
        else:
            buf.write(head + ">\n")
            for k in sorted(tags):
                buf.write(f"    <tag k={quoteattr(k)} v={quoteattr(tags[k])}/>\n")
            buf.write("  </node>\n")
    for wi, (ids, tags) in enumerate(ways):
        buf.write(f'  <way id="{wi + 1}" version="1" visible="true">\n')
        for nid in ids:
            buf.write(f'    <nd ref="{nid + 1}"/>\n')
        for k in sorted(tags):
            buf.write(f"    <tag k={quoteattr(k)} v={quoteattr(tags[k])}/>\n")
        buf.write("  </way>\n")
    buf.write("</osm>\n")
    path.write_text(buf.getvalue(), encoding="utf-8", newline="\n")
    return {
        "osm_nodes": len(nodes),
        "osm_ways": len(ways),
        "osm_highway_ways": n_net_ways,
        "osm_buildings": len(city.buildings),
        "osm_pois": len(city.osm_pois),
        "osm_gates": gate_count,
        "osm_bridges": sum(1 for _, tg in city.ways if tg.get("bridge") == "yes"),
    }


def write_boundaries(city: City, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    streets = gpd.GeoDataFrame(
        {
            "街道代码": [s["street_code"] for s in city.streets],
            "街道名称": [s["name"] for s in city.streets],
            "区县": [DISTRICT_NAME] * len(city.streets),
        },
        geometry=[_shift(s["geom"]) for s in city.streets],
        crs=WORKING_CRS,
    )
    comms = gpd.GeoDataFrame(
        {
            "社区代码": [c["code"] for c in city.communities],
            "社区名称": [c["name"] for c in city.communities],
            "街道代码": [city.streets[c["street"]]["street_code"] for c in city.communities],
            "街道名称": [city.streets[c["street"]]["name"] for c in city.communities],
            "区县": [DISTRICT_NAME] * len(city.communities),
        },
        geometry=[_shift(c["geom"]) for c in city.communities],
        crs=WORKING_CRS,
    )
    for gdf, name in ((streets, "streets"), (comms, "communities")):
        p = out / f"{name}.gpkg"
        if p.exists():
            p.unlink()
        gdf.to_file(p, layer=name, driver="GPKG", engine="pyogrio")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    path.write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))


STUDY_TOML = """\
# Study configuration of the bundled SYNTHETIC sample city (示例数据, not real data).
# Generated by scripts/make_sample_city.py; paths are relative to this file.

[study]
name = "示例区 15分钟生活圈评估 (SAMPLE / 示例数据)"
working_crs = "EPSG:4549"
synthetic = true

[inputs.streets]
path = "../boundaries/streets.gpkg"
columns = { street_id = "街道代码", street_name = "街道名称", district = "区县" }

[inputs.communities]
path = "../boundaries/communities.gpkg"
columns = { community_id = "社区代码", community_name = "社区名称", street_id = "街道代码", street_name = "街道名称", district = "区县" }

[inputs.community_table]
path = "communities.csv"

[[inputs.facilities]]
path = "facilities_amap.csv"
kind = "table"
crs = "GCJ-02"

[[inputs.facilities]]
path = "sample_city.osm"
kind = "osm"

[inputs.network]
path = "sample_city.osm"
keep_private = true

[inputs.buildings]
path = "sample_city.osm"

[walk]
speed_m_per_min = 80.0
elderly_speed_m_per_min = 54.0
max_snap_distance_m = 300.0
"""


def build_city(seed: int = SEED) -> City:
    city = City(seed)
    city.build_boundaries()
    city.build_grid()
    city.plan_parcels()
    city.build_roads()
    city.build_parcels()
    city.node_network()
    make_population(city)
    make_facilities(city)
    make_osm_pois(city)
    return city


def write_all(city: City, out: Path) -> dict[str, Any]:
    sample = out / "sample"
    bounds = out / "boundaries"
    sample.mkdir(parents=True, exist_ok=True)
    bounds.mkdir(parents=True, exist_ok=True)
    osm_counts = write_osm(city, sample / "sample_city.osm")
    write_boundaries(city, bounds)
    write_csv(city.table, sample / "communities.csv")
    cols = [
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
    write_csv(city.facilities[cols], sample / "facilities_amap.csv")
    (sample / "study.toml").write_text(STUDY_TOML, encoding="utf-8", newline="\n")
    meas = measure(city)
    truth = rule_truth(city, meas)
    lon, lat = _local_to_wgs84(np.array([0.0, WIDTH]), np.array([0.0, HEIGHT]))
    t = city.table
    counts = {
        "streets": len(city.streets),
        "communities": len(city.communities),
        "households": int(t["户数"].sum()),
        "residents": int(t["常住人口"].sum()),
        "aged_60_plus": int(t["60岁以上人口"].sum()),
        "aged_0_3": int(t["0-3岁人口"].sum()),
        "amap_facilities": len(city.facilities),
        "amap_facilities_categorised": int(city.facilities["category"].notna().sum()),
        "compounds": len(city.compounds),
        "network_nodes": len(city.node_xy),
        **osm_counts,
    }
    cat_counts = {k: int((city.facilities["category"] == k).sum()) for k in PLAN}
    meta = {
        "name": "示例区 synthetic sample city (SAMPLE / 示例数据)",
        "synthetic": True,
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "seed": SEED,
        "licence": "CC0-1.0",
        "working_crs": WORKING_CRS,
        "district": DISTRICT_NAME,
        "district_code": DISTRICT_CODE,
        "frame_epsg4549": [X0, Y0, X0 + WIDTH, Y0 + HEIGHT],
        "bbox_wgs84": [round(float(v), 7) for v in (lon[0], lat[0], lon[1], lat[1])],
        "counts": counts,
        "facility_counts": cat_counts,
        "files": {
            "osm": "sample/sample_city.osm",
            "streets": "boundaries/streets.gpkg",
            "communities": "boundaries/communities.gpkg",
            "community_table": "sample/communities.csv",
            "facilities": "sample/facilities_amap.csv",
            "study": "sample/study.toml",
            "ground_truth": "sample/ground_truth.json",
        },
    }
    truth_all = {
        "synthetic": True,
        "note": "Ground truth measured by the generator on its own network (residents at residential building centroids, weighted by floor area; points snapped to the nearest edge; private compound roads walkable; same-edge shortcuts ignored; 1200 m = 15 min at 80 m/min).",
        "street_without_elderly_centre": {
            "street_id": DISTRICT_CODE + STREET_WITHOUT_CENTRE + "000",
            "name": next(s[1] for s in STREETS if s[0] == STREET_WITHOUT_CENTRE),
        },
        "bridges": [
            {
                "name": name,
                "x": round(b.centroid.x + X0, 1),
                "y": round(b.centroid.y + Y0, 1),
                "along_canal_m": round(CANAL.project(b.centroid), 1),
            }
            for b, name in zip(city.bridges, city.bridge_names, strict=True)
        ],
        "measured": meas,
        "rules": truth,
    }
    along = sorted(b["along_canal_m"] for b in truth_all["bridges"])
    truth_all["bridge_spacing_m"] = [round(b - a, 1) for a, b in pairwise(along)]
    _dump_json(meta, sample / "metadata.json")
    _dump_json(truth_all, sample / "ground_truth.json")
    (sample / "README.md").write_text(
        readme_text(city, meta, truth_all), encoding="utf-8", newline="\n"
    )
    return truth_all


def _dump_json(obj: Any, path: Path) -> None:
    path.write_text(
        json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )


def readme_text(city: City, meta: dict[str, Any], truth: dict[str, Any]) -> str:
    c = meta["counts"]
    t = city.table
    m = truth["measured"]
    r = truth["rules"]
    lines: list[str] = []
    add = lines.append
    add("# 示例区 — synthetic sample city (SAMPLE / 示例数据)")
    add("")
    add("> **示例数据，非真实数据。** Everything here is fictional: names, codes, people and")
    add("> facilities. It is built like the inputs Nantong's planners hand over, so that the")
    add("> whole tool can be run and tested offline. Licence: CC0-1.0.")
    add(
        "> Generated by `python scripts/make_sample_city.py` (seed "
        f"{SEED}); do not edit by hand, regenerate instead."
    )
    add("")
    add("## Files / 文件")
    add("")
    add("| file | what | CRS |")
    add("|---|---|---|")
    add(
        "| `sample_city.osm` | OSM XML: walking network, canal, compounds (小区) with gates, buildings with levels, park, ~40 POIs | WGS84 |"
    )
    add("| `../boundaries/streets.gpkg` | 3 街道: 街道代码, 街道名称, 区县 | EPSG:4549 |")
    add(
        "| `../boundaries/communities.gpkg` | 社区: 社区代码, 社区名称, 街道代码, 街道名称, 区县 (tile the 街道 exactly) | EPSG:4549 |"
    )
    add(
        "| `communities.csv` | 社区 table (UTF-8 with BOM): households, residents, ages, status, floor areas | — |"
    )
    add(
        "| `facilities_amap.csv` | Amap (高德) style POI export (UTF-8 with BOM), typecodes as text | **GCJ-02** |"
    )
    add("| `study.toml` | the study configuration for this sample | — |")
    add("| `metadata.json` | synthetic flag, seed, counts, WGS84 bbox | — |")
    add(
        "| `ground_truth.json` | the planted gaps and measured coverage (machine-readable copy of this page) | — |"
    )
    add("")
    add("## Layout / 布局")
    add("")
    lon0, lat0, lon1, lat1 = meta["bbox_wgs84"]
    add(
        f"- District 示例区 (code {DISTRICT_CODE}, fictional), 4 km x 3 km = 12 km², EPSG:4549 frame "
        f"x {X0:.0f}–{X0 + WIDTH:.0f}, y {Y0:.0f}–{Y0 + HEIGHT:.0f} (WGS84 {lon0:.4f}–{lon1:.4f} E, {lat0:.4f}–{lat1:.4f} N, central Nantong)."
    )
    add(
        f"- {c['communities']} 社区 in {c['streets']} 街道; {c['households']:,} households, {c['residents']:,} residents "
        f"({c['aged_60_plus'] / c['residents']:.1%} aged 60+, {c['aged_0_3'] / c['residents']:.1%} aged 0–3)."
    )
    add(
        "- Arterials (highway=primary/secondary, sidewalk=both) every 700–850 m: "
        + ", ".join(f"{n} (x={x:.0f})" for n, x in zip(ART_X_NAMES, ART_X, strict=True))
        + " running north–south; "
        + ", ".join(f"{n} (y={y:.0f})" for n, y in zip(ART_Y_NAMES, ART_Y, strict=True))
        + " east–west (local metres from the south-west corner)."
    )
    add(
        "- Tertiary/residential streets every 210–285 m; highway=service, footway, path and steps (in 青澜公园)."
    )
    add(
        f"- {CANAL_NAME} (waterway=canal + natural=water, 30 m wide) cuts off the north-east corner. It is crossed only on "
        f"{len(truth['bridges'])} bridges (bridge=yes, layer=1): "
        + ", ".join(b["name"] for b in truth["bridges"])
        + "; spacing along the canal "
        + ", ".join(f"{d:.0f} m" for d in truth["bridge_spacing_m"])
        + ". Other streets end at the "
        "riverside promenades (青澜河滨河步道, footways on both banks)."
    )
    add(
        f"- {c['compounds']} gated compounds (landuse=residential + name); their internal roads are highway=service/footway "
        f"with access=private and meet public streets only at {c['osm_gates']} gate nodes (barrier=gate; compound and school gates). "
        "Dropping private roads (the osmnx default) strands the residents inside."
    )
    add(
        f"- {c['osm_buildings']:,} buildings: residential (building=residential/apartments with building:levels; "
        "新建 11–18 storeys, 既有 6–11, 改造 3–6) and non-residential (retail, commercial, office, school, industrial)."
    )
    add(
        f"- OSM file: {c['osm_nodes']:,} nodes, {c['osm_ways']:,} ways ({c['osm_highway_ways']:,} highway ways), {c['osm_pois']} POI nodes."
    )
    add("")
    add("### 街道 and 社区")
    add("")
    add(
        "| 街道代码 | 街道名称 | 社区代码 | 社区名称 | 小区类型 | 户数 | 常住人口 | 60岁以上 | beyond canal |"
    )
    add("|---|---|---|---|---|---:|---:|---:|---|")
    for i, comm in enumerate(city.communities):
        row = t.iloc[i]
        st = city.streets[comm["street"]]
        add(
            f"| {st['street_code']} | {st['name']} | {comm['code']} | {comm['name']} | {row['小区类型']} | "
            f"{row['户数']:,} | {row['常住人口']:,} | {row['60岁以上人口']:,} | {'**yes**' if comm['beyond_canal'] else ''} |"
        )
    add("")
    add("## Facilities / 设施")
    add("")
    add(
        f"`facilities_amap.csv` has {c['amap_facilities']} rows: {c['amap_facilities_categorised']} in the categories below and "
        f"{c['amap_facilities'] - c['amap_facilities_categorised']} ordinary POIs (restaurants, banks, hotels, hardware) that belong "
        "to no category, as in a real export. Coordinates are GCJ-02 (about 400–600 m off WGS84 here): convert before use. "
        "The OSM file has ~40 POI nodes, mostly the same shops mapped 3–18 m away under the name without the branch suffix "
        "(duplicates across sources are expected). Each basic-guarantee type has one shop at each of "
        f"{N_HUBS} neighbourhood shopping streets (vegetable markets only at those more than 1.3 km from the "
        "corner beyond the canal); the rest follow population or are spread out."
    )
    add("")
    add("| key | count | Amap typecode(s) / keyword | residents within 1,200 m |")
    add("|---|---:|---|---:|")
    kw = {
        "breakfast": "050300/050100 + 早餐/包子",
        "housekeeping": "070000 + 家政",
        "repair": "070000 + 维修",
        "photo_print": "070900 + 文印/图文",
        "health_station": "090300/090102 + 社区卫生服务",
        "infant_care": "070000/141200 + 托育/托儿所",
        "elderly_centre": "070000 + 养老服务中心",
        "elderly_station": "070000 + 养老服务站/日间照料中心",
        "nursing_home": "090000 + 养老院/敬老院/福利院",
        "elderly_education": "141205 + 老年大学/老年学校",
    }
    for key, v in m["categories"].items():
        codes = "/".join(sorted({code for _, code in AMAP_TYPES[key]}))
        add(
            f"| {key} | {v['count']} | {kw.get(key, codes)} | {v['share_residents_within_1200m']:.1%} |"
        )
    add("")
    add(
        "Shares are measured by the generator on its own graph (residents at residential building centroids, weighted by "
        "floor area, snapped to the nearest edge, private roads walkable, 15 min x 80 m/min = 1,200 m). An engine that "
        "spreads residents differently will differ by a few percentage points."
    )
    add("")
    add("## Deliberate gaps: planners' ground truth / 预设短板（标准答案）")
    add("")
    st_no = truth["street_without_elderly_centre"]
    add(
        f"- **R2** — {st_no['name']} ({st_no['street_id']}) has **no** comprehensive elderly-care centre "
        "(社区综合性养老服务中心); "
        + ", ".join(
            f"{v['name']} has {v['elderly_centres']}"
            for v in r["R2_elderly_centres_per_street"].values()
            if v["elderly_centres"]
        )
        + "."
    )
    co = m["corner"]
    add(
        f"- **Vegetable market beyond the canal** — 社区 {', '.join(f'{n} ({cd})' for n, cd in zip(co['names'], co['communities'], strict=True))} "
        f"({co['residents']:,} residents) lie beyond {CANAL_NAME}. No vegetable market is inside them; the nearest is "
        f"{co['market_distance_m_min']:,.0f}–{co['market_distance_m_max']:,.0f} m away on foot (resident-weighted median "
        f"{co['market_distance_m_median']:,.0f} m; straight line from {co['market_straight_m_min']:,.0f} m): "
        f"{co['share_within_1200m']:.0%} of them within 15 minutes. One new market in the corner closes the gap."
    )
    r1 = r["R1_all_basic_within_1200m"]
    add(
        f"- **R1** (indicative) — {r1['communities_at_least_0.9']} of {c['communities']} 社区 have at least 90% of "
        f"their residents reaching all 11 basic-guarantee types within 1,200 m ({r1['communities_at_least_0.5']} at 50%); "
        "per-社区 shares are in `ground_truth.json` (`rules.R1_all_basic_within_1200m`)."
    )
    r3 = r["R3_infant_care"]
    add(
        f"- **R3** — infant-care institutions inside {len(r3['communities_with_institution_inside'])} of {c['communities']} 社区 "
        f"({r3['share_inside']:.1%}: fails the >50% target if counted strictly inside); {r3['communities_majority_within_1200m']} 社区 "
        "have most residents within a 15-minute walk of one; "
        f"{len(r3['communities_inside_or_half_within_500m'])} 社区 ({r3['share_inside_or_half_within_500m']:.1%}) have one inside "
        "or at least half of their residents within 500 m (the rules.toml wording)."
    )
    add(
        "- **R4** floor-area quotas (m² per 100 households; 新建 ≥30 elderly / ≥20 childcare, 改造 ≥20 / ≥15; 既有 has no target):"
    )
    add("")
    add(
        "   | 社区代码 | 社区名称 | 类型 | 户数 | 养老 m²/100户 | target | shortfall m² | 托育 m²/100户 | target | shortfall m² |"
    )
    add("   |---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for x in r["R4_floor_area_quotas"]:
        if x["elderly_pass"] and x["childcare_pass"]:
            continue
        e = (
            f"**{x['elderly_m2_per_100hh']:.2f}**"
            if not x["elderly_pass"]
            else f"{x['elderly_m2_per_100hh']:.2f}"
        )
        ch = (
            f"**{x['childcare_m2_per_100hh']:.2f}**"
            if not x["childcare_pass"]
            else f"{x['childcare_m2_per_100hh']:.2f}"
        )
        add(
            f"   | {x['community_id']} | {x['name']} | {x['status']} | {x['households']:,} | {e} | {x['elderly_target']:.0f} | "
            f"{x['elderly_shortfall_m2']:.1f} | {ch} | {x['childcare_target']:.0f} | {x['childcare_shortfall_m2']:.1f} |"
        )
    n_ok = sum(1 for x in r["R4_floor_area_quotas"] if x["elderly_pass"] and x["childcare_pass"])
    add("")
    add(f"   The other {n_ok} 新建/改造 社区 meet both quotas.")
    add("- **R5** commerce + comprehensive service floor area < 10% of total floor area:")
    add("")
    add("   | 社区代码 | 社区名称 | 类型 | share | shortfall m² |")
    add("   |---|---|---|---:|---:|")
    for i, x in enumerate(r["R5_commerce_share"]):
        if not x["pass"]:
            add(
                f"   | {x['community_id']} | {x['name']} | {t.iloc[i]['小区类型']} | "
                f"{x['ratio']:.2%} | {x['shortfall_m2']:,.1f} |"
            )
    add("")
    add(
        "   rules.toml applies R5 to 新建 communities only; of these "
        + ", ".join(r["R5_failing_new_communities"])
        + " fail."
    )
    add("")
    r6 = r["R6"]
    add(
        f"- **R6** — elderly service stations inside {len(r6['communities_with_elderly_station_inside'])} of {c['communities']} 社区, "
        f"elderly education points inside {len(r6['communities_with_elderly_education_inside'])} (target: all). "
        "Counted as rules.toml does (a station or centre inside, or half of the 60+ within 15 min at 54 m/min = 810 m): "
        f"{len(r6['communities_station_or_centre_inside_or_half_within_810m'])} served by stations, "
        f"{len(r6['communities_education_inside_or_half_within_810m'])} by education points."
    )
    r7, r8, r9 = (
        r["R7_childcare_places_per_1000"],
        r["R8_nursing_bed_share"],
        r["R9_infant_care_flags"],
    )
    add(
        f"- **R7** — {r7['places']} childcare places (托位: infant-care institutions and kindergarten 托班) for "
        f"{r7['residents']:,} residents = {r7['value']:.2f} per 1,000 (target > 4.5: **{'passes' if r7['pass'] else 'fails'}**)."
    )
    add(
        f"- **R8** — {r8['nursing_beds']} nursing-type beds of {r8['beds']} beds = {r8['value']:.1%} (target ≥ 75%: "
        f"**{'passes' if r8['pass'] else 'fails'}**)."
    )
    add(
        f"- **R9** — {r9['inclusive']} inclusive (普惠) and {r9['demonstration']} demonstration (示范) infant-care institutions "
        "(city targets 60 and 15; a single district cannot meet them alone)."
    )
    add("")
    add(
        "All other basic-guarantee categories reach most residents within 15 minutes (table above)."
    )
    add("")
    add("## Regenerate / 重新生成")
    add("")
    add("```bash")
    add("python scripts/make_sample_city.py            # rewrites data/sample and data/boundaries")
    add("pytest tests/test_sample_city.py              # checks the committed files are reproduced")
    add("```")
    add("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the synthetic sample city (示例区).")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    city = build_city(SEED)
    truth = write_all(city, args.out)
    log.info("wrote sample city to %s", args.out)
    log.info("corner: %s", truth["measured"]["corner"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
