"""Questions about the CRS of coordinates that come without one (a shapefile without .prj).

From the range of the coordinates alone: degrees, 8-digit Gauss-Kruger
eastings with their zone prefix, or 6-digit eastings that fit several
projected CRSs (``crs_candidates``), each put as a question the planner can
answer in the study file.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyproj

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
