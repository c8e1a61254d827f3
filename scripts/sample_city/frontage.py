"""Shop-front points: where a shop sits along the public streets of a community."""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, Point

from .boundaries import Boundaries
from .features import Way
from .layout import CANAL_ZONE

FRONTAGE_HIGHWAYS = {"primary", "secondary", "tertiary", "residential"}


class Frontage:
    """Random shop-front points beside the public streets (not bridges) of each community."""

    def __init__(self, rng: np.random.Generator, lines: list[Way], boundaries: Boundaries) -> None:
        self.rng = rng
        self.lines = lines
        self.boundaries = boundaries
        self._segments: dict[int, list[tuple[LineString, str]]] = {}

    def point(self, ci: int) -> tuple[float, float, str]:
        """A random shop-front point 8-14 m from a public street inside community ci."""
        rng = self.rng
        cand = self._frontage_segments(ci)
        for _ in range(200):
            k = int(rng.integers(len(cand)))
            line, name = cand[k]
            t = rng.uniform(0.15, 0.85)
            p = line.interpolate(t, normalized=True)
            (ax, ay), (bx, by) = line.coords[0], line.coords[-1]
            length = math.hypot(bx - ax, by - ay)
            nxv, nyv = -(by - ay) / length, (bx - ax) / length
            off = rng.uniform(8.0, 14.0) * (1 if rng.random() < 0.5 else -1)
            q = Point(p.x + nxv * off, p.y + nyv * off)
            if self.boundaries.community_of(q) == ci and not q.within(CANAL_ZONE.buffer(5.0)):
                return (q.x, q.y, name)
        raise RuntimeError(f"no frontage point in community {ci}")

    def near(self, ci: int, x: float, y: float, road: str) -> tuple[float, float, str]:
        """A shop 10-40 m from (x, y) in the same community (a neighbour on the same street)."""
        rng = self.rng
        for _ in range(50):
            ang = rng.uniform(0.0, 2.0 * math.pi)
            d = rng.uniform(10.0, 40.0)
            q = Point(x + d * math.cos(ang), y + d * math.sin(ang))
            if self.boundaries.community_of(q) == ci and not q.within(CANAL_ZONE):
                return (q.x, q.y, road)
        return (x, y, road)

    def _frontage_segments(self, ci: int) -> list[tuple[LineString, str]]:
        """Street lines of community ci longer than 30 m, mostly inside it, with their names."""
        if ci in self._segments:
            return self._segments[ci]
        geom = self.boundaries.communities[ci].geom
        out = []
        for w in self.lines:
            if w.tags.get("highway") not in FRONTAGE_HIGHWAYS:
                continue
            if "bridge" in w.tags:
                continue
            ls = LineString(w.coords)
            if ls.length > 30 and ls.buffer(14.0).intersection(geom).area > 0.3 * ls.length * 14:
                out.append((ls, w.tags["name"]))
        self._segments[ci] = out
        return out
