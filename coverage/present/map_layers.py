"""Layers of the coverage map: units by rule result, gaps, facilities and roads.

Units (社区, 街道) are GeoJSON with a style and a tooltip per feature; gaps and
facilities are compact point layers (``PointLayer``), one per category; the
walking network is one light multi-line feature for maps without tiles.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..analysis import StudyResult
from ..names import LEVELS
from .basemaps import DISPLAY_DECIMALS, Basemap, to_display
from .map_assets import PointLayer
from .map_rule import RuleInfo, distance_frame
from .style import (
    OTHER_COLOUR,
    SIMPLIFY_M,
    STATUS_COLOURS,
    STATUS_LABELS,
    category_label,
    format_value,
    graded_fill,
    status_of,
)

logger = logging.getLogger(__name__)


def unit_layer_frame(
    units: gpd.GeoDataFrame,
    id_col: str,
    name_col: str,
    level: str,
    table: pd.DataFrame,
    info: RuleInfo | None,
    *,
    fill_opacity: float,
    weight: float,
    outline_status: bool = True,
) -> gpd.GeoDataFrame:
    """Boundaries with the rule outcome, tooltip fields and a Leaflet style per feature.

    Units without a row of the rule at ``level`` are grey (not evaluated); failing
    units get a red outline when ``outline_status``; graded rules fill shares on a ramp.
    """
    frame = units[[id_col, name_col]].copy()
    frame["geometry"] = units.geometry.to_numpy()
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=units.crs)
    frame[id_col] = frame[id_col].astype(str)
    if info is not None:
        rows = table[(table["rule_id"] == info.rule_id) & (table["level"] == level)].copy()
        rows["unit_id"] = rows["unit_id"].astype(str)
        rows = rows.drop_duplicates("unit_id").set_index("unit_id")
    else:
        rows = pd.DataFrame(columns=table.columns).set_index("unit_id")
    level_zh = LEVELS[level]
    props: dict[str, list[Any]] = {
        k: [] for k in ("status", "value", "target", "shortfall", "reason_zh", "reason_en", "style")
    }
    for unit_id in frame[id_col]:
        if unit_id in rows.index:
            row = rows.loc[unit_id]
            status = status_of(row["passed"])
            unit = "" if pd.isna(row["value_unit"]) else str(row["value_unit"])
            short_unit = "" if pd.isna(row["shortfall_unit"]) else str(row["shortfall_unit"])
            value, target = format_value(row["value"], unit), format_value(row["target"], unit)
            shortfall = format_value(row["shortfall"], short_unit)
            reason_zh = "" if pd.isna(row["reason_zh"]) else str(row["reason_zh"])
            reason_en = "" if pd.isna(row["reason_en"]) else str(row["reason_en"])
            graded = graded_fill(row["value"], row["target"]) if info and info.graded else None
            fill = graded or STATUS_COLOURS[status]
        else:
            status, value, target, shortfall = "na", "—", "—", "—"
            reason_zh = f"本规则不在{level_zh}层级评估" if info else "未选择规则"
            reason_en = f"rule not evaluated per {level}" if info else "no rule selected"
            fill = STATUS_COLOURS["na"]
        zh, en = STATUS_LABELS[status]
        props["status"].append(f"{zh} {en}")
        props["value"].append(html.escape(value))
        props["target"].append(html.escape(target))
        props["shortfall"].append(html.escape(shortfall))
        props["reason_zh"].append(html.escape(reason_zh))
        props["reason_en"].append(html.escape(reason_en))
        props["style"].append(
            {
                "color": "#b2182b" if status == "fail" and outline_status else "#333333",
                "weight": weight + (1.0 if status == "fail" and outline_status else 0.0),
                "fillColor": fill,
                "fillOpacity": fill_opacity,
            }
        )
    for key, values in props.items():
        frame[key] = values
    frame["name"] = frame[name_col].astype(str).map(html.escape)
    frame["unit_id"] = frame[id_col].map(html.escape)
    return frame[
        [
            "unit_id",
            "name",
            "status",
            "value",
            "target",
            "shortfall",
            "reason_zh",
            "reason_en",
            "style",
            "geometry",
        ]
    ]


def unit_layer(frame: gpd.GeoDataFrame, name: str, level: str, *, show: bool) -> folium.GeoJson:
    """The GeoJSON layer of a ``unit_layer_frame``, with its bilingual tooltip."""
    level_zh = LEVELS[level]
    fields = ["name", "unit_id", "status", "value", "target", "shortfall", "reason_zh", "reason_en"]
    aliases = [
        f"{level_zh} {level}",
        "代码 ID",
        "结果 Result",
        "数值 Value",
        "目标 Target",
        "缺口 Shortfall",
        "原因",
        "Reason",
    ]
    return folium.GeoJson(
        frame.__geo_interface__,
        name=name,
        show=show,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
    )


def lat_lon(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes of display points (EPSG:4326 or its GCJ-02 shift)."""
    geoms = points.geometry
    return geoms.y.to_numpy(), geoms.x.to_numpy()


def _aggregate_to_grid(frame: pd.DataFrame, max_points: int) -> tuple[pd.DataFrame, float]:
    """Sum gap points into square cells (50 m, doubled until few enough); cell size 0 if not."""
    if len(frame) <= max_points:
        return frame, 0.0
    cell = 50.0
    mean_lat = math.radians(float(frame["lat"].mean()))
    while True:
        dlat = cell / 110_574.0
        dlon = cell / (111_320.0 * max(math.cos(mean_lat), 0.1))
        keys = [np.floor(frame["lat"] / dlat), np.floor(frame["lon"] / dlon)]
        if frame.groupby(keys).ngroups <= max_points:
            break
        cell *= 2.0
    weighted = frame.assign(wlat=frame["lat"] * frame["pop"], wlon=frame["lon"] * frame["pop"])
    grouped = weighted.groupby(keys).agg(
        wlat=("wlat", "sum"),
        wlon=("wlon", "sum"),
        lat=("lat", "mean"),
        lon=("lon", "mean"),
        pop=("pop", "sum"),
        dist=("dist", "max"),
        cidx=("cidx", "first"),
    )
    has_pop = grouped["pop"] > 0
    grouped.loc[has_pop, "lat"] = grouped["wlat"] / grouped["pop"]
    grouped.loc[has_pop, "lon"] = grouped["wlon"] / grouped["pop"]
    return grouped.reset_index(drop=True)[["lat", "lon", "pop", "dist", "cidx"]], cell


def gap_layer(
    result: StudyResult,
    names: Mapping[str, tuple[str, str]],
    display_res: gpd.GeoDataFrame,
    category: str,
    threshold_m: float,
    colour: str,
    *,
    show: bool,
    max_points: int,
) -> PointLayer | None:
    """Resident points farther than ``threshold_m`` from the category, sized by population.

    More than ``max_points`` points are summed into grid cells; None when there is no gap.
    """
    dist = distance_frame(result)[category].reindex(display_res.index)
    gaps = display_res[(dist > threshold_m).to_numpy()]
    zh, en = category_label(names, category)
    if gaps.empty:
        logger.info("No gap for %s within %.0f m: gap layer left out", category, threshold_m)
        return None
    unit_names = result.communities.set_index("community_id")["community_name"].astype(str)
    uniques = list(unit_names.unique())
    labels = [html.escape(n) for n in uniques]
    index_of = {n: i for i, n in enumerate(uniques)}
    cidx_of = pd.Series(
        [index_of[n] for n in unit_names], index=unit_names.index.astype(str), dtype=float
    )
    cidx_of = cidx_of[~cidx_of.index.duplicated()]
    comm = gaps["community_id"].astype(str) if "community_id" in gaps else None
    lat, lon = lat_lon(gaps)
    pop = (
        pd.to_numeric(gaps["population"], errors="coerce").fillna(0.0).to_numpy(float)
        if "population" in gaps
        else np.ones(len(gaps))
    )
    frame = pd.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "pop": pop,
            "dist": dist.loc[gaps.index].to_numpy(float),
            "cidx": (
                comm.map(cidx_of).fillna(-1).to_numpy(int)
                if comm is not None
                else np.full(len(gaps), -1)
            ),
        }
    )
    frame, cell = _aggregate_to_grid(frame, max_points)
    name = f"缺口：{zh}（>{threshold_m:.0f} m）· Gap: {en}"
    if cell:
        name += f"（{cell:.0f} m 网格汇总 · {cell:.0f} m grid）"
        logger.info(
            "Gap layer %s: %d points summed into %d cells of %.0f m to keep the HTML small",
            category,
            len(gaps),
            len(frame),
            cell,
        )
    max_pop = max(float(frame["pop"].max()), 1.0)
    radius = np.round(2.0 + 8.0 * np.sqrt(np.clip(frame["pop"], 0.0, None) / max_pop), 1)
    finite = np.isfinite(frame["dist"].to_numpy())
    rows = pd.DataFrame(
        {
            "lat": frame["lat"].round(DISPLAY_DECIMALS),
            "lon": frame["lon"].round(DISPLAY_DECIMALS),
            "r": radius,
            "pop": frame["pop"].round().astype(int),
            "d": np.where(finite, np.round(np.where(finite, frame["dist"], 0.0)), -1).astype(int),
            "c": frame["cidx"].astype(int) if not cell else np.full(len(frame), -1),
        }
    )
    where_zh = f"'{cell:.0f} m 网格 grid cell'" if cell else "(r[5] >= 0 ? labels[r[5]] : '')"
    tooltip_js = (
        "function (r, labels) {"
        f" var where = {where_zh};"
        " var d = r[4] < 0 ? '步行范围内没有 none within reach' : r[4] + ' m';"
        f" return '<b>{html.escape(zh)} 缺口 gap: {html.escape(en)}</b><br>' + where +"
        " '<br>人口 Population: ' + r[3] +"
        " '<br>最近距离 Nearest: ' + d +"
        f" '<br>标准 Limit: {threshold_m:.0f} m'; }}"
    )
    style = {"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": 0.35}
    return PointLayer(
        name,
        rows.astype(object).to_numpy().tolist(),
        style=style,
        tooltip_js=tooltip_js,
        labels=labels,
        show=show,
    )


def facility_layers(
    display_fac: gpd.GeoDataFrame,
    colours: Mapping[str, str],
    names: Mapping[str, tuple[str, str]],
) -> list[PointLayer]:
    """One layer of facilities per coloured category, and one hidden layer of the others."""
    layers: list[PointLayer] = []
    if display_fac.empty:
        return layers
    cats = display_fac["category"].astype(str)
    groups: list[tuple[str, str, gpd.GeoDataFrame]] = []
    for cat, colour in colours.items():
        sub = display_fac[(cats == cat).to_numpy()]
        if not sub.empty:
            zh, en = category_label(names, cat)
            groups.append((f"设施：{zh} · Facilities: {en}", colour, sub))
    others = display_fac[(~cats.isin(list(colours))).to_numpy()]
    if not others.empty:
        groups.append(("其他设施 · Other facilities", OTHER_COLOUR, others))
    for name, colour, sub in groups:
        lat, lon = lat_lon(sub)
        rows: list[list[Any]] = []
        for k, (_, fac) in enumerate(sub.iterrows()):
            zh, en = category_label(names, str(fac["category"]))
            tip = (
                f"<b>{html.escape(str(fac.get('name', '')))}</b><br>{html.escape(zh)} · "
                f"{html.escape(en)}<br>编号 ID: {html.escape(str(fac.get('facility_id', '')))}"
            )
            rows.append([float(lat[k]), float(lon[k]), 6, tip])
        style = {"color": "#000000", "weight": 2, "fillColor": colour, "fillOpacity": 1.0}
        layers.append(
            PointLayer(
                name,
                rows,
                style=style,
                tooltip_js="function (r) { return r[3]; }",
                show=colour != OTHER_COLOUR,  # facilities outside the rule start hidden
            )
        )
    return layers


def road_layer(result: StudyResult, base: Basemap, *, max_edges: int) -> folium.GeoJson | None:
    """The walking network as light context lines, for maps without tiles (one feature).

    None (left out) when the network has more than ``max_edges`` edges.
    """
    net = result.network
    assert net is not None
    if len(net.edge_geometry) > max_edges:
        logger.info(
            "Road context layer left out: %d edges (more than %d)",
            len(net.edge_geometry),
            max_edges,
        )
        return None
    lines = gpd.GeoDataFrame(
        geometry=[shapely.multilinestrings(list(net.edge_geometry))], crs=net.crs
    )
    shown = to_display(lines, base, simplify_m=SIMPLIFY_M)
    return folium.GeoJson(
        shown.__geo_interface__,
        name="步行路网 · Walking network",
        style_function=lambda _: {"color": "#8c8c8c", "weight": 1, "opacity": 0.7},
        control=True,
        show=True,
    )
