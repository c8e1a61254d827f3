"""Readers of the rural and planner-declared units: 行政村 (polygons or points) and 生活圈.

``read_villages`` reads 行政村 as polygons, as points of a layer, or as points
of a table with 经度/纬度 (when only 村委会 points exist); a village without a
乡镇代码 is given the 街道/乡镇 polygon it lies in. ``read_circles`` reads the
planner-declared 便民生活圈 with their 建设状态. Both report what they assumed
in ``attrs["read_report"]`` (``io.read_report``) and refuse what cannot be
used with a message naming the file, the row or feature and the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..errors import CRSError, InputError
from .column_aliases import CIRCLE_ALIASES, VILLAGE_ALIASES
from .crs_sniff import sniff_crs_hint
from .facility_points import parse_coordinate_cells, points_from_coordinates
from .issues import Issue, attach_report
from .layers import (
    CrsLike,
    clean_str,
    existing_file,
    metric_crs,
    read_table,
    read_vector,
    sheet_hint,
    spreadsheet_rows,
    to_working,
)
from .validate import check_ids, ids_to_str, map_columns, repair_polygons, require_fields

logger = logging.getLogger(__name__)

#: Columns of the villages frame, in order (then ``geometry``).
VILLAGE_COLUMNS: Final = ("village_id", "village_name", "street_id", "street_name", "district")
#: Columns of the circles frame, in order (then ``geometry``).
CIRCLE_COLUMNS: Final = ("circle_id", "circle_name", "status")

#: The 建设状态 of a declared circle, and the words accepted for each (lower case).
CIRCLE_STATUSES: Final[dict[str, tuple[str, ...]]] = {
    "已建": ("已建", "已建成", "建成", "已完成", "built", "completed", "complete", "existing"),
    "在建": ("在建", "建设中", "正在建设", "施工中", "building", "under construction", "ongoing"),
    "规划": ("规划", "规划中", "拟建", "计划", "待建", "planned", "planning", "proposed"),
}
_STATUS_OF: Final = {word: status for status, words in CIRCLE_STATUSES.items() for word in words}

_TABLE_SUFFIXES: Final = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
_VILLAGES: Final = "行政村 (villages)"


def _none(n: int, index: pd.Index) -> pd.Series:
    return pd.Series([None] * n, index=index, dtype=object)


def _text(frame: pd.DataFrame, mapping: Mapping[str, str], field: str) -> pd.Series:
    if field not in mapping:
        return _none(len(frame), frame.index)
    values = frame[mapping[field]]
    return ids_to_str(values) if field.endswith("_id") else clean_str(values)


def _refuse(path: Path, what: str, issues: list[Issue], fix: str) -> None:
    shown = "; ".join(f"row/feature {i.row} ({i.id!r} {i.name or ''}): {i.detail}" for i in issues)
    raise InputError(f"{path}: {len(issues)} {what} cannot be placed: {shown[:1500]}. {fix}")


# --- villages -------------------------------------------------------------------------


def read_villages(
    path: str | Path,
    *,
    working_crs: CrsLike,
    streets: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    crs: CrsLike | None = None,
    encoding: str | None = None,
    layer: str | int | None = None,
    sheet: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read 行政村: polygons, points of a layer, or points of a table (经度/纬度).

    Parameters
    ----------
    path
        A vector file (GeoPackage, GeoJSON, shapefile) of polygons or points,
        or a CSV/XLSX table with longitude/latitude columns.
    working_crs
        The metric CRS of the study.
    streets
        The study's 街道/乡镇 (``read_boundaries``, working CRS). A village
        without a 乡镇代码 gets the one its polygon overlaps most (its point
        lies in), and street names and districts missing from the file are
        taken from it. None: no assignment.
    columns
        ``{field: header}`` for headers the defaults do not recognise.
        Defaults: 村代码/行政村代码/村编码, 村名称/行政村/行政村名称/村名,
        乡镇代码/街道代码, 乡镇名称/街道名称, 区县; for tables 经度/纬度.
    crs
        The coordinates' system: required for tables (``"WGS84"``,
        ``"GCJ-02"``, ``"EPSG:4549"``...); for layers it overrides the file's.
    encoding
        A CSV's or shapefile's encoding; by default detected.
    layer
        The layer of a multi-layer vector file.
    sheet
        The Excel sheet of a table.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``village_id`` (str) with ``village_id, village_name,
        street_id, street_name, district, geometry`` (Point or
        (Multi)Polygon) in ``working_crs``; ``street_id`` is NA for a
        village outside every 街道/乡镇. ``attrs["read_report"]`` lists
        assigned 乡镇, villages outside them, unknown 乡镇代码, repaired
        polygons and swapped coordinates.

    Raises
    ------
    InputError
        Missing or empty file, no id column, duplicate or missing ids,
        features that are neither polygons nor points, rows without usable
        coordinates.
    CRSError
        A table without ``crs``, or a layer without a CRS.
    """
    p = existing_file(path, _VILLAGES)
    working = metric_crs(working_crs)
    if p.name.lower().endswith(_TABLE_SUFFIXES):
        frame, issues, notes, rows = _villages_from_table(
            p, working, columns=columns, crs=crs, encoding=encoding, sheet=sheet
        )
    else:
        frame, issues, notes, rows = _villages_from_layer(
            p, working, columns=columns, crs=crs, encoding=encoding, layer=layer
        )
    if streets is not None:
        issues.extend(_assign_streets(frame, streets, rows, path=p))
    kinds = shapely.get_type_id(frame.geometry.to_numpy())
    n_points = int((kinds == 0).sum())
    notes.append(
        f"{p.name}: {len(frame)} 行政村 read ({len(frame) - n_points} polygons, {n_points} points)"
    )
    logger.info("%s: %d 行政村 read (%d as points)", p, len(frame), n_points)
    issues.sort(key=lambda i: (i.row or 0, i.issue))
    attach_report(frame, issues, notes)
    return frame


def _village_frame(keys: pd.DataFrame, geometry: np.ndarray, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    index = pd.RangeIndex(len(keys))
    frame = gpd.GeoDataFrame(
        {
            c: pd.Series(keys[c].to_numpy(dtype=object), index=index, dtype=object)
            for c in VILLAGE_COLUMNS
        },
        geometry=geometry,
        crs=crs,
    )
    frame.index = pd.Index(frame["village_id"].to_numpy(), name="village_id", dtype=object)
    return frame


def _village_keys(
    frame: pd.DataFrame, mapping: Mapping[str, str], *, path: Path, first_row: int
) -> pd.DataFrame:
    keys = pd.DataFrame({f: _text(frame, mapping, f) for f in VILLAGE_COLUMNS})
    check_ids(
        keys["village_id"],
        path=path,
        column=mapping["village_id"],
        what="行政村 (villages)",
        first_row=first_row,
    )
    return keys


def _villages_from_table(
    path: Path,
    working: pyproj.CRS,
    *,
    columns: Mapping[str, str] | None,
    crs: CrsLike | None,
    encoding: str | None,
    sheet: str | int | None,
) -> tuple[gpd.GeoDataFrame, list[Issue], list[str], np.ndarray]:
    what = "行政村 (village) table"
    df, notes = read_table(path, what=what, encoding=encoding, sheet=sheet)
    found = list(df.columns)
    mapping = map_columns(found, VILLAGE_ALIASES, columns, path=path, what=what)
    try:
        require_fields(
            mapping, ["village_id", "lon", "lat"], VILLAGE_ALIASES, found, path=path, what=what
        )
    except InputError as exc:
        raise InputError(f"{exc}{sheet_hint(path, sheet)}") from None
    rows = spreadsheet_rows(df)
    keys = _village_keys(df, mapping, path=path, first_row=2)
    ids, names = keys["village_id"], keys["village_name"]
    issues: list[Issue] = []
    lon, lat, ok = parse_coordinate_cells(
        df[mapping["lon"]], df[mapping["lat"]], rows, ids, names, issues
    )
    if crs is None:
        good = ok & np.isfinite(lon) & np.isfinite(lat)
        hint = (
            sniff_crs_hint(
                (
                    float(lon[good].min()),
                    float(lat[good].min()),
                    float(lon[good].max()),
                    float(lat[good].max()),
                )
            )
            if good.any()
            else "no row has usable coordinates."
        )
        raise CRSError(
            f"{path}: say which coordinate system the 行政村 points use: {hint} Set crs for "
            '[inputs.villages] in the study file (e.g. crs = "WGS84"; Amap points: "GCJ-02").'
        )
    points = points_from_coordinates(
        lon, lat, ok, crs, path=path, rows=rows, ids=ids, names=names, issues=issues, notes=notes
    )
    dropped = [i for i in issues if i.action == "dropped"]
    if dropped:
        _refuse(
            path,
            "行政村 (villages)",
            dropped,
            "A village without a place cannot be judged; fix the coordinates of these rows "
            "(or delete the rows if they are not villages of the study).",
        )
    geometry = points.to_crs(working).to_numpy()
    return _village_frame(keys, geometry, working), issues, notes, rows


def _villages_from_layer(
    path: Path,
    working: pyproj.CRS,
    *,
    columns: Mapping[str, str] | None,
    crs: CrsLike | None,
    encoding: str | None,
    layer: str | int | None,
) -> tuple[gpd.GeoDataFrame, list[Issue], list[str], np.ndarray]:
    what = "行政村 (village) layer"
    gdf, notes = read_vector(path, what=what, encoding=encoding, layer=layer)
    gdf = gdf.reset_index(drop=True)
    found = [c for c in gdf.columns if c != gdf.geometry.name]
    aliases = {k: v for k, v in VILLAGE_ALIASES.items() if k not in ("lon", "lat")}
    mapping = map_columns(found, aliases, columns, path=path, what=what)
    require_fields(mapping, ["village_id"], aliases, found, path=path, what=what)
    keys = _village_keys(gdf, mapping, path=path, first_row=1)
    geoms = gdf.geometry.to_numpy().copy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        bad = [f"{keys['village_id'].iloc[i]!r} (feature {i + 1})" for i in np.flatnonzero(empty)]
        raise InputError(
            f"{path}: {int(empty.sum())} 行政村 have an empty or missing geometry: "
            f"[{', '.join(bad[:10])}]. Draw the village (or its 村委会 point) or delete the "
            "feature."
        )
    types = shapely.get_type_id(geoms)
    single = (types == 4) & (shapely.get_num_geometries(geoms) == 1)  # a MultiPoint of one
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, [3, 6, 7])
    usable = polygonal | (types == 0)
    if not usable.all():
        bad = [
            f"{keys['village_id'].iloc[i]!r} ({geoms[i].geom_type}, feature {i + 1})"
            for i in np.flatnonzero(~usable)
        ]
        raise InputError(
            f"{path}: 行政村 must be polygons (village boundaries) or points (村委会), but "
            f"{int((~usable).sum())} are not: [{', '.join(bad[:10])}]. Give the polygon or the "
            "point layer of the villages."
        )
    issues: list[Issue] = []
    if polygonal.any():
        sub = gpd.GeoDataFrame(geometry=geoms[polygonal], crs=gdf.crs)
        sub_ids = keys["village_id"][polygonal].reset_index(drop=True)
        sub_names = keys["village_name"][polygonal].reset_index(drop=True)
        repaired, found_issues = repair_polygons(
            sub, sub_ids, path=path, what="行政村 (villages)", names=sub_names
        )
        geoms[polygonal] = repaired.geometry.to_numpy()
        position = np.flatnonzero(polygonal)
        for issue in found_issues:  # feature numbers of the whole layer, not of the subset
            row = int(position[(issue.row or 1) - 1]) + 1
            issues.append(Issue(row, issue.id, issue.name, issue.issue, issue.action, issue.detail))
        if not polygonal.all():
            msg = (
                f"{path.name}: {int(polygonal.sum())} villages are polygons and "
                f"{int((~polygonal).sum())} points (points are judged by distance only)"
            )
            logger.info(msg)
            notes.append(msg)
    placed = gpd.GeoDataFrame(geometry=geoms, crs=gdf.crs)
    placed = to_working(placed, crs, working, path=path, what=what, notes=notes)
    rows = np.arange(1, len(gdf) + 1)
    return _village_frame(keys, placed.geometry.to_numpy(), placed.crs), issues, notes, rows


def _assign_streets(
    frame: gpd.GeoDataFrame, streets: gpd.GeoDataFrame, rows: np.ndarray, *, path: Path
) -> list[Issue]:
    """Give villages without a 乡镇代码 the 街道/乡镇 they lie in; fill names; report. In place.

    ``rows`` are the villages' spreadsheet rows or feature numbers, for the report.
    """
    issues: list[Issue] = []
    known = set(streets.index.astype(str))
    polygons = streets.geometry.to_numpy()
    tree = shapely.STRtree(polygons)
    assigned: list[str] = []
    outside: list[str] = []
    sids = frame["street_id"].to_numpy(dtype=object).copy()
    records = zip(frame.index, frame["village_name"], frame.geometry.to_numpy(), strict=True)
    for k, (vid, name, geom) in enumerate(records):
        row, sid = int(rows[k]), sids[k]
        if sid is not None and not pd.isna(sid):
            if str(sid) not in known:
                issues.append(
                    Issue(
                        row,
                        str(vid),
                        name,
                        "unknown_street",
                        "kept",
                        f"乡镇代码 {sid!r} is not a 街道/乡镇 of the study ([inputs.streets] / "
                        "[inputs.townships]); the village counts for its 县（市、区） and the city "
                        "only. Fix the code or add the 乡镇 layer.",
                    )
                )
                logger.warning("%s: village %s names an unknown 乡镇代码 %r", path, vid, sid)
            continue
        hits = tree.query(geom, predicate="intersects")
        best = None
        if len(hits) and geom.geom_type == "Point":
            best = int(sorted(hits)[0])
        elif len(hits):
            overlap = shapely.area(shapely.intersection(polygons[hits], geom))
            if overlap.max() > 0:
                best = int(hits[int(np.argmax(overlap))])
        if best is None:
            outside.append(str(vid))
            issues.append(
                Issue(
                    row,
                    str(vid),
                    name,
                    "outside_streets",
                    "kept",
                    "no 乡镇代码, and the village lies in no 街道/乡镇 of the study; kept with "
                    "street_id empty (it counts for the city only). Fill in 乡镇代码 or check "
                    "the village's coordinates and crs.",
                )
            )
            continue
        street = str(streets.index[best])
        sids[k] = street
        assigned.append(str(vid))
        issues.append(
            Issue(
                row,
                str(vid),
                name,
                "street_assigned",
                "assigned",
                f"no 乡镇代码: given {streets['street_name'].iloc[best] or street} ({street}), "
                "the 街道/乡镇 it lies in",
            )
        )
    if assigned:
        logger.info(
            "%s: %d village(s) without 乡镇代码 given the 街道/乡镇 they lie in",
            path,
            len(assigned),
        )
    if outside:
        logger.warning(
            "%s: %d village(s) lie in no 街道/乡镇 of the study and have no 乡镇代码: %s",
            path,
            len(outside),
            ", ".join(outside[:10]),
        )
    frame["street_id"] = pd.Series(sids, index=frame.index, dtype=object)
    for column in ("street_name", "district"):
        from_street = frame["street_id"].map(streets[column].to_dict())
        missing = frame[column].isna() & from_street.notna()
        frame.loc[missing, column] = from_street[missing]
    return issues


# --- circles --------------------------------------------------------------------------


def parse_circle_status(value: str) -> str | None:
    """已建, 在建 or 规划 from a 建设状态 cell (also built/building/planned...), else None.

    Examples
    --------
    >>> parse_circle_status("Built"), parse_circle_status("建设中"), parse_circle_status("规划")
    ('已建', '在建', '规划')
    """
    return _STATUS_OF.get(" ".join(value.strip().lower().split()))


def read_circles(
    path: str | Path,
    *,
    working_crs: CrsLike,
    columns: Mapping[str, str] | None = None,
    crs: CrsLike | None = None,
    encoding: str | None = None,
    layer: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read planner-declared 便民生活圈 polygons with their 建设状态.

    Parameters
    ----------
    path
        A polygon layer (GeoPackage, GeoJSON, shapefile).
    working_crs
        The metric CRS of the study.
    columns
        ``{field: header}`` for headers the defaults do not recognise.
        Defaults: 生活圈编号/编号, 生活圈名称/名称, 建设状态/状态.
    crs
        Overrides the file's CRS (``"GCJ-02"`` for circles traced on Amap).
    encoding
        A shapefile's encoding; by default detected.
    layer
        The layer of a multi-layer file.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``circle_id`` (str) with ``circle_id, circle_name`` (the
        id when the file has no name), ``status`` (已建, 在建 or 规划; built,
        building, planned... are stored as these), ``geometry`` in
        ``working_crs``. Repaired polygons are in ``attrs["read_report"]``.

    Raises
    ------
    InputError
        Missing or empty file, no id or status column, duplicate or missing
        ids, a status that is none of the accepted values (the message names
        the features and the values), non-polygon geometries.
    """
    what = "生活圈 (circle) layer"
    p = existing_file(path, what)
    working = metric_crs(working_crs)
    gdf, notes = read_vector(p, what=what, encoding=encoding, layer=layer)
    gdf = gdf.reset_index(drop=True)
    found = [c for c in gdf.columns if c != gdf.geometry.name]
    mapping = map_columns(found, CIRCLE_ALIASES, columns, path=p, what=what)
    require_fields(mapping, ["circle_id", "status"], CIRCLE_ALIASES, found, path=p, what=what)
    ids = _text(gdf, mapping, "circle_id")
    check_ids(ids, path=p, column=mapping["circle_id"], what="生活圈 (circles)")
    names = _text(gdf, mapping, "circle_name")
    names = names.where(names.notna(), ids)
    raw = clean_str(gdf[mapping["status"]])
    statuses = [None if v is None else parse_circle_status(v) for v in raw]
    bad = [k for k, s in enumerate(statuses) if s is None]
    if bad:
        shown = "; ".join(
            f"feature {k + 1} ({ids.iloc[k]!r} {names.iloc[k]}): "
            + ("blank" if raw.iloc[k] is None else repr(raw.iloc[k]))
            for k in bad[:10]
        )
        accepted = "; ".join(f"{s}: {', '.join(w)}" for s, w in CIRCLE_STATUSES.items())
        raise InputError(
            f"{p}: column {mapping['status']!r} must say each circle's 建设状态, but "
            f"{len(bad)} do not: {shown}. Accepted values ({accepted}). Fix these features."
        )
    frame = gpd.GeoDataFrame(
        {
            "circle_id": pd.Series(ids.to_numpy(dtype=object), index=gdf.index, dtype=object),
            "circle_name": pd.Series(names.to_numpy(dtype=object), index=gdf.index, dtype=object),
            "status": pd.Series(statuses, index=gdf.index, dtype=object),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    frame, issues = repair_polygons(frame, ids, path=p, what="生活圈 (circles)", names=names)
    frame = to_working(frame, crs, working, path=p, what=what, notes=notes)
    frame.index = pd.Index(frame["circle_id"].to_numpy(), name="circle_id", dtype=object)
    counts = frame["status"].value_counts()
    summary = ", ".join(f"{s} {int(counts.get(s, 0))}" for s in CIRCLE_STATUSES)
    notes.append(f"{p.name}: {len(frame)} 生活圈 read ({summary})")
    logger.info("%s: %d 生活圈 read (%s)", p, len(frame), summary)
    attach_report(frame, issues, notes)
    return frame
