"""What rules look at (``RuleInputs``) and the helpers every rule kind shares."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..config import DEFAULT_CITY_NAME, WalkParams
from ..names import ROLLUP_LEVELS

if TYPE_CHECKING:
    from .model import Rule

Row = dict[str, Any]


@dataclass(frozen=True)
class RuleInputs:
    """What the rules look at, all in the working CRS.

    Attributes
    ----------
    communities, streets
        Boundaries indexed by ``community_id`` / ``street_id``.
    community_table
        Households, residents and floor areas, indexed by ``community_id``.
    facilities
        Classified facilities (``facility_id``, ``name``, ``category``, attributes).
    residents
        Resident points with ``community_id`` and the population groups.
    distances, nearest
        Walking distance (m) and nearest facility id per resident and category.
    walk
        Walking speeds.
    category_names
        Category key -> (Chinese name, English name), for the reasons.
    villages
        行政村 polygons or points indexed by ``village_id`` (``village_name``,
        ``street_id``, ``district``), or None when the study has none.
    circles
        Planner-declared 便民生活圈 polygons indexed by ``circle_id``
        (``circle_name``, ``status`` 已建/在建/规划), or None.
    indicators
        The planner-filled table of non-spatial targets (``indicator_id``,
        ``name_zh``, ``target``, ``actual``, ``comparison``, ``unit``,
        ``source``), or None.
    city_name
        What the whole study area is called in the rows and reasons (the study's
        ``[study].city``, 南通市; 全市 when not given).
    """

    communities: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    community_table: pd.DataFrame
    facilities: gpd.GeoDataFrame
    residents: gpd.GeoDataFrame
    distances: pd.DataFrame
    nearest: pd.DataFrame
    walk: WalkParams = field(default_factory=WalkParams)
    category_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    villages: gpd.GeoDataFrame | None = None
    circles: gpd.GeoDataFrame | None = None
    indicators: pd.DataFrame | None = None
    city_name: str = DEFAULT_CITY_NAME

    def names(self, category: str) -> tuple[str, str]:
        """Chinese and English name of a category (its key when unknown)."""
        return self.category_names.get(category, (category, category.replace("_", " ")))

    @cached_property
    def facility_community(self) -> pd.Series:
        """The 社区 each facility stands in (first match on shared boundaries; NA outside)."""
        if len(self.facilities) == 0:
            return pd.Series(dtype=object)
        units = gpd.GeoDataFrame(
            {"community_id": self.communities.index.to_numpy()},
            geometry=self.communities.geometry.to_numpy(),
            crs=self.communities.crs,
        )
        points = gpd.GeoDataFrame(
            geometry=self.facilities.geometry.to_numpy(), crs=self.facilities.crs
        )
        joined = gpd.sjoin(points, units, how="left", predicate="intersects")
        joined = joined[~joined.index.duplicated(keep="first")]
        return pd.Series(joined["community_id"].to_numpy(), index=self.facilities.index)

    def unit_of_community(self, level: str) -> pd.Series:
        """Map community_id -> the id of its unit at ``level``."""
        if level == "community":
            return pd.Series(self.communities.index, index=self.communities.index)
        if level in ("street", "district"):
            column = "street_id" if level == "street" else "district"
            return pd.Series(self.communities[column].to_numpy(), index=self.communities.index)
        return pd.Series("city", index=self.communities.index)

    def units(self, level: str) -> list[tuple[str, str]]:
        """(unit id, display name) of every unit at ``level``, in a stable order."""
        if level == "community":
            names = self.communities["community_name"]
            return [(str(i), str(names[i])) for i in self.communities.index]
        if level == "street":
            names = self.streets["street_name"]
            return [(str(i), str(names[i])) for i in self.streets.index]
        if level == "district":
            return [
                (str(d), str(d)) for d in sorted(self.communities["district"].dropna().unique())
            ]
        return [("city", self.city_name)]


# --------------------------------------------------------------------------- helpers


def _threshold_m(params: Mapping[str, Any], walk: WalkParams) -> float:
    if params.get("max_distance_m") is not None:
        return float(params["max_distance_m"])
    return walk.minutes_to_metres(
        float(params["max_minutes"]), elderly=params.get("speed") == "elderly"
    )


def _threshold_words(params: Mapping[str, Any], walk: WalkParams) -> tuple[str, str]:
    metres = _threshold_m(params, walk)
    if params.get("max_distance_m") is not None:
        return f"步行{metres:,.0f}米内", f"within {metres:,.0f} m on foot"
    minutes = float(params["max_minutes"])
    return (
        f"步行{minutes:g}分钟（{metres:,.0f}米）内",
        f"within a {minutes:g}-minute walk ({metres:,.0f} m)",
    )


def _km(metres: float) -> str:
    return "∞" if not math.isfinite(metres) else f"{metres / 1000:.1f} km"


def result_row(
    level: str,
    unit_id: str,
    unit_name: str,
    *,
    value: Any,
    target: Any,
    value_unit: str,
    passed: Any,
    shortfall: Any,
    shortfall_unit: str,
    reason_zh: str,
    reason_en: str,
) -> Row:
    """One judged unit's row of the result table (the rule's id and names are added later)."""
    return {
        "level": level,
        "unit_id": unit_id,
        "unit_name": unit_name,
        "value": value,
        "target": target,
        "value_unit": value_unit,
        "passed": passed,
        "shortfall": shortfall,
        "shortfall_unit": shortfall_unit,
        "reason_zh": reason_zh,
        "reason_en": reason_en,
    }


def _not_evaluated(level: str, units: Sequence[tuple[str, str]], zh: str, en: str) -> list[Row]:
    return [
        {
            "level": level,
            "unit_id": uid,
            "unit_name": name,
            "passed": pd.NA,
            "reason_zh": f"未评估：{zh}",
            "reason_en": f"not evaluated: {en}",
        }
        for uid, name in units
    ]


def _levels_from(level: str) -> tuple[str, ...]:
    return ROLLUP_LEVELS[ROLLUP_LEVELS.index(level) :]


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])


def _missing_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c not in frame.columns or frame[c].isna().all()]


def _rollup_count_passing(
    rule: Rule,
    inp: RuleInputs,
    base: list[Row],
    *,
    what_zh: str,
    what_en: str,
    min_share: float = 1.0,
) -> list[Row]:
    """Roll unit pass/fail up: a parent passes when ``min_share`` of its judged units pass."""
    rows: list[Row] = []
    judged = {r["unit_id"]: r["passed"] for r in base if r["passed"] is not pd.NA}
    child = rule.level
    for level in _levels_from(child)[1:]:
        parent_of = _parent_map(inp, child, level)
        for uid, name in inp.units(level):
            kids = [k for k, p in parent_of.items() if p == uid and k in judged]
            if not kids:
                rows.extend(
                    _not_evaluated(level, [(uid, name)], "无可评估单位", "no unit to judge")
                )
                continue
            passing = sum(bool(judged[k]) for k in kids)
            needed = math.ceil(min_share * len(kids) - 1e-9)
            target_words = "" if min_share >= 1.0 else f"（目标≥{min_share:.0%}）"
            rows.append(
                result_row(
                    level,
                    uid,
                    name,
                    value=passing / len(kids),
                    target=min_share,
                    value_unit="share of units",
                    passed=passing >= needed,
                    shortfall=max(0, needed - passing),
                    shortfall_unit="units 个单位",
                    reason_zh=f"{len(kids)}个{what_zh}中{passing}个达标{target_words}",
                    reason_en=f"{passing} of {len(kids)} {what_en} pass"
                    + ("" if min_share >= 1.0 else f" (target ≥ {min_share:.0%})"),
                )
            )
    return rows


def _parent_map(inp: RuleInputs, child: str, parent: str) -> dict[str, str]:
    """Child unit id -> parent unit id, through the community table of both."""
    c = inp.unit_of_community(child)
    p = inp.unit_of_community(parent)
    return {str(c[i]): str(p[i]) for i in inp.communities.index}
