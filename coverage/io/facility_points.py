"""Points from the coordinate cells of a facility table: found, parsed, checked, converted.

Cells that are blank or text, coordinates in the wrong order, at (0, 0) or
outside the area of the declared CRS are corrected or left out, each with an
``Issue`` by row and name; GCJ-02/BD-09 coordinates are converted to WGS84.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .. import crs as _crs
from ..errors import CRSError, InputError
from .crs_sniff import sniff_crs_hint
from .issues import Issue
from .layers import CrsLike, clean_str
from .validate import parse_degrees, require_fields

logger = logging.getLogger(__name__)


def coordinate_cells(
    df: pd.DataFrame,
    mapping: Mapping[str, str],
    *,
    aliases: Mapping[str, tuple[str, ...]],
    path: Path,
    found: list[str],
) -> tuple[pd.Series, pd.Series]:
    """Raw lon/lat cells (from two columns, or one 'lon,lat' location column).

    Raises
    ------
    InputError
        When the table has neither (naming the headers found and accepted).
    """
    if "lon" in mapping and "lat" in mapping:
        return df[mapping["lon"]], df[mapping["lat"]]
    if "location" in mapping:
        parts = clean_str(df[mapping["location"]]).str.split(r"[,，;\s]+", regex=True, n=1)
        lon = parts.map(lambda x: x[0] if isinstance(x, list) and len(x) == 2 else None)
        lat = parts.map(lambda x: x[1] if isinstance(x, list) and len(x) == 2 else None)
        return lon, lat
    require_fields(mapping, ["lon", "lat"], aliases, found, path=path, what="facility list")
    raise AssertionError  # pragma: no cover


def parse_coordinate_cells(
    lon_raw: pd.Series,
    lat_raw: pd.Series,
    rows: np.ndarray,
    ids: pd.Series,
    names: pd.Series,
    issues: list[Issue],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers from the coordinate cells; rows with blanks or text are reported and masked.

    Decimal degrees, and degrees with °/′/″ (or 度/分/秒) and a hemisphere letter
    (``validate.parse_degrees``), are read.
    """
    n = len(lon_raw)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    ok = np.ones(n, dtype=bool)
    for k, (a, b) in enumerate(zip(lon_raw, lat_raw, strict=True)):
        try:
            x, y = parse_degrees(a), parse_degrees(b)
        except ValueError:
            x = y = None
            kind = "non_numeric_coordinates"
            advice = (
                "write them as decimal degrees (120.92) or degrees-minutes-seconds "
                "(120°55'12.3\"E) / 请写成十进制度或度分秒"
            )
        else:
            kind = "missing_coordinates"
            advice = "fill them in / 请填写坐标"
        if x is None or y is None:
            ok[k] = False
            issues.append(
                Issue(
                    int(rows[k]),
                    ids.iloc[k],
                    names.iloc[k],
                    kind,
                    "dropped",
                    f"coordinates ({a!r}, {b!r}) are not two numbers; {advice}",
                )
            )
            continue
        lon[k], lat[k] = x, y
    return lon, lat, ok


#: A list whose coordinates cannot be read in more than this share of the rows that have
#: some is refused (planner choice): a few typos are reported and left out, but half a
#: column in a form the reader does not take is a format to fix, not rows to lose.
UNREADABLE_SHARE = 0.5


def refuse_unreadable_coordinates(path: Path, ok: np.ndarray, issues: list[Issue]) -> None:
    """Refuse a list whose coordinates are mostly unreadable (``UNREADABLE_SHARE``), or all lost.

    Raises
    ------
    InputError
        Showing the first rows and what was in them.
    """
    unreadable = [i for i in issues if i.issue == "non_numeric_coordinates"]
    written = len(ok) - sum(i.issue == "missing_coordinates" for i in issues)
    if len(ok) and (not ok.any() or len(unreadable) > UNREADABLE_SHARE * written):
        # not a few bad rows: the column is in a form the reader does not take
        shown = "; ".join(f"row {i.row}: {i.detail}" for i in (unreadable or issues)[:3])
        how_many = (
            f"none of the {len(ok)} rows has"
            if not ok.any()
            else f"{len(unreadable)} of the {written} rows with coordinates have none"
        )
        raise InputError(
            f"{path}: {how_many} coordinates the reader can use ({shown}). Check the "
            "经度/纬度 columns (or the columns mapping in the study file) / "
            "坐标大多无法读取，请检查经纬度列。"
        )


def _plausible_lonlat(
    lon: np.ndarray,
    lat: np.ndarray,
    ok: np.ndarray,
    *,
    bounds: tuple[float, float, float, float],
    where: str,
    rows: np.ndarray,
    ids: pd.Series,
    names: pd.Series,
    issues: list[Issue],
) -> None:
    """Swap back lon/lat given in the wrong order; drop (0, 0) and out-of-range points. In place."""
    west, south, east, north = bounds

    def inside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (x >= west) & (x <= east) & (y >= south) & (y <= north)

    for k in np.flatnonzero(ok):
        x, y = lon[k], lat[k]
        if x == 0 and y == 0:
            reason = "at (0, 0), which usually means a blank exported as zero"
        elif inside(np.array([x]), np.array([y]))[0]:
            continue
        elif inside(np.array([y]), np.array([x]))[0]:
            lon[k], lat[k] = y, x
            issues.append(
                Issue(
                    int(rows[k]),
                    ids.iloc[k],
                    names.iloc[k],
                    "swapped_coordinates",
                    "corrected",
                    f"longitude/latitude ({x}, {y}) were in the wrong order; swapped back",
                )
            )
            continue
        else:
            reason = f"({x}, {y}) is outside {where}"
        ok[k] = False
        issues.append(
            Issue(
                int(rows[k]),
                ids.iloc[k],
                names.iloc[k],
                "out_of_range",
                "dropped",
                f"coordinates {reason}; check the row",
            )
        )


def points_from_coordinates(
    lon: np.ndarray,
    lat: np.ndarray,
    ok: np.ndarray,
    crs: CrsLike | None,
    *,
    path: Path,
    rows: np.ndarray,
    ids: pd.Series,
    names: pd.Series,
    issues: list[Issue],
    notes: list[str],
) -> gpd.GeoSeries:
    """Points (WGS84 or the table's CRS) from checked coordinates; NaN where not ok."""
    if crs is None:
        good = ok & np.isfinite(lon) & np.isfinite(lat)
        if good.any():
            bounds = (
                float(lon[good].min()),
                float(lat[good].min()),
                float(lon[good].max()),
                float(lat[good].max()),
            )
            hint = sniff_crs_hint(bounds)
        else:
            hint = "no row has usable coordinates."
        raise CRSError(
            f"{path}: say which coordinate system the facility list uses: {hint} "
            'Set crs for this input in the study file (Amap/高德 exports are "GCJ-02").'
        )
    parsed = _crs.parse_crs(crs)
    if isinstance(parsed, _crs.OffsetCRS):
        _plausible_lonlat(
            lon,
            lat,
            ok,
            bounds=(72.004, 0.8293, 137.8347, 55.8271),
            where=f"China, where {parsed.name} is defined",
            rows=rows,
            ids=ids,
            names=names,
            issues=issues,
        )
        x, y = lon.copy(), lat.copy()
        if ok.any():
            x[ok], y[ok] = _crs.to_wgs84(lon[ok], lat[ok], parsed.name)
        msg = f"{path.name}: {int(ok.sum())} points converted from {parsed.name} to WGS84 (iterated inverse)"
        logger.info(msg)
        notes.append(msg)
        out_crs = pyproj.CRS.from_epsg(4326)
    else:
        area = parsed.area_of_use
        west, south, east, north = area.bounds if area is not None else (-180.0, -90.0, 180.0, 90.0)
        if parsed.is_geographic:
            _plausible_lonlat(
                lon,
                lat,
                ok,
                bounds=(west - 1, south - 1, east + 1, north + 1),
                where=f"the area of use of {parsed.name}",
                rows=rows,
                ids=ids,
                names=names,
                issues=issues,
            )
            x, y = lon.copy(), lat.copy()
        else:
            to_ll = pyproj.Transformer.from_crs(parsed, 4326, always_xy=True)
            x, y = lon.copy(), lat.copy()
            with np.errstate(all="ignore"):
                glon, glat = to_ll.transform(lon, lat)
                slon, slat = to_ll.transform(lat, lon)
            pad = 1.0
            for k in np.flatnonzero(ok):
                fits = west - pad <= glon[k] <= east + pad and south - pad <= glat[k] <= north + pad
                if fits:
                    continue
                if west - pad <= slon[k] <= east + pad and south - pad <= slat[k] <= north + pad:
                    x[k], y[k] = lat[k], lon[k]
                    issues.append(
                        Issue(
                            int(rows[k]),
                            ids.iloc[k],
                            names.iloc[k],
                            "swapped_coordinates",
                            "corrected",
                            f"x/y ({lon[k]}, {lat[k]}) were in the wrong order; swapped back",
                        )
                    )
                else:
                    ok[k] = False
                    issues.append(
                        Issue(
                            int(rows[k]),
                            ids.iloc[k],
                            names.iloc[k],
                            "out_of_range",
                            "dropped",
                            f"coordinates ({lon[k]}, {lat[k]}) are outside the area of use of "
                            f"{parsed.name}; check the row or the crs setting",
                        )
                    )
        out_crs = parsed
    x = np.where(ok, x, np.nan)
    y = np.where(ok, y, np.nan)
    return gpd.GeoSeries(shapely.points(x, y), crs=out_crs)
