"""Walk access over *needs*: MOFCOM's circle, each need met by any of its categories in its own time.

A need is what a resident must reach (buying fresh food, a pharmacy...); any
of its categories meets it (fresh food: a 菜市场 or a 生鲜超市/菜店, as the
rule file sets) and each need has its own walking threshold (MOFCOM's tiers:
5 minutes to a 便利店, 8 to a market or a pharmacy, 15 to the rest). A
resident is covered when every need is met; a unit passes when the share of
covered residents reaches ``min_share``. With declared circles
(``[inputs.circles]``) the circles are judged too and the city count counts
them; otherwise the count of complete 社区 is a proxy, and says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .model import Rule
from ..config import WalkParams
from ..names import LEVELS
from .inputs import Row, RuleInputs, _km, _levels_from, _not_evaluated, _parent_map

#: Why a count of complete 社区 is not a count of circles (shown with every proxy count).
PROXY_NOTE_ZH = (
    "未声明生活圈（[inputs.circles]），以达标社区数代替：商务部的生活圈是社区商圈，"
    "前三批试点3,946个生活圈服务7,676万人（约2万人/个），而南通一个社区约7千人，"
    "社区计数可能高出生活圈数2-3倍"
)
PROXY_NOTE_EN = (
    "no circles declared ([inputs.circles]); complete 社区 stand in for circles. A MOFCOM "
    "circle is a neighbourhood commercial area (the first pilots: 3,946 circles for 76.76 "
    "million residents, about 20,000 each) while a Nantong 社区 holds about 7,000, so this "
    "count can exceed the number of circles 2-3 times"
)


@dataclass(frozen=True)
class Need:
    """One need of a ``walk_access_needs`` rule, with its threshold in metres."""

    key: str
    name_zh: str
    name_en: str
    categories: tuple[str, ...]
    metres: float
    words_zh: str
    words_en: str


def _need_threshold(
    need: Mapping[str, Any], params: Mapping[str, Any], walk: WalkParams
) -> tuple[float, str, str]:
    """A need's threshold (m) and its words; a rule-wide max_* overrides every need's."""
    elderly = params.get("speed") == "elderly"
    source: Mapping[str, Any] = need
    if params.get("max_distance_m") is not None or params.get("max_minutes") is not None:
        source = params
    if source.get("max_distance_m") is not None:
        metres = float(source["max_distance_m"])
        return metres, f"{metres:,.0f}米", f"{metres:,.0f} m"
    minutes = float(source["max_minutes"])
    metres = walk.minutes_to_metres(minutes, elderly=elderly)
    return metres, f"{minutes:g}分钟（{metres:,.0f}米）", f"{minutes:g} min ({metres:,.0f} m)"


def needs_of(params: Mapping[str, Any], walk: WalkParams) -> list[Need]:
    """The rule's needs with their thresholds at the study's walking speeds."""
    out = []
    for raw in params["needs"]:
        metres, zh, en = _need_threshold(raw, params, walk)
        out.append(
            Need(
                key=str(raw["key"]),
                name_zh=str(raw["name_zh"]),
                name_en=str(raw.get("name_en", raw["key"])),
                categories=tuple(raw["categories"]),
                metres=metres,
                words_zh=zh,
                words_en=en,
            )
        )
    return out


def _need_distances(inp: RuleInputs, needs: Sequence[Need]) -> NDArray[np.float64]:
    """Residents x needs: the walk to the nearest facility of any of the need's categories."""
    n = len(inp.residents)
    out = np.full((n, len(needs)), np.inf)
    for j, need in enumerate(needs):
        for c in need.categories:
            if c in inp.distances:
                out[:, j] = np.minimum(out[:, j], inp.distances[c].to_numpy(dtype=np.float64))
    return out


def _gap_words(
    share_of: list[tuple[float, Need, float]], absent: Sequence[Need]
) -> tuple[str, str]:
    share_of.sort(key=lambda t: -t[0])
    zh = "；".join(
        f"{s:.0%}的居民步行{need.words_zh}内无{need.name_zh}（最远{_km(d)}）"
        for s, need, d in share_of[:3]
    )
    en = "; ".join(
        f"{s:.0%} of residents have no {need.name_en} within {need.words_en} (up to {_km(d)})"
        for s, need, d in share_of[:3]
    )
    if absent:
        zh += f"；研究范围内没有：{'、'.join(n.name_zh for n in absent)}"
        en += f"; none in the study area: {', '.join(n.name_en for n in absent)}"
    return zh, en


def _circle_members(inp: RuleInputs) -> dict[str, NDArray[np.bool_]]:
    """Declared circle id -> mask of the residents standing inside its polygon."""
    circles = inp.circles
    assert circles is not None
    n = len(inp.residents)
    members = {str(c): np.zeros(n, dtype=bool) for c in circles.index}
    if n == 0 or len(circles) == 0:
        return members
    polys = gpd.GeoDataFrame(
        {"circle_id": circles.index.astype(str).to_numpy()},
        geometry=circles.geometry.to_numpy(),
        crs=circles.crs,
    )
    points = gpd.GeoDataFrame(
        {"_i": np.arange(n)}, geometry=inp.residents.geometry.to_numpy(), crs=inp.residents.crs
    )
    joined = gpd.sjoin(points, polys, how="inner", predicate="intersects")
    for i, cid in zip(joined["_i"].to_numpy(), joined["circle_id"].to_numpy(), strict=True):
        members[str(cid)][int(i)] = True
    return members


def _walk_access_needs(rule: Rule, inp: RuleInputs) -> list[Row]:
    p = rule.params
    needs = needs_of(p, inp.walk)
    min_share = float(p["min_share"])
    n = len(inp.residents)
    weight = inp.residents[p["population"]].to_numpy(dtype=np.float64) if n else np.zeros(0)
    dist = _need_distances(inp, needs)
    ok = dist <= np.array([need.metres for need in needs])[None, :]
    covered_all = ok.all(axis=1)
    present = set(inp.facilities["category"].to_numpy())
    absent = [need for need in needs if not present.intersection(need.categories)]

    def judge(level: str, uid: str, name: str, mask: NDArray[np.bool_]) -> tuple[Row, bool | None]:
        pop = float(weight[mask].sum())
        if pop <= 0:
            return _not_evaluated(level, [(uid, name)], "无居民", "no residents")[0], None
        covered = float(weight[mask & covered_all].sum())
        share = covered / pop
        gaps = []
        for j, need in enumerate(needs):
            miss = mask & ~ok[:, j]
            lost = float(weight[miss].sum())
            if lost > 0:
                gaps.append((lost / pop, need, float(dist[miss, j].max())))
        gap_zh, gap_en = _gap_words(gaps, absent)
        passed = share >= min_share - 1e-12
        row: Row = {
            "level": level,
            "unit_id": uid,
            "unit_name": name,
            "value": share,
            "value_unit": "share of residents",
            "target": min_share,
            "passed": passed,
            "shortfall": max(0, math.ceil(min_share * pop - covered - 1e-9)),
            "shortfall_unit": "residents 人",
            "reason_zh": f"{name}{share:.0%}的居民步行可达全部"
            f"{len(needs)}项基本需求" + ("。" + gap_zh if gap_zh else ""),
            "reason_en": f"{share:.0%} of residents of {'the city' if level == 'city' else name} "
            f"reach all {len(needs)} basic needs" + (". " + gap_en if gap_en else ""),
        }
        return row, passed

    rows: list[Row] = []
    complete: dict[str, bool] = {}
    unit_level = rule.level
    res_community = inp.residents["community_id"].astype(str).to_numpy() if n else np.zeros(0)
    for uid, name in inp.units(unit_level):
        row, passed = judge(unit_level, uid, name, res_community == uid)
        rows.append(row)
        if passed is not None:
            complete[uid] = passed
    circle_rows: list[Row] = []
    circle_outcomes: list[tuple[bool | None, str]] = []
    if inp.circles is not None and len(inp.circles):
        members = _circle_members(inp)
        for cid, mask in members.items():
            rec = inp.circles.loc[cid]
            status = str(rec["status"])
            row, passed = judge("circle", cid, f"{rec['circle_name']}（{status}）", mask)
            circle_rows.append(row)
            circle_outcomes.append((passed, status))
    target_count = p.get("city_target_count")
    for level in _levels_from(unit_level)[1:]:
        unit_of = inp.unit_of_community(level).reindex(res_community).to_numpy()
        parent = _parent_map(inp, unit_level, level)
        for uid, name in inp.units(level):
            row, _ = judge(level, uid, name, unit_of == uid)
            if row.get("passed") is pd.NA:
                rows.append(row)
                continue
            kids = [k for k, v in parent.items() if v == uid]
            done = sum(complete.get(k, False) for k in kids)
            row["reason_zh"] += f"；{len(kids)}个{LEVELS[unit_level]}中{done}个达标"
            row["reason_en"] += f"; {done} of {len(kids)} {unit_level} units pass"
            if level == "city" and target_count:
                row["_resident_share"] = row["value"]
                _city_count(row, done, int(target_count), circle_outcomes)
            rows.append(row)
    return rows + circle_rows


def _city_count(
    row: Row, complete: int, target: int, circles: Sequence[tuple[bool | None, str]]
) -> None:
    """Turn the city row into the plan's count: built circles that pass, else 社区 (a proxy)."""
    if circles:
        passing = [status for passed, status in circles if passed]
        count = passing.count("已建")
        row["reason_zh"] = (
            f"已声明{len(circles)}个生活圈，{len(passing)}个达标，其中已建{count}个"
            f"（目标{target}个；在建、规划的达标生活圈不计入）。" + row["reason_zh"]
        )
        row["reason_en"] = (
            f"{len(circles)} circles declared, {len(passing)} pass, {count} of them built "
            f"(target {target}; passing circles under construction or planned do not count). "
            + row["reason_en"]
        )
        unit = "built circles that pass 已建达标生活圈"
    else:
        count = complete
        row["reason_zh"] = (
            f"达标社区{count}个（目标{target}个，社区代理）。{PROXY_NOTE_ZH}。" + (row["reason_zh"])
        )
        row["reason_en"] = (
            f"{count} complete 社区 (target {target}; a proxy). {PROXY_NOTE_EN}. "
            + (row["reason_en"])
        )
        unit = "complete 社区 (proxy for circles) 达标社区（代理）"
    row.update(
        value=float(count),
        value_unit=unit,
        target=float(target),
        passed=count >= target,
        shortfall=max(0, target - count),
        shortfall_unit="circles 个",
    )
