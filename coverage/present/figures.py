"""Static PNG figures (matplotlib) of a study's results, for reports and slides.

``coverage_figure`` draws any rule that judges units on a map (社区, 行政村,
生活圈, 街道 or 县（市、区）): the units coloured 达标 / 未达标 / 未评估, the
街道 outlines, the facilities the rule counts, the units' names (smaller when
many, none past ``MAX_LABELS``), a north arrow (指北针: grid north of the
projected working CRS), a scale bar in metres (比例尺) and a legend.

Chinese labels need a CJK font. ``cjk_font`` looks for one (Noto Sans CJK,
Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang); when none is
installed the figure is drawn with English-only labels and a warning is logged
(install e.g. the Debian package ``fonts-noto-cjk``); ``write_study_outputs``
adds that warning to run_log.txt.
"""

from __future__ import annotations

import functools
import io
import logging
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib as mpl
import pandas as pd
import pyproj
from matplotlib import font_manager, patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..analysis import StudyResult
from ..errors import InputError
from ..names import LEVELS, STATUS_LABELS
from .atomic import atomic_path
from .cells import status_text
from .style import STATUS_COLOURS
from .values import comparisons, target_for, unit_text

logger = logging.getLogger(__name__)

__all__ = ["cjk_font", "coverage_figure", "figure_png", "map_level"]

#: Font family names tried in order.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Serif CJK SC",
)
_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "simhei", "msyh", "pingfang")

_COLOURS = {STATUS_LABELS[k][0]: colour for k, colour in STATUS_COLOURS.items()}
_EN = dict(STATUS_LABELS.values())


@functools.cache
def cjk_font() -> str | None:
    """Name of an installed font family that can draw Chinese, or None.

    Fonts installed after matplotlib built its cache are found by scanning the
    system font folders for the usual CJK font files.
    """
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower() for hint in _FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):  # pragma: no cover - unreadable font file
                continue
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    return None


#: Levels a figure can colour, smallest first.
MAP_LEVELS = ("community", "village", "circle", "street", "district")
#: Past this many units the map shows no names; past half of it, smaller names.
MAX_LABELS = 80


def _units(result: StudyResult, level: str) -> tuple[gpd.GeoDataFrame, str, str] | None:
    """The polygons (or points) of a level with their id and name columns, or None."""
    if level == "community":
        return result.communities, "community_id", "community_name"
    if level == "street":
        return result.streets, "street_id", "street_name"
    if level == "village" and result.villages is not None:
        return result.villages, "village_id", "village_name"
    if level == "circle" and result.circles is not None:
        return result.circles, "circle_id", "circle_name"
    if level == "district":
        districts = result.communities.reset_index(drop=True)[["district", "geometry"]]
        return districts.dissolve(by="district", as_index=False), "district", "district"
    return None


def map_level(result: StudyResult, rule_id: str) -> str | None:
    """The level a rule's map colours, or None for a rule judged only city-wide.

    The rule's own level when it can be drawn, else its smallest drawable level with results.
    """
    table = result.rule_results
    present = set(table.loc[table["rule_id"] == rule_id, "level"].astype(str))
    own = next((r.level for r in result.rules if r.id == rule_id), None)
    order = [own, *MAP_LEVELS] if own in MAP_LEVELS else list(MAP_LEVELS)
    for level in order:
        if level in present and _units(result, str(level)) is not None:
            return str(level)
    return None


def _rule_categories(result: StudyResult, rule_id: str) -> set[str] | None:
    """The facility categories a rule counts (None: the rule names none, draw them all)."""
    rule = next((r for r in result.rules if r.id == rule_id), None)
    if rule is None:
        return None
    found: set[str] = set()
    params = rule.params
    if isinstance(params.get("category"), str):
        found.add(params["category"])
    found.update(str(c) for c in params.get("categories") or ())
    for need in params.get("needs") or ():
        found.update(str(c) for c in need.get("categories") or ())
    return found or None


def _nice_length(span: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^k metres) near a fifth of ``span``."""
    raw = max(span / 5.0, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (5, 2, 1) if m * power <= raw))


def _metres(crs: Any) -> bool:
    try:
        axis = pyproj.CRS.from_user_input(crs).axis_info
    except pyproj.exceptions.CRSError:
        return False
    return bool(axis) and axis[0].unit_name in {"metre", "meter"}


def _scale_bar(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    """A two-segment black and white bar in the lower left, labelled in m or km."""
    minx, miny, maxx, maxy = bounds
    length = _nice_length(maxx - minx)
    height = (maxy - miny) * 0.012
    x0, y0 = minx, miny - (maxy - miny) * 0.065
    for k, colour in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle(
                (x0 + k * length / 2, y0),
                length / 2,
                height,
                facecolor=colour,
                edgecolor="black",
                linewidth=0.8,
                zorder=6,
            )
        )

    def words(metres: float) -> str:
        return f"{metres / 1000:g} km" if length >= 1000 else f"{metres:g} m"

    for at, label in ((0.0, "0"), (length, words(length))):
        ax.text(x0 + at, y0 + height * 1.6, label, ha="center", va="bottom", fontsize=7, zorder=6)


def _north_arrow(ax: Axes, cjk: bool) -> None:
    """An arrow pointing up (grid north of the projected CRS) in the upper left corner."""
    ax.annotate(
        "北\nN" if cjk else "N",
        xy=(0.045, 0.98),
        xytext=(0.045, 0.87),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=9,
        weight="bold",
        arrowprops={"facecolor": "black", "edgecolor": "black", "width": 3, "headwidth": 9},
        zorder=7,
        path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
    )


def _status_of_units(
    rows: pd.DataFrame, units: gpd.GeoDataFrame, id_col: str, level: str
) -> pd.Series[Any]:
    at = rows[rows["level"] == level].assign(unit_id=lambda d: d["unit_id"].astype(str))
    status_by_id = dict(zip(at["unit_id"], at["passed"].map(status_text), strict=False))
    status: pd.Series[Any] = units[id_col].astype(str).map(status_by_id).fillna("未评估")
    return status


def _labels(
    ax: Axes, units: gpd.GeoDataFrame, name_col: str, *, size: float, bold: bool = False
) -> None:
    halo = [patheffects.withStroke(linewidth=2, foreground="white")]
    for geometry, name in zip(units.geometry, units[name_col], strict=True):
        if geometry is None or geometry.is_empty or pd.isna(name):
            continue
        point = geometry.representative_point()
        ax.annotate(
            str(name),
            (point.x, point.y),
            ha="center",
            va="center",
            fontsize=size,
            color="#111111",
            weight="bold" if bold else "normal",
            path_effects=halo,
            zorder=5,
        )


def figure_png(result: StudyResult, rule_id: str = "R1", *, dpi: int = 150) -> bytes:
    """The map of one rule's results as PNG bytes (see ``coverage_figure``).

    Raises
    ------
    InputError
        When the rule has no rows in the results, or only a city-wide one (nothing to map).
    """
    table = result.rule_results
    rows = table[table["rule_id"] == rule_id]
    if rows.empty:
        known = ", ".join(sorted(map(str, table["rule_id"].unique()))) or "none"
        raise InputError(f"Rule {rule_id!r} has no results (rules evaluated: {known}).")
    level = map_level(result, rule_id)
    if level is None:
        raise InputError(
            f"Rule {rule_id!r} is judged only for the whole study area: there is no unit to map."
        )
    found = _units(result, level)
    assert found is not None  # map_level only returns drawable levels
    units, id_col, name_col = found
    status = _status_of_units(rows, units, id_col, level)
    layers = [(units, status)]
    villages = _units(result, "village") if level == "community" else None
    if villages is not None and (rows["level"] == "village").any():
        layers.append((villages[0], _status_of_units(rows, villages[0], villages[1], "village")))

    font = cjk_font()
    if font is None:
        logger.warning(
            "No CJK font found (tried %s): the figure uses English-only labels. "
            "Install one, e.g. apt-get install fonts-noto-cjk.",
            ", ".join(CJK_FAMILIES[:4]),
        )
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]

    with mpl.rc_context({"font.family": families, "axes.unicode_minus": False}):
        frames = [result.communities, result.streets, *(frame for frame, _ in layers)]
        boxes = [frame.total_bounds for frame in frames if not frame.empty]
        bounds = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        minx, miny, maxx, maxy = bounds
        aspect = (maxy - miny) / max(maxx - minx, 1.0)
        # 6.8 in wide: a page of A4 (16 cm) at 85% size, so the labels stay readable in print.
        fig = Figure(figsize=(6.8, min(max(6.8 * aspect, 3.5), 7.6) + 1.7), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        result.communities.plot(ax=ax, color="white", edgecolor="#9e9e9e", linewidth=0.4)
        counts: dict[str, int] = {}
        for frame, frame_status in layers:
            colours = frame_status.map(_COLOURS).to_numpy()
            points = frame.geom_type.isin(["Point", "MultiPoint"]).to_numpy()
            if (~points).any():
                frame[~points].plot(
                    ax=ax, color=colours[~points], edgecolor="#555555", linewidth=0.5, alpha=0.8
                )
            if points.any():
                frame[points].plot(
                    ax=ax, color=colours[points], edgecolor="#333333", markersize=40, zorder=4
                )
            for k, n in frame_status.value_counts().items():
                counts[str(k)] = counts.get(str(k), 0) + int(n)
        result.streets.boundary.plot(ax=ax, color="#222222", linewidth=1.5)
        wanted = _rule_categories(result, rule_id)
        facilities = result.facilities
        if wanted is not None and "category" in facilities.columns:
            facilities = facilities[facilities["category"].isin(wanted)]
        if not facilities.empty:
            ax.scatter(
                facilities.geometry.x,
                facilities.geometry.y,
                s=10,
                c="#08519c",
                edgecolors="white",
                linewidths=0.4,
                zorder=3,
            )
        first = rows.iloc[0]
        name_en = str(first["rule_name_en"])
        city = rows[rows["level"] == "city"]
        city_line = ""
        if not city.empty and pd.notna(city["value"].iloc[0]) and pd.notna(city["target"].iloc[0]):
            row = city.iloc[0]
            place = result.study.city if font else "city"
            city_line = (
                f"\n{place}: {unit_text(row['value'], row['value_unit'])} / "
                f"{target_for(row['target'], row['value_unit'], comparisons(result).get(rule_id, '≥'))}"
                f" → {status_text(row['passed'])} {_EN[status_text(row['passed'])]}"
            )
            if not font:  # the unit words are Chinese
                city_line = (
                    f"\ncity: {float(row['value']):g} / {float(row['target']):g}"
                    f" → {_EN[status_text(row['passed'])]}"
                )
        if font:
            title = (
                f"{result.study.name}\n{rule_id} {first['rule_name_zh']} · {name_en}"
                f"\n依据 source: {first['source']}{city_line}"
            )
            many = len(units) > MAX_LABELS / 2
            if len(units) <= MAX_LABELS:
                _labels(ax, units, name_col, size=5.5 if many else 7)
            if level == "district" and len(result.communities) <= MAX_LABELS:
                _labels(ax, result.communities, "community_name", size=6)
            if level in {"community", "village", "circle"} and len(result.streets) <= MAX_LABELS:
                # 街道 names are context: muted, behind the units' own names.
                for geometry, name in zip(
                    result.streets.geometry, result.streets["street_name"], strict=True
                ):
                    point = geometry.representative_point()
                    ax.annotate(
                        str(name),
                        (point.x, point.y),
                        xytext=(0, -11),
                        textcoords="offset points",
                        ha="center",
                        fontsize=7,
                        color="#6a51a3",
                        style="italic",
                        zorder=4,
                        path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
                    )
            labels = {k: f"{k} {v}" for k, v in _EN.items()}
            fac_label = "相关设施 facilities" if wanted else "设施 facilities"
            street_label = "街道界线 street boundary"
        else:
            title = f"{rule_id} {name_en}{city_line}"
            labels = dict(_EN)
            fac_label = "facilities"
            street_label = "street boundary"
        level_zh = LEVELS.get(level, level)
        handles: list[Any] = [
            Patch(color=_COLOURS[k], label=f"{labels[k]} ({counts.get(k, 0)})")
            for k in ("达标", "未达标", "未评估")
        ]
        handles.append(Line2D([], [], color="#222222", linewidth=1.5, label=street_label))
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=5,
                markerfacecolor="#08519c",
                markeredgecolor="white",
                label=f"{fac_label} ({len(facilities)})",
            )
        )
        ax.legend(
            handles=handles,
            title=f"{level_zh} {level}" if font else level,
            title_fontsize=8,
            loc="upper right",
            bbox_to_anchor=(1.0, -0.01),
            ncol=3,
            fontsize=8,
            framealpha=0.9,
        )
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
        ax.set_aspect("equal")
        # Margins left and below the study area hold the north arrow and the scale bar.
        width, height = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        ax.set_xlim(minx - 0.12 * width, maxx + 0.02 * width)
        ax.set_ylim(miny - 0.09 * height, maxy + 0.02 * height)
        _north_arrow(ax, font is not None)
        if _metres(result.study.working_crs):
            _scale_bar(ax, (minx, miny, maxx, maxy))
        else:
            logger.warning(
                "The working CRS %s is not in metres: the figure has no scale bar.",
                result.study.working_crs,
            )
        if result.study.synthetic:
            sample = "示例数据 SAMPLE" if font else "SAMPLE (synthetic data)"
            fig.text(
                0.5,
                0.5,
                sample,
                ha="center",
                va="center",
                fontsize=40,
                color="#b2182b",
                alpha=0.18,
                rotation=30,
            )
            fig.text(0.01, 0.01, sample, fontsize=10, color="#b2182b", weight="bold")
        crs_note = f"CRS {result.study.working_crs}"
        fig.text(0.99, 0.01, crs_note, fontsize=7, ha="right", color="#555555")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def coverage_figure(
    result: StudyResult,
    path: str | Path,
    *,
    rule_id: str = "R1",
    dpi: int = 150,
    png: bytes | None = None,
) -> Path:
    """Draw a rule's results on a map (units coloured by outcome, facilities, 指北针, 比例尺).

    Parameters
    ----------
    result
        The study result.
    path
        The PNG file to write (atomically).
    rule_id
        The rule whose per-unit results colour the map: at its own level when
        that can be drawn (社区, 行政村, 生活圈, 街道, 县（市、区）), else its
        smallest level with results.
    dpi
        Resolution.
    png
        Bytes already drawn by ``figure_png`` (written as they are).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InputError
        When the rule has no rows in the results, or is judged only city-wide.
    """
    data = png if png is not None else figure_png(result, rule_id, dpi=dpi)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    logger.info("Wrote figure %s", path)
    return path
