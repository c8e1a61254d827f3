"""Interactive coverage maps (folium/Leaflet) of a study's results.

``coverage_map`` draws, as layers that can be switched on and off: the 社区 and
街道 boundaries coloured by one rule's result, the resident points left without
a facility of each category within the walk (sized by population; the layers of
the categories the rule fails for start switched on), the existing facilities by
category (clustered at low zoom above ``CLUSTER_ABOVE``), the walking network
on maps without tiles or offline (its through streets only above
``MAX_ROAD_EDGES``), and optionally walking isochrones and proposed sites.

Hovering a 社区 shows a short tooltip (name, 街道, the rule's value, target and
outcome); clicking it, or a dot over it, opens a popup with every rule judged
for the 社区 and its 街道. The 街道 are outlines that let the pointer through.
A side panel on the left holds the title (study, basemap, display shift;
SAMPLE / 示例数据 for synthetic studies) and the collapsible legend (the rule,
its clause and target, Chinese first, then English); the view is fitted so
that neither it nor the layer control covers the study area.

Offline maps (the default) inline the vendored Leaflet and Leaflet.markercluster
(``coverage/present/assets``) and reference no CDN; with ``basemap="none"`` they
need no network at all.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np

from ..analysis import StudyResult
from .atomic import atomic_path
from .basemaps import add_tiles, basemap_for, to_display
from .map_assets import (
    CLUSTER_UNTIL_ZOOM,
    MAP_CSS,
    UNIT_JS,
    FitBounds,
    LabelLayer,
    MetricScale,
    PointLayer,
    RawHTML,
    SidePanel,
    UnitLayer,
    inline_leaflet,
    link_cdn,
)
from .map_layers import (
    GAP_CELL_M as GAP_CELL_M,
)
from .map_layers import (
    RuleRows,
    facility_layers,
    feature_collection,
    gap_layer,
    land_layer,
    lat_lon,
    road_layer,
    unit_layer,
    unit_layer_frame,
)
from .map_legend import legend_html, title_html
from .map_rule import DEFAULT_GAP_MINUTES as DEFAULT_GAP_MINUTES
from .map_rule import GRADED_KINDS as GRADED_KINDS
from .map_rule import RuleInfo, distance_frame, gap_thresholds, rule_info
from .style import OTHER_COLOUR, PALETTE, SIMPLIFY_M, category_label, format_value
from .style import STATUS_COLOURS as STATUS_COLOURS
from .style import STATUS_LABELS as STATUS_LABELS
from .style import status_of as status_of
from .values import comparisons

logger = logging.getLogger(__name__)

__all__ = ["category_names", "coverage_map", "save_map", "status_of"]

#: Gap layers with more resident points than this are summed into cells of ``GAP_CELL_M``.
MAX_GAP_POINTS = 20_000

#: Above this many edges the road context layer draws only the longest through streets
#: (``map_layers.road_layer``), this many edges of them: the HTML would be too heavy.
MAX_ROAD_EDGES = 60_000

#: Maps of more 社区 than this start with the layer panel collapsed (planner choice:
#: at city size the open panel would take a third of the view).
COLLAPSE_LAYERS_ABOVE = 100

#: Facility layers with more facilities than this cluster at low zoom (markercluster).
CLUSTER_ABOVE = 100


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
    before: StudyResult | None = None,
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
    before
        The study before the proposed sites (when ``result`` has them built): its
        gaps are drawn too, as grey layers switched off at first.

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
    has_sites = proposed_sites is not None and not proposed_sites.empty
    notes: list[tuple[str, str]] = []

    streets = to_display(result.streets, base, simplify_m=SIMPLIFY_M)
    communities = to_display(result.communities, base, simplify_m=SIMPLIFY_M)
    minx, miny, maxx, maxy = communities.total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2.0, (minx + maxx) / 2.0],
        zoom_start=13,
        tiles=None,
        control_scale=False,
        prefer_canvas=True,
        # Leaflet.markercluster needs the map's maximum zoom, which no tile layer gives
        # here (folium passes max_zoom only to tiles, so the Leaflet option by its name).
        **{"maxZoom": 19},  # type: ignore[arg-type]
    )
    if offline:
        inline_leaflet(m)
    else:
        link_cdn(m)
    root = m.get_root()
    root.header.add_child(RawHTML(MAP_CSS), name="fc_css")  # type: ignore[attr-defined]
    root.header.add_child(RawHTML(UNIT_JS), name="fc_unit_js")  # type: ignore[attr-defined]
    if not base.tiles:
        root.header.add_child(  # type: ignore[attr-defined]
            RawHTML("<style>.leaflet-container { background: #f4f3ee; }</style>"),
            name="fc_background",
        )
    add_tiles(m, base)

    table = result.rule_results
    levels_with_rows = (
        set(table.loc[table["rule_id"] == info.rule_id, "level"]) if info is not None else set()
    )
    street_primary = "street" in levels_with_rows and "community" not in levels_with_rows
    rule_tag = f"{info.rule_id} " if info else ""
    ops = comparisons(result)
    rule_rows = RuleRows(table, ops)
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
        ops=ops,
    )
    heads = {
        str(sid): {"s": s_, "value": v, "target": t}
        for sid, s_, v, t in zip(
            result.streets["street_id"].astype(str),
            street_frame["s"],
            street_frame["value"],
            street_frame["target"],
            strict=True,
        )
    }
    comm_frame = unit_layer_frame(
        communities,
        "community_id",
        "community_name",
        "community",
        table,
        info,
        fill_opacity=0.25 if street_primary else 0.55,
        weight=1.0,
        rule_rows=rule_rows,
        fallback=heads if street_primary else None,
        ops=ops,
    )
    context = {
        "level_zh": "社区",
        "rule": html.escape(f"{info.rule_id} {info.name_zh}") if info is not None else "",
        "rules": rule_rows.rules,
        "texts": rule_rows.texts,
        "streets": {
            str(sid): {"name": html.escape(str(name)), "rows": rule_rows.of("street", str(sid))}
            for sid, name in zip(
                result.streets["street_id"], result.streets["street_name"], strict=True
            )
        },
    }
    # 社区 take the pointer (tooltip, popup with every rule of the 社区 and its 街道);
    # the 街道 drawn over them are outlines that let the pointer through.
    unit_layer(
        comm_frame,
        f"社区 {rule_tag}结果 · Communities",
        show=True,
        interactive=True,
        context=context,
    ).add_to(m)
    unit_layer(street_frame, f"街道 {rule_tag}结果 · Streets", show=True, interactive=False).add_to(
        m
    )
    # The walking network as context wherever tiles may be missing: no tiles, or an
    # offline map (its tiles need the network).
    if offline or not base.tiles:
        land = land_layer(result, base)
        if land is not None:
            land.add_to(m)
    if (offline or not base.tiles) and result.network is not None:
        roads, road_note = road_layer(result, base, max_edges=MAX_ROAD_EDGES)
        roads.add_to(m)
        if road_note is not None:
            notes.append(road_note)
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
        # Outlines that let the pointer through to the 社区 (coloured like the category's
        # facilities; the layer name gives the walks).
        walks = " / ".join(f"{v:.0f} m" for v in sorted(set(iso["threshold_m"].astype(float))))
        UnitLayer(
            f"步行等时圈（{walks}）· Walking isochrones",
            feature_collection(iso_props),
            {},
            interactive=False,
            show=False,
        ).add_to(m)

    shown_gaps = failing_categories(result, info, thresholds, street_primary)
    gap_layers = []
    if before is not None:
        # The gaps before the proposed sites, for comparison (hidden at first).
        before_res = to_display(before.residents, base)
        for cat, limit in thresholds.items():
            if cat in distance_frame(before).columns:
                gap_layers.append(
                    gap_layer(
                        before,
                        names,
                        before_res,
                        cat,
                        limit,
                        "#7f7f7f",
                        show=False,
                        max_points=MAX_GAP_POINTS,
                        name_prefix="选址前 ",
                        name_suffix=" (before the sites)",
                    )
                )
        notes.append(
            (
                "缺口为建议选址建成后的缺口；选址前的缺口（灰色）默认关闭，可在图层面板打开",
                "Gaps are those left with the proposed sites built; the gaps before them "
                "(grey) are a layer switched off at first",
            )
        )
    residents = to_display(result.residents, base)
    for cat, limit in thresholds.items():
        gap_layers.append(
            gap_layer(
                result,
                names,
                residents,
                cat,
                limit,
                colours[cat],
                show=cat in shown_gaps,
                max_points=MAX_GAP_POINTS,
            )
        )
    grid = max((g.grid_m for g in gap_layers if g is not None), default=0.0)
    for g in gap_layers:
        if g is not None:
            g.add_to(m)
    if grid:
        notes.append(
            (
                f"居民点多于 {MAX_GAP_POINTS:,} 个的缺口图层按 {grid:.0f} m × {grid:.0f} m 网格"
                "汇总（人口相加，画在网格内人口加权中心）",
                f"Gap layers of more than {MAX_GAP_POINTS:,} points are summed into "
                f"{grid:.0f} m cells (population added up)",
            )
        )
    fac_layers = facility_layers(
        to_display(result.facilities, base), colours, names, cluster_above=CLUSTER_ABOVE
    )
    for layer in fac_layers:
        layer.add_to(m)
    if any(layer.cluster for layer in fac_layers):
        notes.append(
            (
                f"设施多于 {CLUSTER_ABOVE} 个的图层在缩小时聚合为带数字的圆，"
                f"放大到 {CLUSTER_UNTIL_ZOOM} 级逐个显示",
                f"Layers of more than {CLUSTER_ABOVE} facilities are grouped into numbered "
                f"circles when zoomed out, one by one from zoom {CLUSTER_UNTIL_ZOOM}",
            )
        )

    if proposed_sites is not None and has_sites:
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
    m.add_child(
        SidePanel(
            title_html(result, base, offline),
            legend_html(result, info, colours, thresholds, names, sites=has_sites, notes=notes),
        )
    )
    # The site map starts with the layer panel collapsed (its map is the point), and so
    # does a city-size map, whose study area needs the room (the panel opens on hover).
    collapsed = has_sites or len(result.communities) > COLLAPSE_LAYERS_ABOVE
    folium.LayerControl(collapsed=collapsed, position="topright").add_to(m)
    m.add_child(FitBounds([[miny, minx], [maxy, maxx]]))
    return m


def failing_categories(
    result: StudyResult,
    info: RuleInfo | None,
    thresholds: Mapping[str, float],
    street_primary: bool,
) -> set[str]:
    """Categories whose gap layers start switched on: those where the shown rule fails.

    A category counts when some resident point of a failing unit (社区, or 街道
    for a street-level rule; the whole study for a rule judged only for the
    city) lies beyond its walk limit. Without a rule: the one category, if only one.
    """
    if info is None:
        return set(thresholds) if len(thresholds) == 1 else set()
    table = result.rule_results
    rows = table[table["rule_id"] == info.rule_id]
    level = "street" if street_primary else "community"
    at = rows[rows["level"] == level]
    res = result.residents
    if not at.empty:
        failed = {
            str(u)
            for u, p in zip(at["unit_id"], at["passed"], strict=True)
            if status_of(p) == "fail"
        }
        col = "street_id" if street_primary else "community_id"
        if col not in res:
            return set()
        inside = res[col].astype(str).isin(failed).to_numpy()
    elif any(status_of(p) == "fail" for p in rows["passed"]):
        inside = np.ones(len(res), dtype=bool)
    else:
        return set()
    dist = distance_frame(result)
    return {
        cat
        for cat, limit in thresholds.items()
        if cat in dist and bool(((dist[cat].reindex(res.index) > limit).to_numpy() & inside).any())
    }


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
