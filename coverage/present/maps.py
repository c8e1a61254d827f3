"""Interactive coverage maps (folium/Leaflet) of a study's results.

``coverage_map`` draws, as layers that can be switched on and off: the 社区 and
街道 boundaries coloured by one rule's result, the resident points left without
a facility of each category within the walk (sized by population), the existing
facilities by category, and optionally walking isochrones and proposed sites.
A legend states the rule, its clause and target (Chinese first, then English);
a title box names the study, the basemap and the display shift, and says
SAMPLE / 示例数据 for synthetic studies.

Offline maps (the default) inline the vendored Leaflet (``coverage/assets``)
and reference no CDN; with ``basemap="none"`` they need no network at all.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import folium
import geopandas as gpd

from ..analysis import StudyResult
from .atomic import atomic_path
from .basemaps import add_tiles, basemap_for, to_display
from .map_assets import (
    MAP_CSS,
    Box,
    FitBounds,
    LabelLayer,
    MetricScale,
    PointLayer,
    RawHTML,
    inline_leaflet,
)
from .map_layers import (
    facility_layers,
    gap_layer,
    lat_lon,
    road_layer,
    unit_layer,
    unit_layer_frame,
)
from .map_legend import legend_html, title_html
from .map_rule import DEFAULT_GAP_MINUTES as DEFAULT_GAP_MINUTES
from .map_rule import GRADED_KINDS as GRADED_KINDS
from .map_rule import gap_thresholds, rule_info
from .style import OTHER_COLOUR, PALETTE, SIMPLIFY_M, category_label, format_value
from .style import STATUS_COLOURS as STATUS_COLOURS
from .style import STATUS_LABELS as STATUS_LABELS
from .style import status_of as status_of

logger = logging.getLogger(__name__)

__all__ = ["category_names", "coverage_map", "save_map", "status_of"]

#: Gap layers with more resident points than this are summed into grid cells.
MAX_GAP_POINTS = 20_000

#: Above this many edges the road context layer is left out (the HTML would be too heavy).
MAX_ROAD_EDGES = 60_000


def category_names(result: StudyResult) -> dict[str, tuple[str, str]]:
    """Category key -> (Chinese, English) display names from the study's category table."""
    return {c.key: (c.name_zh, c.name_en) for c in result.categories}


def coverage_map(
    result: StudyResult,
    *,
    basemap: str = "none",
    offline: bool = True,
    rule_id: str | None = "R1",
    categories: Sequence[str] | Mapping[str, float] | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    proposed_sites: gpd.GeoDataFrame | None = None,
    tianditu_key: str | None = None,
) -> folium.Map:
    """Draw a study's coverage as a folium map with toggleable layers.

    Parameters
    ----------
    result
        The study result (layers in the working CRS).
    basemap
        "none" (no tiles, the study's own boundaries only), "osm", "gaode" (all
        layers shifted to GCJ-02 for display) or "tianditu" (needs a key).
    offline
        Inline the vendored Leaflet so that the HTML references no CDN. With a
        tile basemap the tiles still need the network (logged, and said on the map).
    rule_id
        The rule whose results colour the 社区 and 街道 boundaries; None for none.
    categories
        Facility categories to draw gap and facility layers for: a sequence of
        category keys (walk limit: 15 minutes at the study's speed) or a mapping
        of category key to walk limit in metres. Default: the rule's categories
        at the rule's walk (from the study's rule file; 15 minutes when the rule
        has no walk, e.g. R2), or every measured category without a rule.
        Facilities of other categories share one layer, hidden at first. Gap
        layers of more than ``MAX_GAP_POINTS`` points are summed into grid cells.
    isochrones
        Walking catchments to draw (columns ``category``, ``threshold_m``, geometry).
    proposed_sites
        Proposed new facility sites (points; every other column goes into the tooltip).
    tianditu_key
        Tianditu key; default the environment variable ``TIANDITU_KEY``.

    Returns
    -------
    folium.Map
        Save it with ``save_map``.

    Raises
    ------
    ConfigError
        Unknown basemap, or Tianditu without a key.
    InputError
        ``rule_id`` or a category that the result does not contain.
    """
    base = basemap_for(basemap, tianditu_key=tianditu_key)
    if offline and base.tiles:
        logger.warning(
            "Offline map with the %s basemap: Leaflet is inlined, but the tiles still need "
            "the network; without it only the vector layers show.",
            base.key,
        )
    info = rule_info(result, rule_id) if rule_id is not None else None
    thresholds = gap_thresholds(result, categories, info)
    names = category_names(result)
    colours = {cat: PALETTE[i % len(PALETTE)] for i, cat in enumerate(thresholds)}

    streets = to_display(result.streets, base, simplify_m=SIMPLIFY_M)
    communities = to_display(result.communities, base, simplify_m=SIMPLIFY_M)
    minx, miny, maxx, maxy = communities.total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2.0, (minx + maxx) / 2.0],
        zoom_start=13,
        tiles=None,
        control_scale=False,
        prefer_canvas=True,
    )
    if offline:
        inline_leaflet(m)
    else:
        m.default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js")]
        m.default_css = [
            ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css")
        ]
    root = m.get_root()
    root.header.add_child(RawHTML(MAP_CSS), name="fc_css")  # type: ignore[attr-defined]
    if not base.tiles:
        root.header.add_child(  # type: ignore[attr-defined]
            RawHTML("<style>.leaflet-container { background: #f4f3ee; }</style>"),
            name="fc_background",
        )
    add_tiles(m, base)
    if not base.tiles and result.network is not None:
        roads = road_layer(result, base, max_edges=MAX_ROAD_EDGES)
        if roads is not None:
            roads.add_to(m)

    table = result.rule_results
    levels_with_rows = (
        set(table.loc[table["rule_id"] == info.rule_id, "level"]) if info is not None else set()
    )
    street_primary = "street" in levels_with_rows and "community" not in levels_with_rows
    rule_tag = f"{info.rule_id} " if info else ""
    comm_frame = unit_layer_frame(
        communities,
        "community_id",
        "community_name",
        "community",
        table,
        info,
        fill_opacity=0.25 if street_primary else 0.55,
        weight=1.0,
    )
    unit_layer(comm_frame, f"社区 {rule_tag}结果 · Communities", "community", show=True).add_to(m)
    street_frame = unit_layer_frame(
        streets,
        "street_id",
        "street_name",
        "street",
        table,
        info,
        fill_opacity=0.5 if street_primary else 0.0,
        weight=3.0,
        outline_status=street_primary,
    )
    unit_layer(street_frame, f"街道 {rule_tag}结果 · Streets", "street", show=True).add_to(m)
    label_points = to_display(
        gpd.GeoDataFrame(
            {"street_name": result.streets["street_name"].to_numpy()},
            geometry=result.streets.representative_point().to_numpy(),
            crs=result.streets.crs,
        ),
        base,
    )
    lat, lon = lat_lon(label_points)
    LabelLayer(
        "街道名称 · Street names",
        [
            [float(lat[k]), float(lon[k]), html.escape(str(n))]
            for k, n in enumerate(label_points["street_name"])
        ],
    ).add_to(m)

    if isochrones is not None and not isochrones.empty:
        iso = to_display(isochrones, base, simplify_m=SIMPLIFY_M)
        iso_props = gpd.GeoDataFrame(
            {
                "category": [
                    html.escape(" ".join(category_label(names, str(c)))) for c in iso["category"]
                ],
                "threshold": [f"{float(t):.0f} m" for t in iso["threshold_m"]],
                "style": [
                    {
                        "color": colours.get(str(c), OTHER_COLOUR),
                        "weight": 1,
                        "fillColor": colours.get(str(c), OTHER_COLOUR),
                        "fillOpacity": 0.12,
                    }
                    for c in iso["category"]
                ],
            },
            geometry=iso.geometry.values,
            crs=4326,
        )
        folium.GeoJson(
            iso_props.__geo_interface__,
            name="步行等时圈 · Walking isochrones",
            show=False,
            tooltip=folium.GeoJsonTooltip(
                fields=["category", "threshold"], aliases=["类别 Category", "步行距离 Walk"]
            ),
        ).add_to(m)

    residents = to_display(result.residents, base)
    for cat, limit in thresholds.items():
        layer = gap_layer(
            result,
            names,
            residents,
            cat,
            limit,
            colours[cat],
            show=len(thresholds) == 1,
            max_points=MAX_GAP_POINTS,
        )
        if layer is not None:
            layer.add_to(m)
    for layer in facility_layers(to_display(result.facilities, base), colours, names):
        layer.add_to(m)

    if proposed_sites is not None and not proposed_sites.empty:
        sites = to_display(proposed_sites, base)
        lat, lon = lat_lon(sites)
        extra = [c for c in sites.columns if c != sites.geometry.name][:8]
        rows = []
        for k, (_, site) in enumerate(sites.iterrows()):
            tip = "<b>建议选址 Proposed site</b>" + "".join(
                f"<br>{html.escape(str(c))}: {html.escape(format_value(site[c]))}" for c in extra
            )
            rows.append([float(lat[k]), float(lon[k]), 8, tip])
        PointLayer(
            "建议选址 · Proposed sites",
            rows,
            style={"color": "#000000", "weight": 3, "fillColor": "#ffff33", "fillOpacity": 1.0},
            tooltip_js="function (r) { return r[3]; }",
        ).add_to(m)

    m.add_child(MetricScale())
    m.add_child(Box("fc-title", title_html(result, base, offline)))
    m.add_child(Box("fc-legend", legend_html(result, info, colours, thresholds, names)))
    n_overlays = sum(isinstance(c, folium.map.Layer) for c in m._children.values())
    folium.LayerControl(collapsed=n_overlays > 12, position="topright").add_to(m)
    m.add_child(FitBounds([[miny, minx], [maxy, maxx]]))
    return m


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write the map as one self-contained HTML file, atomically.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    page = m.get_root().render()
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    logger.info("Wrote map %s (%.0f kB)", path, path.stat().st_size / 1024)
    return path
