"""Checks across features, after reading, in the working CRS: points outside the area, overlaps.

Nothing is dropped here: each check returns a report (a DataFrame) for the
planner and logs a summary; the caller decides what to do.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..errors import CRSError
from .issues import REPORT_COLUMNS

logger = logging.getLogger(__name__)


OUTSIDE_COLUMNS: Final = (*REPORT_COLUMNS, "distance_m", "file")

#: Columns of ``overlapping_units``'s report.
OVERLAP_COLUMNS: Final = (
    "id_a",
    "name_a",
    "id_b",
    "name_b",
    "overlap_m2",
    "share_of_a",
    "share_of_b",
    "detail",
)


def _metric_layer(gdf: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> pyproj.CRS:
    if gdf.crs is None or not pyproj.CRS.from_user_input(gdf.crs).is_projected:
        raise CRSError(
            f"The {what} must be in the study's metric working CRS (e.g. EPSG:4549) to be "
            f"checked, not {gdf.crs}. Read them with the readers of facility_coverage.io."
        )
    return pyproj.CRS.from_user_input(gdf.crs)


def _area_geometry(
    area: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame, crs: pyproj.CRS
) -> shapely.Geometry:
    if isinstance(area, (gpd.GeoSeries, gpd.GeoDataFrame)):
        if area.crs is not None and not pyproj.CRS.from_user_input(area.crs).equals(crs):
            area = area.to_crs(crs)
        return shapely.union_all(area.geometry.to_numpy())
    return area


def points_outside_area(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    area: shapely.Geometry | gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    what: str,
    path: str | Path | None,
    buffer_m: float = 0.0,
    name_column: str = "name",
) -> pd.DataFrame:
    """Report points (facilities) that lie outside the study area, with their ids and distances.

    Points that land outside after conversion usually mean a wrong ``crs``
    setting (a Baidu BD-09 list declared GCJ-02 lands about 1 km off; a list
    declared GCJ-02 that was really WGS84, about 500 m) or a wrong row (a
    facility in Shanghai). Nothing is dropped: the caller decides, the
    planner reads the report.

    Parameters
    ----------
    points
        Points in the working CRS (metres), indexed by their id
        (``facility_id``); a ``name`` column is used when present.
    area
        The study area (the union of the 社区), a geometry in the same CRS or
        a GeoSeries/GeoDataFrame (reprojected if needed).
    what
        What the points are, for the messages (e.g. ``"facilities"``).
    path
        The file the points came from (for the messages), or None.
    buffer_m
        Points within this distance of the area are not reported (facilities
        just across the boundary still serve residents near it; use the
        network's clip buffer).
    name_column
        The column holding the points' names.

    Returns
    -------
    pandas.DataFrame
        One row per point outside (``row`` = position in ``points``, 1-based;
        ``id``, ``name``, ``issue`` = ``"outside_study_area"`` or
        ``"missing_geometry"``, ``action`` = ``"reported"``, ``detail``,
        ``distance_m``, ``file``), farthest first.

    Raises
    ------
    CRSError
        When the points are not in a metric CRS.
    """
    crs = _metric_layer(points, what)
    geom = _area_geometry(area, crs)
    gs = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    arr = gs.to_numpy()
    names = (
        points[name_column].to_numpy(dtype=object)
        if isinstance(points, gpd.GeoDataFrame) and name_column in points.columns
        else np.full(len(arr), None, dtype=object)
    )
    file = None if path is None else Path(path).name
    missing = shapely.is_missing(arr) | shapely.is_empty(arr)
    dist = np.full(len(arr), np.nan)
    dist[~missing] = shapely.distance(arr[~missing], geom)
    bad = missing | (dist > buffer_m)
    rows: list[dict[str, Any]] = []
    for k in np.flatnonzero(bad):
        pid = str(points.index[k])
        if missing[k]:
            issue, detail = "missing_geometry", "the point has no coordinates"
        else:
            issue = "outside_study_area"
            detail = (
                f"{dist[k]:,.0f} m outside the study area"
                + (f" (more than the {buffer_m:,.0f} m allowed)" if buffer_m else "")
                + f"; check this row's coordinates and the crs setting of {file or 'its file'}"
            )
        rows.append(
            {
                "row": int(k) + 1,
                "id": pid,
                "name": names[k],
                "issue": issue,
                "action": "reported",
                "detail": detail,
                "distance_m": float(dist[k]),
                "file": file,
            }
        )
    report = pd.DataFrame(rows, columns=list(OUTSIDE_COLUMNS))
    report["row"] = report["row"].astype("Int64")
    report["distance_m"] = report["distance_m"].astype("float64")
    report = report.sort_values("distance_m", ascending=False, na_position="first")
    report = report.reset_index(drop=True)
    if len(report):
        shown = ", ".join(
            f"{i} ({d:,.0f} m)" if np.isfinite(d) else f"{i} (no coordinates)"
            for i, d in zip(report["id"][:10], report["distance_m"][:10], strict=False)
        )
        where = f"{path}: " if path is not None else ""
        logger.warning(
            "%s%d of %d %s lie outside the study area%s: %s%s",
            where,
            len(report),
            len(arr),
            what,
            f" by more than {buffer_m:,.0f} m" if buffer_m else "",
            shown,
            "" if len(report) <= 10 else ", ...",
        )
        outside = report["issue"] == "outside_study_area"
        if len(arr) >= 3 and outside.sum() / len(arr) > 0.2:
            logger.warning(
                "%s%.0f%% of the %s are outside the study area (median %s m): is the crs "
                "setting right? A Baidu (BD-09) list declared GCJ-02 lands about 1 km off, a "
                "GCJ-02 list declared WGS84 about 500 m.",
                where,
                100 * outside.sum() / len(arr),
                what,
                f"{report.loc[outside, 'distance_m'].median():,.0f}",
            )
    return report


def overlapping_units(
    gdf: gpd.GeoDataFrame,
    *,
    what: str,
    path: str | Path | None,
    tolerance_m2: float = 1.0,
    name_column: str | None = None,
) -> pd.DataFrame:
    """Report pairs of units (社区, 街道) whose polygons overlap by more than ``tolerance_m2``.

    Overlapping 社区 count the residents and facilities of the shared area
    twice. Boundaries digitised separately often overlap by slivers; the
    tolerance ignores those below a square metre.

    Parameters
    ----------
    gdf
        The units in the working CRS (metres), indexed by their id.
    what
        What the units are, for the messages (e.g. ``"社区 (community) boundaries"``).
    path
        The file they came from, or None.
    tolerance_m2
        Overlaps of at most this area are not reported.
    name_column
        The names' column; by default ``<index name without _id>_name``
        (``community_name`` for ``community_id``) when present.

    Returns
    -------
    pandas.DataFrame
        One row per overlapping pair (``id_a < id_b`` in file order):
        ``id_a, name_a, id_b, name_b, overlap_m2, share_of_a, share_of_b,
        detail``, largest overlap first.

    Raises
    ------
    CRSError
        When the layer is not in a metric CRS.
    """
    _metric_layer(gdf, what)
    if name_column is None and gdf.index.name:
        guess = str(gdf.index.name).removesuffix("_id") + "_name"
        name_column = guess if guess in gdf.columns else None
    names = (
        gdf[name_column].to_numpy(dtype=object)
        if name_column is not None
        else np.full(len(gdf), None, dtype=object)
    )
    geoms = gdf.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    big = areas > tolerance_m2
    left, right, areas = left[big], right[big], areas[big]
    own = shapely.area(geoms)
    rows = []
    for i, j, a in zip(left, right, areas, strict=True):
        ia, ib = str(gdf.index[i]), str(gdf.index[j])
        rows.append(
            {
                "id_a": ia,
                "name_a": names[i],
                "id_b": ib,
                "name_b": names[j],
                "overlap_m2": float(a),
                "share_of_a": float(a / own[i]) if own[i] > 0 else np.nan,
                "share_of_b": float(a / own[j]) if own[j] > 0 else np.nan,
                "detail": (
                    f"{ia} and {ib} overlap by {a:,.0f} m² ({a / own[i]:.1%} of {ia}, "
                    f"{a / own[j]:.1%} of {ib}); residents and facilities there count for "
                    "both. Correct the boundaries so that they only touch."
                ),
            }
        )
    report = pd.DataFrame(rows, columns=list(OVERLAP_COLUMNS))
    report = report.sort_values("overlap_m2", ascending=False).reset_index(drop=True)
    if len(report):
        shown = "; ".join(
            f"{a}/{b}: {m:,.0f} m²"
            for a, b, m in zip(
                report["id_a"][:10], report["id_b"][:10], report["overlap_m2"][:10], strict=False
            )
        )
        logger.warning(
            "%s%d pair(s) of %s overlap by more than %g m²: %s%s",
            f"{path}: " if path is not None else "",
            len(report),
            what,
            tolerance_m2,
            shown,
            "" if len(report) <= 10 else "; ...",
        )
    return report
