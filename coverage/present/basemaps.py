"""Basemaps for the coverage maps, and the display coordinates each one needs.

Layers are analysed in the working CRS (metres). For display they are turned
into longitude/latitude: WGS84 for OpenStreetMap, Tianditu (CGCS2000, the same
to well under a metre here) and the tile-free map; GCJ-02 for Gaode (Amap),
whose tiles are drawn in that offset datum. The shift is for display only.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from ..crs import from_wgs84
from ..errors import ConfigError

logger = logging.getLogger(__name__)

#: Coordinates written into the HTML keep 6 decimals (about 0.1 m).
DISPLAY_DECIMALS = 6

#: Environment variable read for the Tianditu key when none is passed.
TIANDITU_ENV = "TIANDITU_KEY"


@dataclass(frozen=True)
class TileSpec:
    """One tile layer of a basemap."""

    url: str
    attribution: str
    name: str
    subdomains: str = "abc"
    max_zoom: int = 18
    overlay: bool = False


@dataclass(frozen=True)
class Basemap:
    """A basemap choice and the coordinates its layers are displayed in."""

    key: str
    label_zh: str
    label_en: str
    display_datum: str
    tiles: tuple[TileSpec, ...]

    @property
    def shift_note_zh(self) -> str:
        """Chinese sentence on the display coordinates."""
        if self.display_datum == "GCJ-02":
            return (
                "图层已由 WGS84 偏移为 GCJ-02（火星坐标）以对齐高德底图，仅用于显示；分析坐标未改变"
            )
        return "显示坐标为 WGS84（无偏移）"

    @property
    def shift_note_en(self) -> str:
        """English sentence on the display coordinates."""
        if self.display_datum == "GCJ-02":
            return (
                "layers shifted WGS84 → GCJ-02 to match the Gaode tiles, for display only; "
                "the analysis coordinates are unchanged"
            )
        return "display coordinates WGS84 (no shift)"


BASEMAP_KEYS = ("none", "osm", "gaode", "tianditu")


def _tianditu_url(layer: str, key: str) -> str:
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
        f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
    )


def basemap_for(key: str, *, tianditu_key: str | None = None) -> Basemap:
    """Describe the basemap ``key`` ("none", "osm", "gaode" or "tianditu").

    Raises
    ------
    ConfigError
        For an unknown key, or "tianditu" without a key (argument or the
        ``TIANDITU_KEY`` environment variable).
    """
    if key == "none":
        return Basemap(
            "none", "无底图（仅矢量边界）", "no tiles (vector boundaries only)", "WGS84", ()
        )
    if key == "osm":
        return Basemap(
            "osm",
            "OpenStreetMap",
            "OpenStreetMap",
            "WGS84",
            (
                TileSpec(
                    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "&copy; OpenStreetMap contributors",
                    "OpenStreetMap",
                    subdomains="abc",
                    max_zoom=19,
                ),
            ),
        )
    if key == "gaode":
        return Basemap(
            "gaode",
            "高德地图",
            "Gaode (Amap)",
            "GCJ-02",
            (
                TileSpec(
                    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                    "&style=8&x={x}&y={y}&z={z}",
                    "&copy; 高德地图 AutoNavi",
                    "高德地图 Gaode",
                    subdomains="1234",
                ),
            ),
        )
    if key == "tianditu":
        tk = tianditu_key or os.environ.get(TIANDITU_ENV)
        if not tk:
            raise ConfigError(
                "The Tianditu basemap needs a key (天地图 tk): pass tianditu_key=... or set "
                f"the environment variable {TIANDITU_ENV}. Get one at the Tianditu developer "
                "site, or use basemap='none' / 'osm' / 'gaode'."
            )
        return Basemap(
            "tianditu",
            "天地图",
            "Tianditu",
            "WGS84",
            (
                TileSpec(
                    _tianditu_url("vec", tk),
                    "&copy; 天地图 Tianditu",
                    "天地图 Tianditu",
                    "01234567",
                ),
                TileSpec(
                    _tianditu_url("cva", tk),
                    "&copy; 天地图 Tianditu",
                    "天地图注记 Tianditu labels",
                    "01234567",
                    overlay=True,
                ),
            ),
        )
    raise ConfigError(f"Unknown basemap {key!r}; choose one of {', '.join(BASEMAP_KEYS)}.")


def add_tiles(m: folium.Map, basemap: Basemap) -> None:
    """Add the basemap's tile layers to ``m`` (nothing for "none")."""
    for spec in basemap.tiles:
        folium.TileLayer(
            tiles=spec.url,
            attr=spec.attribution,
            name=spec.name,
            subdomains=spec.subdomains,
            max_zoom=spec.max_zoom,
            overlay=spec.overlay,
            control=True,
        ).add_to(m)


def _shift_and_round(coords: NDArray[np.float64], datum: str) -> NDArray[np.float64]:
    if datum != "WGS84" and len(coords):
        lon, lat = from_wgs84(coords[:, 0], coords[:, 1], datum)
        coords = np.column_stack([lon, lat])
    return np.round(coords, DISPLAY_DECIMALS)


def to_display(
    gdf: gpd.GeoDataFrame, basemap: Basemap, *, simplify_m: float = 0.0
) -> gpd.GeoDataFrame:
    """Return ``gdf`` in the basemap's display longitude/latitude (EPSG:4326 label).

    Polygons are simplified by ``simplify_m`` metres first (in the metric CRS),
    coordinates are shifted to GCJ-02 for Gaode and rounded to 6 decimals.
    The CRS label stays EPSG:4326 even for GCJ-02, which has no EPSG code: the
    result is for drawing only, never for analysis.
    """
    out = gdf.copy()
    if simplify_m > 0 and out.crs is not None and out.crs.is_projected:
        out = out.set_geometry(out.geometry.simplify(simplify_m, preserve_topology=True))
    out = out.to_crs(4326)
    geoms = shapely.transform(
        np.asarray(out.geometry.array, dtype=object),
        lambda c: _shift_and_round(c, basemap.display_datum),
    )
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=4326))
