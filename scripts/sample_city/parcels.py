"""Blocks between the grid lines and what each holds.

The plan fixes the park and three schools, then merges some pairs of blocks
into larger compounds and draws a use for the rest (commerce is likelier on
the primary roads). Each parcel, inset 12 m from the street centrelines and
clear of the canal, becomes a park, school grounds, commerce, grass, offices,
a factory or a gated compound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely.ops import unary_union

from .boundaries import Boundaries
from .buildings import commercial_buildings, other_buildings, school_buildings
from .compounds import CompoundNamer, add_gate, gate_candidates, make_compound
from .features import Area, Canvas, Features, Way
from .layout import CANAL, CANAL_ZONE, PRIMARY_X, PRIMARY_Y, round_half
from .streets import Grid

PARK_NAME = "青澜公园"
SCHOOL_NAMES = ["澜岸小学", "梧桐实验学校", "濠西初级中学"]


@dataclass
class Parcel:
    """Blocks i0..i1-1 (x) by j0..j1-1 (y) of the grid, and their use."""

    i0: int
    i1: int
    j0: int
    j1: int
    use: str


@dataclass
class ParcelPlan:
    owner: np.ndarray  # block (i, j) -> index of its parcel
    parcels: list[Parcel]


def plan_parcels(grid: Grid, rng: np.random.Generator) -> ParcelPlan:
    """Blocks between grid lines; merge some pairs; fix park and schools."""
    gx, gy = grid.gx, grid.gy
    nx_, ny_ = len(gx) - 1, len(gy) - 1
    owner = -np.ones((nx_, ny_), dtype=int)
    parcels: list[Parcel] = []

    def add(i0: int, i1: int, j0: int, j1: int, use: str) -> None:
        if (owner[i0:i1, j0:j1] >= 0).any():
            raise RuntimeError("parcel overlap")
        owner[i0:i1, j0:j1] = len(parcels)
        parcels.append(Parcel(i0, i1, j0, j1, use))

    # park: x 850-1275, y 1500-2250
    add(gx.index(850.0), gx.index(1275.0), gy.index(1500.0), gy.index(2250.0), "park")
    # schools (2 blocks each), one per street
    for xa, ya in [(0.0, 750.0), (2550.0, 500.0), (1700.0, 2250.0)]:
        i = gx.index(xa)
        j = gy.index(min(v for v in gy if v >= ya))
        add(i, i + 1, j, j + 2, "school")
    # merged residential compounds and single blocks
    order = [(i, j) for j in range(ny_) for i in range(nx_)]
    for i, j in order:
        if owner[i, j] >= 0:
            continue
        # do not merge across arterials
        if (
            rng.random() < 0.22
            and i + 1 < nx_
            and owner[i + 1, j] < 0
            and grid.xcls[gx[i + 1]] != "art"
        ):
            add(i, i + 2, j, j + 1, "residential")
        elif (
            rng.random() < 0.15
            and j + 1 < ny_
            and owner[i, j + 1] < 0
            and grid.ycls[gy[j + 1]] != "art"
        ):
            add(i, i + 1, j, j + 2, "residential")
        else:
            on_primary = (
                gx[i] in PRIMARY_X
                or gx[i + 1] in PRIMARY_X
                or gy[j] in PRIMARY_Y
                or gy[j + 1] in PRIMARY_Y
            )
            u = rng.random()
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
    return ParcelPlan(owner, parcels)


def build_parcels(
    rng: np.random.Generator,
    grid: Grid,
    plan: ParcelPlan,
    streets: list[Way],
    boundaries: Boundaries,
    status: list[str],
) -> Features:
    """Draw every parcel; the features start with the `streets` that gates open onto."""
    canvas = Canvas(
        rng, unary_union([LineString(w.coords) for w in streets]), Features(list(streets))
    )
    namer = CompoundNamer(rng)
    for p in plan.parcels:
        rect = box(grid.gx[p.i0], grid.gy[p.j0], grid.gx[p.i1], grid.gy[p.j1])
        inner = rect.buffer(-12.0, join_style="mitre")
        pieces = [
            g for g in shapely.get_parts(inner.difference(CANAL.buffer(32.0))) if g.area > 6000
        ]
        for piece in pieces:
            piece = shapely.set_precision(piece, 0.01)
            ci = boundaries.community_of(piece.representative_point())
            if p.use == "park":
                _make_park(canvas, piece)
            elif p.use == "school":
                _make_school(canvas, piece, ci)
            elif p.use == "commercial":
                _make_commercial(canvas, piece, ci)
            elif p.use == "green":
                canvas.features.areas.append(Area(piece, {"landuse": "grass"}))
            elif p.use in ("office", "industrial"):
                _make_other(canvas, piece, ci, p.use)
            else:
                make_compound(canvas, piece, rect, ci, status, namer)
    return canvas.features


def _make_park(canvas: Canvas, piece: Polygon) -> None:
    """青澜公园: a loop path, paths in from the streets, and steps over a small hill."""
    lines = canvas.features.lines
    canvas.features.areas.append(
        Area(piece, {"leisure": "park", "name": PARK_NAME, "name:zh": PARK_NAME})
    )
    minx, miny, maxx, maxy = piece.bounds
    cx, cy = round_half((minx + maxx) / 2, 1), round_half((miny + maxy) / 2, 1)
    # entrances from the four surrounding streets to the centre (paths), a loop path
    loop = box(minx + 40, miny + 60, maxx - 40, maxy - 60).exterior
    lines.append(Way(list(loop.coords), {"highway": "footway", "name": PARK_NAME + "环园步道"}))
    ends = [(cx, miny - 12.0), (cx, maxy + 12.0), (minx - 12.0, cy), (maxx + 12.0, cy)]
    for ex, ey in ends:
        if canvas.public.distance(Point(ex, ey)) > 0.01:
            continue
        lines.append(Way([(ex, ey), (cx, cy)], {"highway": "path", "surface": "gravel"}))
    # a small hill crossed by steps on the diagonal
    d0 = (minx + 40, miny + 60)
    d3 = (maxx - 40, maxy - 60)
    for pts, step_count in (
        ([d0, (cx - 60.0, cy - 60.0), (cx - 30.0, cy - 30.0), (cx, cy)], "24"),
        ([(cx, cy), (cx + 30.0, cy + 30.0), (cx + 60.0, cy + 60.0), d3], "18"),
    ):
        for a, b, k in zip(pts[:-1], pts[1:], ["path", "steps", "path"], strict=True):
            tags = {"highway": k}
            if k == "steps":
                tags["step_count"] = step_count
            lines.append(Way([a, b], tags))


def _make_school(canvas: Canvas, piece: Polygon, ci: int) -> None:
    """School grounds with two teaching blocks, a gate and a private footway in."""
    features = canvas.features
    n = len([a for a in features.areas if a.tags.get("amenity") == "school"])
    name = SCHOOL_NAMES[n]
    features.areas.append(Area(piece, {"amenity": "school", "name": name, "name:zh": name}))
    features.buildings += school_buildings(piece, ci)
    gates = gate_candidates(piece, piece.buffer(12.0, join_style="mitre"), canvas.public)
    if gates:
        gate, street = gates[0]
        c = piece.centroid
        centre = (round_half(c.x, 2), round_half(c.y, 2))
        add_gate(
            canvas, gate, street, Way([gate, centre], {"highway": "footway", "access": "private"})
        )


def _make_commercial(canvas: Canvas, piece: Polygon, ci: int) -> None:
    """Retail land with a podium and a tower, and a public footway through the block."""
    features = canvas.features
    features.areas.append(Area(piece, {"landuse": "retail"}))
    minx, miny, maxx, maxy = piece.bounds
    if maxx - minx < 60 or maxy - miny < 60:
        return
    features.buildings += commercial_buildings(canvas.rng, piece, ci)
    # pedestrian footway through the block (public)
    x = round_half((minx + maxx) / 2, 1)
    a, b = (x, miny - 12.0), (x, maxy + 12.0)
    if canvas.public.distance(Point(a)) < 0.01 and canvas.public.distance(Point(b)) < 0.01:
        seg = LineString([a, b])
        if not seg.intersects(CANAL_ZONE):
            features.lines.append(Way([a, b], {"highway": "footway", "name": "步行街"}))
            # buildings must not sit on the footway
            features.buildings = [
                bd
                for bd in features.buildings
                if not (bd.community == ci and bd.geom.intersects(seg))
            ]


def _make_other(canvas: Canvas, piece: Polygon, ci: int, use: str) -> None:
    """Offices (landuse=commercial) or an old factory (landuse=industrial)."""
    canvas.features.areas.append(
        Area(piece, {"landuse": "commercial" if use == "office" else "industrial"})
    )
    minx, miny, maxx, maxy = piece.bounds
    if maxx - minx < 80 or maxy - miny < 80:
        return
    canvas.features.buildings += other_buildings(canvas.rng, piece, ci, use)
