"""Checks at the boundary: column mapping, ids, geometries, CRS.

Everything here either returns clean data plus a record of what it changed, or
raises an ``InputError``/``CRSError`` whose message names the file, the
feature or row, the column, what was expected and what to do.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._errors import CRSError, InputError

logger = logging.getLogger(__name__)

#: A unit of area at the end of a header or a cell: "(㎡)", "（m2）", "㎡", "_m2", "35.5m2".
_UNIT_SUFFIX: Final = re.compile(
    r"\s*(?:[\(（\[【]\s*(?:㎡|m2|m²|m\^2|平方米|平米|sqm)\s*[\)）\]】]"
    r"|㎡|m²|平方米|平米"
    r"|(?<=[_\s0-9.\u4e00-\u9fff])(?:m2|sqm))\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Issue:
    """One thing a reader changed or refused in its input.

    Attributes
    ----------
    row
        Spreadsheet row number (header = 1) or feature number (first = 1);
        None when not row-specific.
    id
        The feature's id when known.
    name
        The feature's name when known.
    issue
        Short machine-readable kind (``"invalid_geometry"``, ``"unclassified"``...).
    action
        What the reader did: ``"repaired"``, ``"corrected"``, ``"dropped"``,
        ``"not_included"``, ``"value_cleared"``.
    detail
        A sentence for the planner.
    """

    row: int | None
    id: str | None
    name: str | None
    issue: str
    action: str
    detail: str


REPORT_COLUMNS: Final = ("row", "id", "name", "issue", "action", "detail")


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """A tidy DataFrame (``REPORT_COLUMNS``) of issues."""
    rows = [
        {
            "row": i.row,
            "id": i.id,
            "name": i.name,
            "issue": i.issue,
            "action": i.action,
            "detail": i.detail,
        }
        for i in issues
    ]
    df = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    df["row"] = df["row"].astype("Int64")
    return df


def normalise_header(text: object) -> str:
    """A column header reduced for matching: stripped, lower case, unit suffix (㎡, m2) removed.

    Examples
    --------
    >>> normalise_header(" 建筑面积（㎡） ")
    '建筑面积'
    >>> normalise_header("Total_Floor_Area_m2")
    'total_floor_area'
    """
    s = str(text).strip().replace("\ufeff", "")
    s = _UNIT_SUFFIX.sub("", s)
    s = s.rstrip("_ ").strip()
    return s.lower()


def map_columns(
    found: Iterable[object],
    aliases: Mapping[str, tuple[str, ...]],
    user: Mapping[str, str] | None,
    *,
    path: Path,
    what: str,
) -> dict[str, str]:
    """Find the source column of each contract field.

    Parameters
    ----------
    found
        The column headers of the file.
    aliases
        For each contract field, the headers accepted by default (matched
        after ``normalise_header``).
    user
        The study's mapping ``{field: header}``; it wins over the aliases and
        must exist in the file.
    path, what
        For messages.

    Returns
    -------
    dict
        ``{field: header as in the file}`` for the fields found.

    Raises
    ------
    InputError
        When a user-mapped header is not in the file, or maps an unknown field.
    """
    headers = [str(h) for h in found]
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(normalise_header(h), h)
    result: dict[str, str] = {}
    user = dict(user or {})
    unknown = sorted(set(user) - set(aliases))
    if unknown:
        raise InputError(
            f"{path}: the column mapping for {what} names unknown field(s) {unknown}. "
            f"Fields that can be mapped: {sorted(aliases)}."
        )
    for field, header in user.items():
        if header in headers:
            result[field] = header
        elif normalise_header(header) in by_norm:
            result[field] = by_norm[normalise_header(header)]
        else:
            raise InputError(
                f"{path}: the column mapping says {field} is in column {header!r}, but the "
                f"{what} has no such column. Columns found: {headers}. Fix the 'columns' "
                "setting of this input."
            )
    taken = set(result.values())
    for field, names in aliases.items():
        if field in result:
            continue
        for alias in (field, *names):
            hit = by_norm.get(normalise_header(alias))
            if hit is not None and hit not in taken:
                result[field] = hit
                taken.add(hit)
                break
    # Shapefile field names are cut at 10 bytes (街道代码 in UTF-8 -> 街道代): a header
    # that is the cut-off start of exactly one alias of one field stands for that field.
    for h in headers:
        nh = normalise_header(h)
        if h in taken or len(nh.encode("utf-8")) < 7 or len(h.encode("utf-8")) > 10:
            continue
        fields = {
            f
            for f, names in aliases.items()
            if f not in result
            for alias in (f, *names)
            if len(alias.encode("utf-8")) > 10 and normalise_header(alias).startswith(nh)
        }
        if len(fields) == 1:
            field = fields.pop()
            result[field] = h
            taken.add(h)
            logger.info("%s: column %r taken as %s (a name cut at 10 bytes)", path, h, field)
    return result


def require_fields(
    mapping: Mapping[str, str],
    required: Iterable[str],
    aliases: Mapping[str, tuple[str, ...]],
    found: Iterable[object],
    *,
    path: Path,
    what: str,
) -> None:
    """Raise InputError naming the missing fields, the headers found and the accepted ones."""
    missing = [f for f in required if f not in mapping]
    if not missing:
        return
    accepted = "; ".join(f"{f}: {', '.join(aliases.get(f, ()))}" for f in missing)
    raise InputError(
        f"{path}: the {what} has no column for {missing}. Columns found: "
        f"{[str(h) for h in found]}. Expected a column named one of ({accepted}), or map it "
        f'in the study file, e.g. columns = {{ {missing[0]} = "<your header>" }}.'
    )


def ids_to_str(values: pd.Series) -> pd.Series:
    """Codes as text: ``320602001`` and ``320602001.0`` both become ``"320602001"``.

    Missing values stay missing (None).
    """

    def one(v: Any) -> str | None:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
            return str(int(v))
        s = str(v).strip()
        if re.fullmatch(r"\d+\.0+", s):
            s = s.split(".", 1)[0]
        return s or None

    return pd.Series([one(v) for v in values], index=values.index, dtype=object)


def _singular(what: str) -> str:
    """``"facilities"`` -> ``"facility"``, ``"社区 (community) boundaries"`` -> ``"... boundary"``."""
    if what.endswith("ies"):
        return what[:-3] + "y"
    return what[:-1] if what.endswith("s") else what


def check_ids(ids: pd.Series, *, path: Path, column: str, what: str, first_row: int = 1) -> None:
    """Refuse missing or duplicate ids, naming them and the rows where they occur."""
    missing = np.flatnonzero(ids.isna().to_numpy())
    if len(missing):
        rows = [int(i) + first_row for i in missing[:10]]
        raise InputError(
            f"{path}: {len(missing)} {what} have no {column!r} (rows/features {rows}). "
            "Every feature needs a unique id; fill them in."
        )
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        groups: dict[str, list[int]] = {}
        for pos, v in zip(np.flatnonzero(ids.duplicated(keep=False).to_numpy()), dup, strict=True):
            groups.setdefault(str(v), []).append(int(pos) + first_row)
        shown = "; ".join(f"{k!r} at {v}" for k, v in list(groups.items())[:10])
        raise InputError(
            f"{path}: column {column!r} must identify each {_singular(what)} "
            f"once, but {len(groups)} id(s) repeat: {shown}. Give each feature its own id "
            "(merge the duplicates, or fix the column mapping)."
        )


#: Nantong's extent in degrees (west, south, east, north), to say which CRS candidate lands there.
NANTONG_LONLAT: Final = (120.2, 31.6, 122.0, 32.8)

#: Projected CRSs with 6-digit eastings that planners in and around Jiangsu hand over.
_SIX_DIGIT_CANDIDATES: Final = (
    (4549, "CGCS2000 3-degree Gauss-Kruger CM 120E"),
    (4550, "CGCS2000 3-degree Gauss-Kruger CM 123E"),
    (4548, "CGCS2000 3-degree Gauss-Kruger CM 117E"),
    (32651, "WGS84 UTM zone 51N"),
    (32650, "WGS84 UTM zone 50N"),
)


def crs_candidates(bounds: tuple[float, float, float, float]) -> list[tuple[str, str, str]]:
    """Projected CRSs (6-digit eastings) that could hold coordinates in ``bounds``.

    Returns
    -------
    list of (crs, description, where)
        ``"EPSG:4549"``, its name, and where the coordinates would then lie
        (degrees, and "in Nantong" when they do); those in Nantong first.
        A candidate fits when the coordinates fall inside its area of use
        and inside China.
    """
    xmin, ymin, xmax, ymax = bounds
    found: list[tuple[bool, str, str, str]] = []
    for epsg, label in _SIX_DIGIT_CANDIDATES:
        crs = pyproj.CRS.from_epsg(epsg)
        to_ll = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
        lon, lat = to_ll.transform([xmin, xmax, xmin, xmax], [ymin, ymin, ymax, ymax])
        area = crs.area_of_use
        assert area is not None
        w, s, e, n = area.bounds
        pad = 1.0  # Gauss-Kruger data often run past the nominal zone edge
        if not (min(lon) >= w - pad and max(lon) <= e + pad and min(lat) >= s - pad):
            continue
        if not (max(lat) <= n + pad and np.all(np.isfinite(lon))):
            continue
        if min(lon) < 72.0 or max(lon) > 138.0 or min(lat) < 0.8 or max(lat) > 56.0:
            continue  # outside China: not a candidate for a planner's file
        nw, ns, ne, nn = NANTONG_LONLAT
        in_nantong = min(lon) >= nw and max(lon) <= ne and min(lat) >= ns and max(lat) <= nn
        where = f"{min(lon):.2f}-{max(lon):.2f}E, {min(lat):.2f}-{max(lat):.2f}N" + (
            ", in Nantong" if in_nantong else ""
        )
        found.append((not in_nantong, f"EPSG:{epsg}", label, where))
    found.sort(key=lambda t: t[0])
    return [(c, label, where) for _, c, label, where in found]


def _six_digit_hint(bounds: tuple[float, float, float, float]) -> str:
    xmin, ymin, xmax, _ = bounds
    head = (
        f"the eastings are 6-digit metres ({xmin:,.0f}-{xmax:,.0f}) and the northings about "
        f"{ymin / 1e6:.1f} million metres"
    )
    found = crs_candidates(bounds)
    if not found:
        return (
            f"{head}, which fits none of EPSG:4549/4550/4548 or UTM 50N/51N; ask whoever "
            "made the file which CRS (central meridian) it uses."
        )
    listed = "; ".join(f"{c} ({label}) -> {where}" for c, label, where in found)
    nantong = [c for c, _, where in found if where.endswith("in Nantong")]
    advice = (
        "If the data are in Nantong, set "
        + " or ".join(f'crs = "{c}"' for c in nantong)
        + " for this input in the study file; "
        if nantong
        else "None of them puts the data in Nantong; set crs for this input once you know; "
    )
    return (
        f"{head}, which fits {len(found)} coordinate systems: {listed}. {advice}"
        "ask whoever made the file if unsure (the central meridian, or the .prj)."
    )


def sniff_crs_hint(bounds: tuple[float, float, float, float]) -> str:
    """A question about the CRS of coordinates with no CRS, from their range.

    Examples
    --------
    >>> sniff_crs_hint((120.8, 31.9, 121.0, 32.1))[:40]
    'the coordinates are longitude/latitude d'
    """
    xmin, ymin, xmax, ymax = bounds
    if not np.all(np.isfinite(bounds)):
        return "the coordinates are not finite; check the geometries."
    if xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90:
        return (
            "the coordinates are longitude/latitude degrees: is it CGCS2000 "
            '(crs = "EPSG:4490", government data) or WGS84 (crs = "EPSG:4326", GPS/OSM)? '
            'If it was traced on Amap/Tencent maps use crs = "GCJ-02", on Baidu maps '
            'crs = "BD-09".'
        )
    zone = int(xmin // 1e6)
    if 25 <= zone <= 45 and int(xmax // 1e6) == zone and ymin >= 2.0e6 and ymax <= 6.0e6:
        epsg = 4513 + zone - 25  # CGCS2000 / 3-degree Gauss-Kruger zone 25..45
        return (
            f"the eastings have the 8-digit zone prefix {zone}xxxxxx and the northings are about "
            f"{ymin / 1e6:.1f} million metres: this looks like CGCS2000 3-degree Gauss-Kruger "
            f'zone {zone} with the zone number (crs = "EPSG:{epsg}", central meridian '
            f"{3 * zone}E)."
        )
    if xmin >= 1.0e5 and xmax <= 9.0e5 and ymin >= 2.0e6 and ymax <= 6.0e6:
        return _six_digit_hint(bounds)
    return (
        f"the coordinates range over x {xmin:,.1f}..{xmax:,.1f}, y {ymin:,.1f}..{ymax:,.1f}, "
        "which matches no CRS usual in China; ask whoever made the file which CRS it uses."
    )


def resolve_crs(
    gdf: gpd.GeoDataFrame, crs: str | int | pyproj.CRS | None, *, path: Path, what: str
) -> tuple[pyproj.CRS | None, str | None]:
    """The CRS of a layer: ``(pyproj CRS, None)`` or ``(None, "GCJ-02"/"BD-09")``.

    The study's ``crs`` wins over the file's (with a logged warning when they
    differ). A file with no CRS and no ``crs`` raises CRSError with a question
    sniffed from the coordinate range.
    """
    from .crs import OffsetCRS, parse_crs

    if crs is not None:
        parsed = parse_crs(crs)
        if isinstance(parsed, OffsetCRS):
            if gdf.crs is not None and not gdf.crs.is_geographic:
                raise CRSError(
                    f"{path}: the study says the {what} are in {parsed.name} (degrees), but the "
                    f"file's CRS is {gdf.crs.name} (metres). Remove crs from this input or fix "
                    "the file."
                )
            logger.info("%s: %s coordinates in %s (as configured)", path, what, parsed.name)
            return None, parsed.name
        if gdf.crs is not None and not gdf.crs.equals(parsed):
            logger.warning(
                "%s: the file says its CRS is %s but the study says %s; using the study's.",
                path,
                gdf.crs.to_string(),
                parsed.to_string(),
            )
        return parsed, None
    if gdf.crs is None:
        bounds = tuple(float(b) for b in gdf.total_bounds)
        raise CRSError(
            f"{path}: the {what} file has no CRS (a shapefile without its .prj?), and "
            f"{sniff_crs_hint(bounds)} Set crs for this input in the study file, or add the .prj."  # type: ignore[arg-type]
        )
    return pyproj.CRS.from_user_input(gdf.crs), None


def check_coordinates_fit_crs(
    gdf: gpd.GeoDataFrame, crs: pyproj.CRS, *, path: Path, what: str
) -> None:
    """Refuse a layer whose coordinates cannot be in its declared CRS (metres labelled degrees)."""
    if len(gdf) == 0:
        return
    xmin, ymin, xmax, ymax = (float(b) for b in gdf.total_bounds)
    if crs.is_geographic and (xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90):
        raise CRSError(
            f"{path}: the {what} are declared in {crs.name} (degrees) but their coordinates "
            f"range over x {xmin:,.0f}..{xmax:,.0f}, y {ymin:,.0f}..{ymax:,.0f}: "
            f"{sniff_crs_hint((xmin, ymin, xmax, ymax))} Fix the .prj or set crs for this input."
        )
    if not crs.is_geographic and max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) <= 360:
        raise CRSError(
            f"{path}: the {what} are declared in {crs.name} (metres) but their coordinates "
            f"look like degrees (x {xmin:.4f}..{xmax:.4f}, y {ymin:.4f}..{ymax:.4f}). "
            'Set crs = "EPSG:4490" or "EPSG:4326" for this input (or GCJ-02/BD-09).'
        )


def repair_polygons(
    gdf: gpd.GeoDataFrame,
    ids: pd.Series,
    *,
    path: Path,
    what: str,
    names: pd.Series | None = None,
) -> tuple[gpd.GeoDataFrame, list[Issue]]:
    """Refuse missing/empty/non-polygon geometries; repair invalid polygons with make_valid.

    Returns the layer with repaired geometries (polygonal parts only) and one
    ``Issue`` per repaired feature (area before and after).
    """
    geoms = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        bad = [f"{ids.iloc[i]!r} (feature {i + 1})" for i in np.flatnonzero(empty)[:10]]
        raise InputError(
            f"{path}: {int(empty.sum())} {what} have an empty or missing geometry: "
            f"[{', '.join(bad)}]. "
            "A boundary without a shape cannot be analysed; draw it or delete the feature."
        )
    types = shapely.get_type_id(geoms)
    not_poly = ~np.isin(types, [3, 6, 7])  # Polygon, MultiPolygon, GeometryCollection
    if not_poly.any():
        bad = [f"{ids.iloc[i]!r} ({geoms[i].geom_type})" for i in np.flatnonzero(not_poly)[:10]]
        raise InputError(
            f"{path}: {what} must be polygons, but {int(not_poly.sum())} are not: "
            f"[{', '.join(bad)}]. "
            "Give the polygon layer of the boundaries."
        )
    invalid = ~shapely.is_valid(geoms) | (types == 7)
    issues: list[Issue] = []
    if not invalid.any():
        return gdf, issues
    out = geoms.copy()
    for i in np.flatnonzero(invalid):
        g = geoms[i]
        reason = shapely.is_valid_reason(g)
        fixed = shapely.make_valid(g)
        parts = [
            p
            for p in shapely.get_parts(fixed)
            if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty
        ]
        if not parts:
            raise InputError(
                f"{path}: {_singular(what)} {ids.iloc[i]!r} (feature "
                f"{i + 1}) has an invalid geometry ({reason}) with no area left after repair. "
                "Redraw it."
            )
        repaired = shapely.union_all(parts)
        if repaired.geom_type not in ("Polygon", "MultiPolygon"):
            repaired = shapely.multipolygons(shapely.get_parts(repaired))
        out[i] = repaired
        detail = (
            f"invalid geometry ({reason}) repaired with make_valid; area "
            f"{float(shapely.area(g)):.6g} -> {float(repaired.area):.6g} (source units)"
        )
        logger.warning("%s: %s %r: %s", path, what, ids.iloc[i], detail)
        issues.append(
            Issue(
                int(i) + 1,
                str(ids.iloc[i]),
                None if names is None else names.iloc[i],
                "invalid_geometry",
                "repaired",
                detail,
            )
        )
    gdf = gdf.copy()
    gdf[gdf.geometry.name] = gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs)
    return gdf, issues


_TRUE: Final = frozenset({"是", "1", "true", "yes", "y", "t", "√", "✓", "有"})
_FALSE: Final = frozenset({"否", "0", "false", "no", "n", "f", "×", "无", "不是"})


def parse_bool(value: object) -> bool | None:
    """是/否, 1/0, true/false, yes/no as bool; blank as None.

    Raises
    ------
    ValueError
        When the value is none of these.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer, float)) and float(value) in (0.0, 1.0):
        return bool(value)
    s = str(value).strip().lower()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(s)


def parse_number(value: object) -> float | None:
    """A number from a cell (``"1,200"``, ``"35.5㎡"`` allowed); blank as None.

    Raises
    ------
    ValueError
        When the cell holds something else.
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(str(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
        return None if np.isnan(f) else f
    # full-width digits and signs (１２０．８８, －) as typed with a Chinese input method
    s = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    s = _UNIT_SUFFIX.sub("", s).strip()
    if not s:
        return None
    f = float(s)
    if not np.isfinite(f):
        raise ValueError(s)
    return f


# --- checks across features (after reading, in the working CRS) --------------------------

#: Columns of ``points_outside_area``'s report: the read report's, then the distance and file.
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
