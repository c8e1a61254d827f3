"""Planner-declared 便民生活圈 (circles): polygons along street centrelines, with a 建设状态.

Their edges run on street centrelines, so no building straddles one: a
resident is in a circle when its building is. Three cover the dense shopping
社区 (one 在建), two are larger MOFCOM-sized circles over ordinary 社区 (one
crossing a 社区 boundary), one is the 镇区.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import Polygon, box

CIRCLE_PREFIX = "SHQ320699"
# number, name, 建设状态, local box (on grid lines)
CIRCLES = [
    ("01", "和平桥一刻钟便民生活圈", "已建", (2550.0, 0.0, 3300.0, 750.0)),
    ("02", "星河一刻钟便民生活圈", "已建", (850.0, 1500.0, 1700.0, 2250.0)),
    ("03", "桐华一刻钟便民生活圈", "在建", (850.0, 750.0, 1700.0, 1500.0)),
    ("04", "锦绣新桥一刻钟便民生活圈", "已建", (1700.0, 0.0, 2550.0, 1500.0)),
    ("05", "春晖清风一刻钟便民生活圈", "规划", (2125.0, 1500.0, 3050.0, 2250.0)),
    ("06", "澜南镇区便民生活圈", "已建", (1600.0, -800.0, 2400.0, 0.0)),
]


@dataclass
class Circle:
    circle_id: str
    name: str
    status: str  # 已建 / 在建 / 规划
    geom: Polygon


def declared_circles() -> list[Circle]:
    return [Circle(CIRCLE_PREFIX + n, name, st, box(*bx)) for n, name, st, bx in CIRCLES]
