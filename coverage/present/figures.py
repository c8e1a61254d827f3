"""Static PNG figures (matplotlib) of a study's results, for reports and slides.

Chinese labels need a CJK font. ``cjk_font`` looks for one (Noto Sans CJK,
Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang); when none is
installed the figure is drawn with English-only labels and a warning is logged
(install e.g. the Debian package ``fonts-noto-cjk``).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..analysis import StudyResult
from ..errors import InputError
from ..names import STATUS_LABELS
from .atomic import atomic_path
from .report import status_text
from .style import STATUS_COLOURS

logger = logging.getLogger(__name__)

__all__ = ["cjk_font", "coverage_figure"]

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


def coverage_figure(
    result: StudyResult,
    path: str | Path,
    *,
    rule_id: str = "R1",
    dpi: int = 150,
) -> Path:
    """Draw the 社区 coloured by a rule's result, 街道 outlines and facilities, as a PNG.

    Parameters
    ----------
    result
        The study result.
    path
        The PNG file to write (atomically).
    rule_id
        The rule whose per-community (or, if it has none, per-street) results colour the map.
    dpi
        Resolution.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InputError
        When the rule has no rows in the results.
    """
    table = result.rule_results
    rows = table[table["rule_id"] == rule_id]
    if rows.empty:
        known = ", ".join(sorted(map(str, table["rule_id"].unique()))) or "none"
        raise InputError(f"Rule {rule_id!r} has no results (rules evaluated: {known}).")
    level = "community" if (rows["level"] == "community").any() else "street"
    units, id_col = (
        (result.communities, "community_id")
        if level == "community"
        else (result.streets, "street_id")
    )
    at = rows[rows["level"] == level].assign(unit_id=lambda d: d["unit_id"].astype(str))
    status_by_id = dict(zip(at["unit_id"], at["passed"].map(status_text), strict=True))
    status = units[id_col].astype(str).map(status_by_id).fillna("未评估")

    font = cjk_font()
    if font is None:
        logger.warning(
            "No CJK font found (tried %s): the figure uses English-only labels. "
            "Install one, e.g. apt-get install fonts-noto-cjk.",
            ", ".join(CJK_FAMILIES[:4]),
        )
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]

    with mpl.rc_context({"font.family": families}):
        minx, miny, maxx, maxy = units.total_bounds
        aspect = (maxy - miny) / max(maxx - minx, 1.0)
        fig = Figure(figsize=(9.0, min(max(9.0 * aspect, 4.0), 12.0) + 1.6), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        colours = status.map(_COLOURS).to_numpy()
        units.plot(ax=ax, color=colours, edgecolor="#555555", linewidth=0.5, alpha=0.8)
        result.streets.boundary.plot(ax=ax, color="#222222", linewidth=1.5)
        if not result.facilities.empty:
            ax.scatter(
                result.facilities.geometry.x,
                result.facilities.geometry.y,
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
            city_line = (
                f"\n全市 city: {float(city['value'].iloc[0]):g} / {float(city['target'].iloc[0]):g}"
                f" {'' if pd.isna(city['value_unit'].iloc[0]) else city['value_unit'].iloc[0]}"
                f" → {status_text(city['passed'].iloc[0])} {_EN[status_text(city['passed'].iloc[0])]}"
            )
        if font:
            title = (
                f"{result.study.name}\n{rule_id} {first['rule_name_zh']} · {name_en}"
                f"\n依据 source: {first['source']}{city_line}"
            )
            for _, street in result.streets.iterrows():
                point = street.geometry.representative_point()
                ax.annotate(
                    str(street.get("street_name", "")),
                    (point.x, point.y),
                    ha="center",
                    fontsize=8,
                    color="#222222",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.6, "lw": 0},
                )
            labels = {k: f"{k} {v}" for k, v in _EN.items()}
            fac_label = "设施 facilities"
        else:
            title = f"{rule_id} {name_en}"
            labels = dict(_EN)
            fac_label = "facilities"
        counts = status.value_counts()
        handles = [
            Patch(color=_COLOURS[k], label=f"{labels[k]} ({int(counts.get(k, 0))})")
            for k in ("达标", "未达标", "未评估")
        ]
        handles.append(Patch(color="#08519c", label=fac_label))
        ax.legend(
            handles=handles,
            loc="upper right",
            bbox_to_anchor=(1.0, -0.01),
            ncol=2,
            fontsize=8,
            framealpha=0.9,
        )
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
        ax.set_aspect("equal")
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
        path = Path(path)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", bbox_inches="tight")
    logger.info("Wrote figure %s", path)
    return path
