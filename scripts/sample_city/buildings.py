"""Building footprints with levels: residential rows in compounds, and the non-residential ones.

Footprints are snapped to 1 cm. Residential rows follow the compound's status:
新建 towers of 11-18 storeys, 既有 slabs of 6-11, 改造 walk-ups of 3-6, spaced
for sunlight (about 1.3 times the height apart).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon, box
from shapely.ops import unary_union

from .features import Building
from .layout import round_half

# status -> (levels to draw from, length, depth, gap between buildings in a row, building=*)
RESIDENTIAL_FORMS: dict[str, tuple[list[int], float, float, float, str]] = {
    "new": ([11, 11, 14, 16, 18, 18], 34.0, 15.0, 42.0, "apartments"),
    "renovated": ([3, 4, 4, 5, 5, 6, 6, 6], 48.0, 11.0, 22.0, "residential"),
    "existing": ([6, 6, 6, 7, 9, 11, 11], 56.0, 12.5, 26.0, "residential"),
}


def residential_buildings(
    rng: np.random.Generator, area: Polygon, ci: int, status: str, footways: list[LineString]
) -> list[Building]:
    """Rows of blocks in `area`, clear of the footways and of a central garden."""
    if area.is_empty or area.area < 500:
        return []
    levels_choice, length, depth, gap, kind = RESIDENTIAL_FORMS[status]
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
    out = []
    y = miny
    while y + depth <= maxy + 1e-9:
        x = minx
        while x + length <= maxx + 1e-9:
            b = box(x, y, x + length, y + depth)
            if b.within(area) and (block is None or not b.intersects(block)):
                lv = levels if rng.random() < 0.8 else int(rng.choice(levels_choice))
                out.append(Building(shapely.set_precision(b, 0.01), lv, kind, ci, True))
            x += length + gap
        y += pitch
    return out


def school_buildings(piece: Polygon, ci: int) -> list[Building]:
    """Two 4-storey teaching blocks in the north-west of the grounds."""
    minx, _, _, maxy = piece.bounds
    return [
        Building(
            shapely.set_precision(box(minx + 30, y0, minx + 110, y1), 0.01), 4, "school", ci, False
        )
        for y0, y1 in ((maxy - 60, maxy - 40), (maxy - 110, maxy - 90))
    ]


def commercial_buildings(rng: np.random.Generator, piece: Polygon, ci: int) -> list[Building]:
    """A podium (retail) in two halves along the south edge and an office tower (commercial)."""
    minx, miny, maxx, _ = piece.bounds
    mid = round_half((minx + maxx) / 2, 1)
    levels = int(rng.choice([2, 3, 4]))
    out = []
    for x0, x1 in ((minx + 5, mid - 8), (mid + 8, maxx - 5)):
        pod = shapely.set_precision(box(x0, miny + 5, x1, miny + 45), 0.01)
        if x1 - x0 > 20 and pod.within(piece):
            out.append(Building(pod, levels, "retail", ci, False))
    tw = shapely.set_precision(box(minx + 20, miny + 70, min(minx + 60, mid - 8), miny + 110), 0.01)
    if tw.within(piece):
        out.append(Building(tw, int(rng.choice([12, 18, 24])), "commercial", ci, False))
    return out


def other_buildings(rng: np.random.Generator, piece: Polygon, ci: int, use: str) -> list[Building]:
    """An office block (`use` "office") or a one-storey factory shed (`use` "industrial")."""
    minx, miny, maxx, _ = piece.bounds
    if use == "office":
        geom, levels, kind = (
            box(minx + 20, miny + 20, minx + 70, miny + 45),
            int(rng.choice([5, 8, 12])),
            "office",
        )
    else:
        geom, levels, kind = box(minx + 15, miny + 15, maxx - 15, miny + 60), 1, "industrial"
    geom = shapely.set_precision(geom, 0.01)
    return [Building(geom, levels, kind, ci, False)] if geom.within(piece) else []
