"""Layers of the coverage map: units by rule result, gaps, facilities and roads.

Units (社区, 街道) are GeoJSON with a style and compact rule rows per feature
(``UnitLayer``: tooltips and popups are built in the browser); gaps and
facilities are compact point layers (``PointLayer``), one per category; the
walking network is one light multi-line feature for maps without tiles, reduced
to its through streets (``street_strokes``) for large networks.
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..analysis import StudyResult
from .basemaps import DISPLAY_DECIMALS, Basemap, to_display
from .map_assets import PointLayer, UnitLayer
from .map_rule import RuleInfo, distance_frame
from .style import (
    OTHER_COLOUR,
    SIMPLIFY_M,
    STATUS_COLOURS,
    category_label,
    format_value,
    graded_fill,
    status_of,
)
from .values import target_for

logger = logging.getLogger(__name__)


def _cell(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


class RuleRows:
    """Every rule row of each 社区 and 街道, compact for the browser (popups and tooltips).

    ``rules`` lists (rule id, Chinese name) once and ``texts`` every distinct
    reason once (many repeat: "未评估：缺少列…"); a unit's rows are
    ``[rule index, status, value, target, Chinese reason index, English reason
    index]`` with the value and target formatted and every text pre-escaped.
    """

    def __init__(self, table: pd.DataFrame, ops: Mapping[str, str]) -> None:
        self.rules: list[list[str]] = []
        self.texts: list[str] = []
        text_index: dict[str, int] = {}

        def text(value: Any) -> int:
            escaped = html.escape(_cell(value))
            if escaped not in text_index:
                text_index[escaped] = len(self.texts)
                self.texts.append(escaped)
            return text_index[escaped]

        index: dict[str, int] = {}
        for rule_id, name_zh in (
            table[["rule_id", "rule_name_zh"]].drop_duplicates("rule_id").to_numpy()
        ):
            index[str(rule_id)] = len(self.rules)
            self.rules.append([html.escape(str(rule_id)), html.escape(_cell(name_zh))])
        self.by_unit: dict[tuple[str, str], list[list[Any]]] = {}
        for row in table[table["level"].isin(["community", "street"])].itertuples(index=False):
            unit = _cell(row.value_unit)
            self.by_unit.setdefault((str(row.level), str(row.unit_id)), []).append(
                [
                    index[str(row.rule_id)],
                    status_of(row.passed),
                    html.escape(format_value(row.value, unit)),
                    html.escape(target_for(row.target, unit, ops.get(str(row.rule_id), "≥"))),
                    text(row.reason_zh),
                    text(row.reason_en),
                ]
            )

    def of(self, level: str, unit_id: str) -> list[list[Any]]:
        """The rows of one unit (empty when no rule judged it)."""
        return self.by_unit.get((level, unit_id), [])


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
    rule_rows: RuleRows | None = None,
    fallback: Mapping[str, Mapping[str, Any]] | None = None,
    ops: Mapping[str, str],
) -> gpd.GeoDataFrame:
    """Boundaries with the rule outcome, tooltip and popup fields and a style per feature.

    Units without a row of the rule at ``level`` are grey (not evaluated) unless
    ``fallback`` (the 街道 rows of a street-level rule, by street id) gives their
    街道's outcome for the tooltip's headline; failing units get a red outline
    when ``outline_status``; graded rules fill shares on a ramp. ``rule_rows``
    adds every rule row of each unit (``rows``) for its popup.
    """
    frame = units[[id_col, name_col]].copy()
    frame["geometry"] = units.geometry.to_numpy()
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=units.crs)
    frame[id_col] = frame[id_col].astype(str)
    street_ids = (
        units["street_id"].astype(str).to_numpy()
        if level == "community" and "street_id" in units
        else None
    )
    if info is not None:
        rows = table[(table["rule_id"] == info.rule_id) & (table["level"] == level)].copy()
        rows["unit_id"] = rows["unit_id"].astype(str)
        rows = rows.drop_duplicates("unit_id").set_index("unit_id")
    else:
        rows = pd.DataFrame(columns=table.columns).set_index("unit_id")
    keys = ("s", "value", "target", "head_level", "style")
    props: dict[str, list[Any]] = {k: [] for k in keys}
    for k, unit_id in enumerate(frame[id_col]):
        head_level = ""
        if unit_id in rows.index:
            row = rows.loc[unit_id]
            status = status_of(row["passed"])
            unit = "" if pd.isna(row["value_unit"]) else str(row["value_unit"])
            value = format_value(row["value"], unit)
            target = target_for(row["target"], unit, ops.get(info.rule_id, "≥") if info else "≥")
            graded = graded_fill(row["value"], row["target"]) if info and info.graded else None
            fill = graded or STATUS_COLOURS[status]
        elif fallback is not None and street_ids is not None and street_ids[k] in fallback:
            head = fallback[street_ids[k]]
            status, value, target = head["s"], head["value"], head["target"]
            head_level = "所属街道"
            fill = STATUS_COLOURS["na"]
        else:
            status, value, target = "na", "—", "—"
            fill = STATUS_COLOURS["na"]
        props["s"].append(status)
        props["value"].append(html.escape(value) if not head_level else value)
        props["target"].append(html.escape(target) if not head_level else target)
        props["head_level"].append(head_level)
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
    columns = ["unit_id", "name", *keys]
    if street_ids is not None:
        frame["sid"] = list(street_ids)  # its 街道's name and rows: the layer's context
        columns.append("sid")
    if rule_rows is not None:
        frame["rows"] = [rule_rows.of(level, u) for u in frame[id_col]]
        columns.append("rows")
    return frame[[*columns, "geometry"]]


def unit_layer(
    frame: gpd.GeoDataFrame,
    name: str,
    *,
    show: bool,
    interactive: bool,
    context: Mapping[str, Any] | None = None,
) -> UnitLayer:
    """The layer of a ``unit_layer_frame``: tooltips and popups, or pointer-free outlines."""
    return UnitLayer(
        name, feature_collection(frame), context or {}, interactive=interactive, show=show
    )


def feature_collection(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """The frame as a GeoJSON FeatureCollection without bounding boxes or ids."""
    return json.loads(frame.to_json(drop_id=True))  # type: ignore[no-any-return]


def lat_lon(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes of display points (EPSG:4326 or its GCJ-02 shift)."""
    geoms = points.geometry
    return geoms.y.to_numpy(), geoms.x.to_numpy()


#: Side (m, in the working CRS) of the square cells dense gap layers are summed into.
GAP_CELL_M = 200.0

#: Decimals of the coordinates of gap grid cells (about 1 m; the cells are 200 m).
GRID_DECIMALS = 5


def _aggregate_to_grid(
    frame: pd.DataFrame, max_points: int, cell_m: float | None = None
) -> tuple[pd.DataFrame, float]:
    """Sum gap points into square cells of ``cell_m`` (columns ``x``/``y``, working CRS).

    Only layers of more than ``max_points`` points are summed (cell size 0 if not);
    the cell size is the same for every study, so a cell means the same on every map.
    Each cell is drawn at the population-weighted mean of its points.
    """
    if len(frame) <= max_points:
        return frame, 0.0
    cell_m = GAP_CELL_M if cell_m is None else cell_m
    keys = [np.floor(frame["x"] / cell_m), np.floor(frame["y"] / cell_m)]
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
    return grouped.reset_index(drop=True)[["lat", "lon", "pop", "dist", "cidx"]], cell_m


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
    name_prefix: str = "",
    name_suffix: str = "",
) -> PointLayer | None:
    """Resident points farther than ``threshold_m`` from the category, sized by population.

    More than ``max_points`` points are summed into cells of ``GAP_CELL_M``; None
    when there is no gap. ``name_prefix`` goes before the layer's name (e.g. the
    gaps before the proposed sites).
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
    working = result.residents.geometry.reindex(gaps.index)
    pop = (
        pd.to_numeric(gaps["population"], errors="coerce").fillna(0.0).to_numpy(float)
        if "population" in gaps
        else np.ones(len(gaps))
    )
    frame = pd.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "x": working.x.to_numpy(),
            "y": working.y.to_numpy(),
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
    name = f"{name_prefix}缺口：{zh}（>{threshold_m:.0f} m）· Gap: {en}{name_suffix}"
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
    # Grid cells are drawn at 5 decimals (about 1 m: plenty for a 200 m cell) and
    # name no 社区; single points keep 6 decimals and their 社区.
    decimals = GRID_DECIMALS if cell else DISPLAY_DECIMALS
    columns = {
        "lat": frame["lat"].round(decimals),
        "lon": frame["lon"].round(decimals),
        "r": radius,
        "pop": frame["pop"].round().astype(int),
        "d": np.where(finite, np.round(np.where(finite, frame["dist"], 0.0)), -1).astype(int),
    }
    if not cell:
        columns["c"] = frame["cidx"].astype(int)
    rows = pd.DataFrame(columns)
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
        grid_m=cell,
    )


def facility_layers(
    display_fac: gpd.GeoDataFrame,
    colours: Mapping[str, str],
    names: Mapping[str, tuple[str, str]],
    *,
    cluster_above: int,
) -> list[PointLayer]:
    """One layer of facilities per coloured category, and one hidden layer of the others.

    A layer of more than ``cluster_above`` facilities clusters at low zoom.
    """
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
        # Rows [lat, lon, radius, name, id, category]: the category's label once per layer.
        cats_here = list(dict.fromkeys(sub["category"].astype(str)))
        labels = [" · ".join(html.escape(t) for t in category_label(names, c)) for c in cats_here]
        cat_index = {c: i for i, c in enumerate(cats_here)}
        fac_names = sub["name"] if "name" in sub else pd.Series("", index=sub.index)
        fac_ids = sub["facility_id"] if "facility_id" in sub else pd.Series("", index=sub.index)
        rows: list[list[Any]] = [
            [
                float(lat[k]),
                float(lon[k]),
                6,
                html.escape(_cell(n)),
                html.escape(_cell(i)),
                cat_index[str(c)],
            ]
            for k, (n, i, c) in enumerate(zip(fac_names, fac_ids, sub["category"], strict=True))
        ]
        style = {"color": "#000000", "weight": 2, "fillColor": colour, "fillOpacity": 1.0}
        layers.append(
            PointLayer(
                name,
                rows,
                style=style,
                tooltip_js=(
                    "function (r, labels) { return '<b>' + r[3] + '</b><br>' + labels[r[5]] +"
                    " '<br>编号 ID: ' + r[4]; }"
                ),
                labels=labels,
                show=colour != OTHER_COLOUR,  # facilities outside the rule start hidden
                cluster=len(rows) > cluster_above,
            )
        )
    return layers


#: Douglas-Peucker tolerance (m) of the reduced street layer of large networks.
ROAD_SIMPLIFY_M = 10.0

#: Largest deflection (degrees) at a junction for two edges to continue one street.
STROKE_MAX_DEFLECTION = 30.0


def _bearing(x0: float, y0: float, x1: float, y1: float) -> float:
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def street_strokes(net: Any) -> np.ndarray:
    """Group the edges into strokes: streets that go on straight through junctions.

    At each node, the two incident edges that deflect least (under
    ``STROKE_MAX_DEFLECTION``) continue each other, greedily by the smallest
    deflection; a stroke is a chain of such edges (the "natural street" of map
    generalisation). Returns the stroke id of each edge. Long strokes are the
    through streets: main roads stay long, back lanes are cut short.
    """
    n_edges = int(net.edge_u.size)
    geoms = net.edge_geometry
    coords = [np.asarray(shapely.get_coordinates(g)) for g in geoms]
    # Bearing leaving each end of each edge, away from its node.
    out_u = np.array([_bearing(c[0, 0], c[0, 1], c[1, 0], c[1, 1]) for c in coords])
    out_v = np.array([_bearing(c[-1, 0], c[-1, 1], c[-2, 0], c[-2, 1]) for c in coords])
    ends = pd.DataFrame(
        {
            "node": np.concatenate([net.edge_u, net.edge_v]),
            "edge": np.concatenate([np.arange(n_edges), np.arange(n_edges)]),
            "bearing": np.concatenate([out_u, out_v]),
        }
    )
    ends = ends[ends.groupby("node")["edge"].transform("size") >= 2]
    parent = np.arange(n_edges)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for _, group in ends.groupby("node", sort=False):
        edges = group["edge"].to_numpy()
        bearings = group["bearing"].to_numpy()
        if len(edges) == 2:
            pairs = [(0, 1)]
        else:
            pairs = [(a, b) for a in range(len(edges)) for b in range(a + 1, len(edges))]
        scored = []
        for a, b in pairs:
            # Straight on: the two outgoing bearings are opposite (180 degrees apart).
            turn = abs(((bearings[a] - bearings[b]) % 360.0) - 180.0)
            if turn <= STROKE_MAX_DEFLECTION and edges[a] != edges[b]:
                scored.append((turn, a, b))
        used: set[int] = set()
        for _, a, b in sorted(scored):
            if a in used or b in used:
                continue
            used.update((a, b))
            ra, rb = find(int(edges[a])), find(int(edges[b]))
            if ra != rb:
                parent[ra] = rb
    return np.array([find(i) for i in range(n_edges)])


def road_layer(
    result: StudyResult, base: Basemap, *, max_edges: int
) -> tuple[UnitLayer, tuple[str, str] | None]:
    """The walking network as light context lines, for maps without tiles (one feature).

    Never left out: a network of more than ``max_edges`` edges is reduced to its
    longest strokes (``street_strokes``: streets that go on straight through
    junctions, the through roads) up to half ``max_edges`` edges, simplified to
    ``ROAD_SIMPLIFY_M``; the layer's name says so, and the returned note
    (Chinese, English) states the rule for the legend (None when every edge is drawn).
    """
    net = result.network
    assert net is not None
    n_edges = len(net.edge_geometry)
    name = "步行路网 · Walking network"
    simplify = SIMPLIFY_M
    note: tuple[str, str] | None = None
    geoms = list(net.edge_geometry)
    if n_edges > max_edges:
        budget = max_edges // 2
        stroke = street_strokes(net)
        length = pd.Series(np.asarray(net.edge_length, dtype=float)).groupby(stroke).sum()
        count = pd.Series(np.ones(n_edges)).groupby(stroke).sum()
        order = length.sort_values(ascending=False, kind="stable")
        keep_strokes = order.index[np.cumsum(count.loc[order.index].to_numpy()) <= budget]
        kept = np.isin(stroke, keep_strokes.to_numpy())
        shortest = float(length.loc[keep_strokes].min()) if len(keep_strokes) else 0.0
        geoms = [g for g, k in zip(geoms, kept, strict=True) if k]
        simplify = ROAD_SIMPLIFY_M
        name = "主要街道 · Main streets"
        note = (
            f"路网共 {n_edges:,} 段，超过 {max_edges:,} 段：只画最长的连续街道（在路口直行相接的"
            f"路段连成一条街，取最长的 {int(kept.sum()):,} 段，每条街 ≥ {shortest / 1000:.1f} km），"
            f"线形简化 {ROAD_SIMPLIFY_M:.0f} m",
            f"Network of {n_edges:,} edges, more than {max_edges:,}: only the longest through "
            f"streets are drawn ({int(kept.sum()):,} edges, streets of at least "
            f"{shortest / 1000:.1f} km), simplified to {ROAD_SIMPLIFY_M:.0f} m",
        )
        logger.info(
            "Road context layer reduced: %d of %d edges (strokes of at least %.0f m), "
            "simplified to %.0f m",
            int(kept.sum()),
            n_edges,
            shortest,
            ROAD_SIMPLIFY_M,
        )
    lines = gpd.GeoDataFrame(
        {"style": [{"color": "#6f6f6f", "weight": 1, "opacity": 0.75}]},
        geometry=[shapely.multilinestrings(geoms)],
        crs=net.crs,
    )
    shown = to_display(lines, base, simplify_m=simplify)
    shown = shown.set_geometry(
        shapely.transform(shown.geometry.to_numpy(), lambda c: np.round(c, GRID_DECIMALS))
    )  # about 1 m: enough for context lines
    return UnitLayer(name, feature_collection(shown), {}, interactive=False, show=True), note


#: How water and parks are drawn under the map's data (light fills, no outline).
LAND_STYLES = {
    "water": {"fillColor": "#a6cbe3", "fillOpacity": 0.55, "weight": 0, "color": "#a6cbe3"},
    "park": {"fillColor": "#b9dfa8", "fillOpacity": 0.5, "weight": 0, "color": "#b9dfa8"},
    "other": {"fillColor": "#d9d9d9", "fillOpacity": 0.5, "weight": 0, "color": "#d9d9d9"},
}


def _land_kind(kind: str) -> str:
    """Water (natural=water, waterway=riverbank, landuse=reservoir/basin), park, or other.

    ``other`` is an ``[inputs.uninhabited]`` polygon, which does not say which it is.
    """
    if "water" in kind or "reservoir" in kind or "basin" in kind:
        return "water"
    return "park" if "=" in kind else "other"


def land_layer(result: StudyResult, base: Basemap) -> UnitLayer | None:
    """Water and parks (``result.land``) as context fills that never take the pointer."""
    land = result.land
    if land is None or land.empty:
        return None
    kinds = land["kind"].astype(str).map(_land_kind)
    frame = gpd.GeoDataFrame(
        {"style": [LAND_STYLES[k] for k in kinds]}, geometry=land.geometry.to_numpy(), crs=land.crs
    )
    shown = to_display(frame, base, simplify_m=SIMPLIFY_M)
    shown = shown.set_geometry(
        shapely.transform(shown.geometry.to_numpy(), lambda c: np.round(c, GRID_DECIMALS))
    )
    return UnitLayer(
        "水体与公园 · Water and parks", feature_collection(shown), {}, interactive=False, show=True
    )
