"""Checks at the boundary: column mapping, ids, geometries, CRS.

Everything here either returns clean data plus a record of what it changed, or
raises an ``InputError``/``CRSError`` whose message names the file, the
feature or row, the column, what was expected and what to do.

The record of changes (``Issue``, ``issues_frame``) lives in ``_issues``,
the CRS questions for files without one in ``_crs_sniff`` and the checks
across features (``points_outside_area``, ``overlapping_units``) in
``_spatial_checks``; they are re-exported here.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..errors import CRSError, InputError
from .crs_sniff import NANTONG_LONLAT as NANTONG_LONLAT
from .crs_sniff import crs_candidates as crs_candidates
from .crs_sniff import sniff_crs_hint as sniff_crs_hint
from .issues import REPORT_COLUMNS as REPORT_COLUMNS
from .issues import Issue as Issue
from .issues import attach_report as attach_report
from .issues import issues_frame as issues_frame
from .issues import value_cleared
from .spatial_checks import OUTSIDE_COLUMNS as OUTSIDE_COLUMNS
from .spatial_checks import OVERLAP_COLUMNS as OVERLAP_COLUMNS
from .spatial_checks import overlapping_units as overlapping_units
from .spatial_checks import points_outside_area as points_outside_area

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: A unit of area at the end of a header or a cell: "(㎡)", "（m2）", "㎡", "_m2", "35.5m2".
_UNIT_SUFFIX: Final = re.compile(
    r"\s*(?:[\(（\[【]\s*(?:㎡|m2|m²|m\^2|平方米|平米|sqm)\s*[\)）\]】]"
    r"|㎡|m²|平方米|平米"
    r"|(?<=[_\s0-9.\u4e00-\u9fff])(?:m2|sqm))\s*$",
    re.IGNORECASE,
)


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


def resolve_crs(
    gdf: gpd.GeoDataFrame, crs: str | int | pyproj.CRS | None, *, path: Path, what: str
) -> tuple[pyproj.CRS | None, str | None]:
    """The CRS of a layer: ``(pyproj CRS, None)`` or ``(None, "GCJ-02"/"BD-09")``.

    The study's ``crs`` wins over the file's (with a logged warning when they
    differ). A file with no CRS and no ``crs`` raises CRSError with a question
    sniffed from the coordinate range.
    """
    from ..crs import OffsetCRS, parse_crs

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
    if not crs.is_geographic and crs.area_of_use is not None:
        _check_area_of_use(crs, (xmin, ymin, xmax, ymax), path=path, what=what)


#: How far (degrees) outside its declared area of use a layer may reach before its
#: CRS is refused: a study at the edge of a 3-degree zone still fits.
AREA_OF_USE_MARGIN_DEG = 1.5


def _check_area_of_use(
    crs: pyproj.CRS, bounds: tuple[float, float, float, float], *, path: Path, what: str
) -> None:
    """Refuse projected coordinates that fall outside the CRS's area (or project to inf).

    A .prj of another zone or another false easting (EPSG:4528's 40xxxxxx over
    EPSG:4549's six-digit eastings) would otherwise reproject without a word.
    """
    xmin, ymin, xmax, ymax = bounds
    xs = np.array([xmin, xmax, xmin, xmax, (xmin + xmax) / 2])
    ys = np.array([ymin, ymin, ymax, ymax, (ymin + ymax) / 2])
    to_degrees = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    lon, lat = (np.asarray(v, dtype=float) for v in to_degrees.transform(xs, ys))
    west, south, east, north = crs.area_of_use.bounds  # type: ignore[union-attr]
    m = AREA_OF_USE_MARGIN_DEG
    finite = np.isfinite(lon) & np.isfinite(lat)
    inside = (
        finite & (lon >= west - m) & (lon <= east + m) & (lat >= south - m) & (lat <= north + m)
    )
    if inside.all():
        return
    found = (
        f"they project to lon {np.nanmin(lon):.2f}..{np.nanmax(lon):.2f}, "
        f"lat {np.nanmin(lat):.2f}..{np.nanmax(lat):.2f}"
        if finite.all()
        else "they cannot be projected from it (infinite results)"
    )
    raise CRSError(
        f"{path}: the {what} are declared in {crs.name}, made for "
        f"{crs.area_of_use.name.rstrip('.')} "  # type: ignore[union-attr]
        f"(lon {west}..{east}), but their coordinates (x {xmin:,.0f}..{xmax:,.0f}, "
        f"y {ymin:,.0f}..{ymax:,.0f}) do not fit it: {found}. "
        f"{sniff_crs_hint(bounds)} Fix the .prj or set crs for this input / "
        "坐标与声明的坐标系不符，请检查 .prj 或在研究配置中设置 crs。"
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


_DEGREES = re.compile(
    r"^(?P<pre>[NSEW])?\s*(?P<d>\d+(?:\.\d+)?)\s*(?:°|度)?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:'|分))?\s*"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:\"|秒))?\s*(?P<post>[NSEW])?$"
)
_HEMISPHERE = {"东经": "E", "西经": "W", "北纬": "N", "南纬": "S"}


def parse_degrees(value: object) -> float | None:
    r"""A coordinate written in degrees: ``120.92°E``, ``E120.92``, ``120°55'12.3"E``, 东经120度55分.

    Degrees, minutes and seconds (°, ′ or ', ″ or ", or 度/分/秒) with an optional
    hemisphere letter before or after (W and S are negative); a plain number passes
    through ``parse_number``. Blank is None.

    Raises
    ------
    ValueError
        When the cell is neither (minutes or seconds of 60 or more, two hemispheres).

    >>> round(parse_degrees("120°55'12.3\"E"), 6)
    120.920083
    >>> parse_degrees("北纬31.98度")
    31.98
    """
    try:
        return parse_number(value)
    except ValueError:
        pass
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    # NFKC writes ″ as two primes; read primes and doubled apostrophes as ' and "
    text = text.replace("′′", '"').replace("′", "'").replace("''", '"')
    for words, letter in _HEMISPHERE.items():
        text = text.replace(words, letter)
    match = _DEGREES.match(text.replace(" ", ""))
    if match is None or (match["pre"] and match["post"]):
        raise ValueError(value)
    minutes, seconds = float(match["m"] or 0), float(match["s"] or 0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError(value)
    degrees = float(match["d"]) + minutes / 60 + seconds / 3600
    return -degrees if (match["pre"] or match["post"]) in ("W", "S") else degrees


def parse_non_negative(value: object) -> float | None:
    """``parse_number`` that also refuses negative numbers (areas, beds, places).

    Raises
    ------
    ValueError
        When the cell holds something else, or a number below 0.
    """
    x = parse_number(value)
    if x is not None and x < 0:
        raise ValueError(value)
    return x


def parse_whole_number(value: object) -> float | None:
    """``parse_number`` that also refuses negative and fractional numbers (households, residents).

    Raises
    ------
    ValueError
        When the cell holds something else, a number below 0 or with a fraction.
    """
    x = parse_number(value)
    if x is not None and (x < 0 or not float(x).is_integer()):
        raise ValueError(value)
    return x


def parse_cells(
    cells: Iterable[object],
    parse: Callable[[object], _T | None],
    *,
    column: str,
    rows: np.ndarray,
    ids: pd.Series,
    names: pd.Series,
    expected: str,
    issues: list[Issue],
    outcome: str = "left empty",
) -> list[_T | None]:
    """The cells of one column parsed; a cell ``parse`` refuses is cleared and reported.

    Parameters
    ----------
    cells
        The column's values, in row order.
    parse
        Turns a cell into a value (None for a blank); raises ValueError for
        a cell it refuses (``parse_number``, ``parse_bool``...).
    column
        The column's header in the file (for the report).
    rows, ids, names
        The row numbers and keys of the cells (for the report).
    expected
        What the column holds (``"a number ≥ 0"``).
    issues
        Gets one ``bad_value`` / ``value_cleared`` issue per refused cell.
    outcome
        What became of a refused cell, for the report.

    Returns
    -------
    list
        The parsed values, None where blank or refused.
    """
    values: list[_T | None] = []
    for k, v in enumerate(cells):
        try:
            values.append(parse(v))
        except ValueError:
            values.append(None)
            issues.append(
                value_cleared(
                    int(rows[k]),
                    ids.iloc[k],
                    names.iloc[k],
                    column=column,
                    value=v,
                    expected=expected,
                    outcome=outcome,
                )
            )
    return values
