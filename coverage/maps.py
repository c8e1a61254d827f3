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
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.colormap import LinearColormap

from . import categories, rules
from ._basemaps import DISPLAY_DECIMALS, Basemap, add_tiles, basemap_for, to_display
from ._errors import ConfigError, InputError
from ._map_assets import (
    MAP_CSS,
    Box,
    FitBounds,
    LabelLayer,
    MetricScale,
    PointLayer,
    RawHTML,
    inline_leaflet,
)
from ._names import LEVELS
from .analysis import StudyResult
from .io import atomic_path

logger = logging.getLogger(__name__)

__all__ = ["category_names", "coverage_map", "save_map", "status_of"]

#: Fill colours of rule outcomes.
STATUS_COLOURS = {"pass": "#1a9850", "fail": "#d73027", "na": "#bdbdbd"}
STATUS_LABELS = {
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "na": ("未评估", "not evaluated"),
}
_SHARE_RAMP = LinearColormap(["#d73027", "#fee08b", "#1a9850"], vmin=0.0, vmax=1.0)

#: Distinct colours for facility categories; no pure red or green (the pass/fail colours).
_PALETTE = (
    "#377eb8",
    "#984ea3",
    "#ff7f00",
    "#a65628",
    "#f781bf",
    "#17becf",
    "#7570b3",
    "#e7298a",
    "#bcbd22",
    "#1f3a93",
    "#d95f02",
    "#525252",
)
_OTHER_COLOUR = "#969696"

_LEVEL_ZH = {**LEVELS, "city": "全市"}

#: Rule kinds whose results are shares of units served: graded colours.
GRADED_KINDS = frozenset({"share_units_served"})

#: Gap layers with more resident points than this are summed into grid cells.
MAX_GAP_POINTS = 20_000

#: Default walk for the gap layers: the 15-minute circle, at the study's speed.
DEFAULT_GAP_MINUTES = 15.0
_SIMPLIFY_M = 2.0


def category_names(result: StudyResult) -> dict[str, tuple[str, str]]:
    """Category key -> (Chinese, English) display names from the study's taxonomy file."""
    try:
        table = categories.load_categories(result.study.categories_path)
    except ConfigError as exc:
        logger.warning("Category names unavailable (%s); keys are shown instead.", exc)
        return {}
    return {c.key: (c.name_zh, c.name_en) for c in table}


def _label(names: Mapping[str, tuple[str, str]], category: str) -> tuple[str, str]:
    return names.get(category, (category, category.replace("_", " ")))


def status_of(passed: Any) -> str:
    """``"pass"``, ``"fail"`` or ``"na"`` (not evaluated) for a ``passed`` cell."""
    if passed is None or passed is pd.NA:
        return "na"
    if isinstance(passed, float) and math.isnan(passed):
        return "na"
    return "pass" if bool(passed) else "fail"


def _fmt(value: Any, unit: str = "") -> str:
    """A number as planners read it: integers plainly, others with 2 decimals."""
    if value is None or value is pd.NA:
        return "—"
    if isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "—"
    if math.isinf(number):
        return "∞"
    if _is_share(unit):
        return f"{number * 100:.1f}%" if abs(number) <= 1.0 else f"{number:,.2f}"
    text = f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return f"{text} {unit}".strip() if unit and unit != "served" else text


def _is_share(unit: str) -> bool:
    return unit.startswith("share") or unit in {"ratio", "fraction"}


# --------------------------------------------------------------------------- rule info


@dataclass(frozen=True)
class _RuleInfo:
    rule_id: str
    name_zh: str
    name_en: str
    source: str
    targets: tuple[tuple[str, str], ...]
    graded: bool
    categories: tuple[str, ...]
    walk_m: float | None


def _rule_definition(result: StudyResult, rule_id: str) -> rules.Rule | None:
    """The rule as defined in the study's rule file (None when it cannot be read)."""
    try:
        defined = rules.load_rules(result.study.rules_path)
    except ConfigError as exc:
        logger.warning("Rule file unreadable for the map (%s): no walk limits from it.", exc)
        return None
    return next((r for r in defined if r.id == rule_id), None)


def _rule_walk(
    rule: rules.Rule | None, result: StudyResult
) -> tuple[tuple[str, ...], float | None]:
    """The categories a rule looks at and its walking limit in metres (if it has one)."""
    if rule is None:
        return (), None
    params = rule.params
    cats = params.get("categories") or ([params["category"]] if params.get("category") else [])
    walk: float | None = None
    if params.get("max_distance_m") is not None:
        walk = float(params["max_distance_m"])
    elif params.get("max_minutes") is not None:
        walk = result.study.walk.minutes_to_metres(
            float(params["max_minutes"]), elderly=params.get("speed") == "elderly"
        )
    return tuple(str(c) for c in cats), walk


def _rule_info(result: StudyResult, rule_id: str) -> _RuleInfo:
    table = result.rule_results
    rows = table[table["rule_id"] == rule_id]
    if rows.empty:
        known = ", ".join(sorted(map(str, table["rule_id"].unique()))) or "none"
        raise InputError(
            f"Rule {rule_id!r} has no rows in the rule results (rules evaluated: {known}). "
            "Pass rule_id= one of them, or rule_id=None for a map without rule colours."
        )
    first = rows.iloc[0]
    targets = []
    for level in LEVELS:
        at = rows[rows["level"] == level]
        if not at.empty and not pd.isna(at["target"].iloc[0]):
            at_unit = "" if pd.isna(at["value_unit"].iloc[0]) else str(at["value_unit"].iloc[0])
            targets.append((level, _fmt(at["target"].iloc[0], at_unit)))
    rule = _rule_definition(result, rule_id)
    cats, walk = _rule_walk(rule, result)
    return _RuleInfo(
        rule_id=rule_id,
        name_zh=str(first["rule_name_zh"]),
        name_en=str(first["rule_name_en"]),
        source=str(first["source"]),
        targets=tuple(targets),
        graded=rule is not None and rule.kind in GRADED_KINDS,
        categories=cats,
        walk_m=walk,
    )


def _graded_fill(value: Any, target: Any) -> str | None:
    """Colour of a share on a red → yellow (at the target) → green ramp; None if no number."""
    try:
        v, t = float(value), float(target)
    except (TypeError, ValueError):
        return None
    if math.isnan(v):
        return None
    v = min(max(v, 0.0), 1.0)
    if math.isnan(t) or not 0.0 < t < 1.0:
        return str(_SHARE_RAMP(v))
    pos = 0.5 * v / t if v <= t else 0.5 + 0.5 * (v - t) / (1.0 - t)
    return str(_SHARE_RAMP(pos))


def _unit_layer_frame(
    units: gpd.GeoDataFrame,
    id_col: str,
    name_col: str,
    level: str,
    table: pd.DataFrame,
    info: _RuleInfo | None,
    *,
    fill_opacity: float,
    weight: float,
    outline_status: bool = True,
) -> gpd.GeoDataFrame:
    """Boundaries with the rule outcome, tooltip fields and a Leaflet style per feature."""
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
            value, target = _fmt(row["value"], unit), _fmt(row["target"], unit)
            shortfall = _fmt(row["shortfall"], short_unit)
            reason_zh = "" if pd.isna(row["reason_zh"]) else str(row["reason_zh"])
            reason_en = "" if pd.isna(row["reason_en"]) else str(row["reason_en"])
            graded = _graded_fill(row["value"], row["target"]) if info and info.graded else None
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


def _unit_layer(frame: gpd.GeoDataFrame, name: str, level: str, *, show: bool) -> folium.GeoJson:
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


# --------------------------------------------------------------------------- helpers


def _distance_frame(result: StudyResult) -> pd.DataFrame:
    """Distances with plain category keys as columns (accepts ``dist_m__`` prefixes)."""
    dist = result.distances
    return dist.rename(columns=lambda c: str(c).removeprefix("dist_m__"))


def _gap_thresholds(
    result: StudyResult,
    categories: Sequence[str] | Mapping[str, float] | None,
    info: _RuleInfo | None,
) -> dict[str, float]:
    """Category -> walk limit (m) of the gap layers.

    Default: the rule's categories at the rule's walk; for a rule without its own
    walk (e.g. R2, a count inside each 街道), 15 minutes at the study's speed;
    without a rule, every measured category.
    """
    default_m = DEFAULT_GAP_MINUTES * result.study.walk.speed_m_per_min
    available = list(_distance_frame(result).columns)
    if categories is None:
        if info is not None and info.categories:
            walk = info.walk_m if info.walk_m is not None else default_m
            return {c: walk for c in info.categories if c in available}
        return dict.fromkeys(available, default_m)
    chosen = (
        {str(k): float(v) for k, v in categories.items()}
        if isinstance(categories, Mapping)
        else dict.fromkeys(map(str, categories), default_m)
    )
    missing = [c for c in chosen if c not in available]
    if missing:
        raise InputError(
            f"No walking distances for categor(ies) {missing}; the study measured "
            f"{available}. Choose categories among those."
        )
    return chosen


def _xy(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
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


def _gap_layer(
    result: StudyResult,
    names: Mapping[str, tuple[str, str]],
    display_res: gpd.GeoDataFrame,
    category: str,
    threshold_m: float,
    colour: str,
    *,
    show: bool,
) -> PointLayer | None:
    dist = _distance_frame(result)[category].reindex(display_res.index)
    gaps = display_res[(dist > threshold_m).to_numpy()]
    zh, en = _label(names, category)
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
    lat, lon = _xy(gaps)
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
    frame, cell = _aggregate_to_grid(frame, MAX_GAP_POINTS)
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


def _facility_layers(
    display_fac: gpd.GeoDataFrame,
    colours: Mapping[str, str],
    names: Mapping[str, tuple[str, str]],
) -> list[PointLayer]:
    layers: list[PointLayer] = []
    if display_fac.empty:
        return layers
    cats = display_fac["category"].astype(str)
    groups: list[tuple[str, str, gpd.GeoDataFrame]] = []
    for cat, colour in colours.items():
        sub = display_fac[(cats == cat).to_numpy()]
        if not sub.empty:
            zh, en = _label(names, cat)
            groups.append((f"设施：{zh} · Facilities: {en}", colour, sub))
    others = display_fac[(~cats.isin(list(colours))).to_numpy()]
    if not others.empty:
        groups.append(("其他设施 · Other facilities", _OTHER_COLOUR, others))
    for name, colour, sub in groups:
        lat, lon = _xy(sub)
        rows: list[list[Any]] = []
        for k, (_, fac) in enumerate(sub.iterrows()):
            zh, en = _label(names, str(fac["category"]))
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
                show=colour != _OTHER_COLOUR,  # facilities outside the rule start hidden
            )
        )
    return layers


def _title_html(result: StudyResult, basemap: Basemap, offline: bool) -> str:
    study = result.study
    parts = []
    if study.synthetic:
        parts.append(
            '<div class="fc-sample">示例数据 SAMPLE — 合成数据，非真实设施 '
            "(synthetic data, not real facilities)</div>"
        )
    parts.append(
        f'<div class="fc-study">{html.escape(study.name)} — 步行可达设施覆盖图</div>'
        '<div class="fc-en">Walking coverage of everyday services</div>'
    )
    parts.append(
        f"<div>底图 Basemap: {html.escape(basemap.label_zh)} · {html.escape(basemap.label_en)}</div>"
        f"<div>{html.escape(basemap.shift_note_zh)}<br>"
        f'<span class="fc-en">{html.escape(basemap.shift_note_en)}</span></div>'
    )
    if offline and basemap.tiles:
        parts.append(
            "<div>底图瓦片需要联网；离线时仅显示矢量图层 "
            '<span class="fc-en">(tiles need the network; offline only the vector layers show)'
            "</span></div>"
        )
    return "".join(parts)


def _legend_html(
    result: StudyResult,
    info: _RuleInfo | None,
    colours: Mapping[str, str],
    thresholds: Mapping[str, float],
    names: Mapping[str, tuple[str, str]],
) -> str:
    parts: list[str] = []
    if info is not None:
        targets_zh = "；".join(f"{_LEVEL_ZH[lv]} {t}" for lv, t in info.targets) or "—"
        targets_en = "; ".join(f"{lv} {t}" for lv, t in info.targets) or "—"
        parts.append(
            f"<div><b>规则 {html.escape(info.rule_id)}：{html.escape(info.name_zh)}</b><br>"
            f"依据：{html.escape(info.source)} · 目标：{html.escape(targets_zh)}</div>"
            f'<div class="fc-en">Rule {html.escape(info.rule_id)}: {html.escape(info.name_en)}<br>'
            f"Target: {html.escape(targets_en)}</div>"
        )
        city = result.rule_results[
            (result.rule_results["rule_id"] == info.rule_id)
            & (result.rule_results["level"] == "city")
        ]
        if not city.empty:
            row = city.iloc[0]
            zh, en = STATUS_LABELS[status_of(row["passed"])]
            unit = "" if pd.isna(row["value_unit"]) else str(row["value_unit"])
            parts.append(
                f"<div>全市 City: {html.escape(_fmt(row['value'], unit))} / "
                f"{html.escape(_fmt(row['target'], unit))} → {zh} {en}</div>"
            )
        if info.graded:
            parts.append(
                '<div>0% <span class="fc-ramp"></span> 100%（黄色 = 目标 yellow = target）</div>'
                f'<div><span class="fc-sw" style="background:{STATUS_COLOURS["na"]}"></span>'
                "未评估 not evaluated · 红框 red outline = 未达标 fail</div>"
            )
        else:
            parts.append(
                "<div>"
                + " ".join(
                    f'<span class="fc-sw" style="background:{STATUS_COLOURS[s]}"></span>'
                    f"{STATUS_LABELS[s][0]} {STATUS_LABELS[s][1]}&nbsp;"
                    for s in ("pass", "fail", "na")
                )
                + "</div>"
            )
    if colours:
        parts.append("<div><b>设施 Facilities</b></div><div>")
        for cat, colour in colours.items():
            zh, en = _label(names, cat)
            parts.append(
                f'<span class="fc-item"><span class="fc-dot" style="background:{colour}">'
                f"</span>{html.escape(zh)} {html.escape(en)}</span>&nbsp; "
            )
        parts.append("</div>")
    if thresholds:
        limits = sorted(set(thresholds.values()))
        limit_text = " / ".join(f"{v:.0f} m" for v in limits)
        parts.append(
            f"<div>黑边实心圆 = 现有设施；半透明圆 = 步行 {limit_text} 内无该类设施的居民点"
            f"（缺口），大小 = 人口<br>"
            f'<span class="fc-en">Solid dots with black rims = facilities; translucent dots = '
            f"resident points with no such facility within {limit_text} on foot (gaps), "
            f"size = population</span></div>"
        )
    return "".join(parts)


# --------------------------------------------------------------------------- public


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
    info = _rule_info(result, rule_id) if rule_id is not None else None
    thresholds = _gap_thresholds(result, categories, info)
    names = category_names(result)
    colours = {cat: _PALETTE[i % len(_PALETTE)] for i, cat in enumerate(thresholds)}

    streets = to_display(result.streets, base, simplify_m=_SIMPLIFY_M)
    communities = to_display(result.communities, base, simplify_m=_SIMPLIFY_M)
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
        roads = _road_layer(result, base)
        if roads is not None:
            roads.add_to(m)

    table = result.rule_results
    levels_with_rows = (
        set(table.loc[table["rule_id"] == info.rule_id, "level"]) if info is not None else set()
    )
    street_primary = "street" in levels_with_rows and "community" not in levels_with_rows
    rule_tag = f"{info.rule_id} " if info else ""
    comm_frame = _unit_layer_frame(
        communities,
        "community_id",
        "community_name",
        "community",
        table,
        info,
        fill_opacity=0.25 if street_primary else 0.55,
        weight=1.0,
    )
    _unit_layer(comm_frame, f"社区 {rule_tag}结果 · Communities", "community", show=True).add_to(m)
    street_frame = _unit_layer_frame(
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
    _unit_layer(street_frame, f"街道 {rule_tag}结果 · Streets", "street", show=True).add_to(m)
    label_points = to_display(
        gpd.GeoDataFrame(
            {"street_name": result.streets["street_name"].to_numpy()},
            geometry=result.streets.representative_point().to_numpy(),
            crs=result.streets.crs,
        ),
        base,
    )
    lat, lon = _xy(label_points)
    LabelLayer(
        "街道名称 · Street names",
        [
            [float(lat[k]), float(lon[k]), html.escape(str(n))]
            for k, n in enumerate(label_points["street_name"])
        ],
    ).add_to(m)

    if isochrones is not None and not isochrones.empty:
        iso = to_display(isochrones, base, simplify_m=_SIMPLIFY_M)
        iso_props = gpd.GeoDataFrame(
            {
                "category": [html.escape(" ".join(_label(names, str(c)))) for c in iso["category"]],
                "threshold": [f"{float(t):.0f} m" for t in iso["threshold_m"]],
                "style": [
                    {
                        "color": colours.get(str(c), _OTHER_COLOUR),
                        "weight": 1,
                        "fillColor": colours.get(str(c), _OTHER_COLOUR),
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
        layer = _gap_layer(
            result, names, residents, cat, limit, colours[cat], show=len(thresholds) == 1
        )
        if layer is not None:
            layer.add_to(m)
    for layer in _facility_layers(to_display(result.facilities, base), colours, names):
        layer.add_to(m)

    if proposed_sites is not None and not proposed_sites.empty:
        sites = to_display(proposed_sites, base)
        lat, lon = _xy(sites)
        extra = [c for c in sites.columns if c != sites.geometry.name][:8]
        rows = []
        for k, (_, site) in enumerate(sites.iterrows()):
            tip = "<b>建议选址 Proposed site</b>" + "".join(
                f"<br>{html.escape(str(c))}: {html.escape(_fmt(site[c]))}" for c in extra
            )
            rows.append([float(lat[k]), float(lon[k]), 8, tip])
        PointLayer(
            "建议选址 · Proposed sites",
            rows,
            style={"color": "#000000", "weight": 3, "fillColor": "#ffff33", "fillOpacity": 1.0},
            tooltip_js="function (r) { return r[3]; }",
        ).add_to(m)

    m.add_child(MetricScale())
    m.add_child(Box("fc-title", _title_html(result, base, offline)))
    m.add_child(Box("fc-legend", _legend_html(result, info, colours, thresholds, names)))
    n_overlays = sum(isinstance(c, folium.map.Layer) for c in m._children.values())
    folium.LayerControl(collapsed=n_overlays > 12, position="topright").add_to(m)
    m.add_child(FitBounds([[miny, minx], [maxy, maxx]]))
    return m


#: Above this many edges the road context layer is left out (the HTML would be too heavy).
MAX_ROAD_EDGES = 60_000


def _road_layer(result: StudyResult, base: Basemap) -> folium.GeoJson | None:
    """The walking network as light context lines, for maps without tiles (one feature)."""
    net = result.network
    assert net is not None
    if len(net.edge_geometry) > MAX_ROAD_EDGES:
        logger.info(
            "Road context layer left out: %d edges (more than %d)",
            len(net.edge_geometry),
            MAX_ROAD_EDGES,
        )
        return None
    lines = gpd.GeoDataFrame(
        geometry=[shapely.multilinestrings(list(net.edge_geometry))], crs=net.crs
    )
    shown = to_display(lines, base, simplify_m=_SIMPLIFY_M)
    return folium.GeoJson(
        shown.__geo_interface__,
        name="步行路网 · Walking network",
        style_function=lambda _: {"color": "#8c8c8c", "weight": 1, "opacity": 0.7},
        control=True,
        show=True,
    )


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
