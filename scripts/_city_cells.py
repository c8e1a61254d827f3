"""The square cells of a real street network that hold streets: the 社区 of city-size benchmarks.

There are no real 社区 polygons for the cities in ../shared/data, so the benchmarks
(``bench_placement``, ``bench_map``, ``bench_gpkg``, ``city_study``) use the cells of a
square grid that any street crosses, with the street length inside each.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from _bench_common import DEFAULT_DATA as DEFAULT_DATA


def street_cells(edges: gpd.GeoDataFrame, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """The ``cell``-metre squares any street crosses (in grid order), and km of street in each."""
    xmin, ymin, xmax, ymax = edges.total_bounds
    xs = np.arange(np.floor(xmin / cell) * cell, xmax, cell)
    ys = np.arange(np.floor(ymin / cell) * cell, ymax, cell)
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell, gy.ravel() + cell)
    lines = edges.geometry.to_numpy()
    pairs = shapely.STRtree(boxes).query(lines, "intersects")
    pieces = shapely.length(shapely.intersection(lines[pairs[0]], boxes[pairs[1]]))
    km = np.bincount(pairs[1], weights=pieces, minlength=len(boxes)) / 1000.0
    hit = np.unique(pairs[1])
    return boxes[hit], km[hit]
