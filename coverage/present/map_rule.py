"""The rule a coverage map shows, and the walk limits of its gap layers.

The rule's names, clause and targets come from the rule results; the
categories it looks at and its walking limit come from the study's rule file.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from .. import rules
from ..analysis import StudyResult
from ..errors import InputError
from ..names import LEVELS
from .values import comparisons, target_for

logger = logging.getLogger(__name__)

#: Rule kinds whose results are shares of units served: graded colours.
GRADED_KINDS = frozenset({"share_units_served"})

#: Default walk for the gap layers: the 15-minute circle, at the study's speed.
DEFAULT_GAP_MINUTES = 15.0


@dataclass(frozen=True)
class RuleInfo:
    """What the map shows of one rule: names, clause, targets per level, categories and walk."""

    rule_id: str
    name_zh: str
    name_en: str
    source: str
    targets: tuple[tuple[str, str], ...]
    graded: bool
    categories: tuple[str, ...]
    walk_m: float | None
    walks: Mapping[str, float] = field(default_factory=dict)


def _rule_definition(result: StudyResult, rule_id: str) -> rules.Rule | None:
    """The rule as the study evaluated it (None when the study has no such rule)."""
    return next((r for r in result.rules if r.id == rule_id), None)


def _rule_walk(
    rule: rules.Rule | None, result: StudyResult
) -> tuple[tuple[str, ...], float | None, dict[str, float]]:
    """The categories a rule looks at, its walking limit (m) and per-category limits.

    A rule over needs has no single limit: each category gets its need's tier.
    """
    if rule is None:
        return (), None, {}
    params = rule.params
    walk = result.study.walk
    if "needs" in params:
        walks: dict[str, float] = {}
        for need in rules.needs_of(params, walk):
            for c in need.categories:
                walks.setdefault(c, need.metres)
        return tuple(walks), None, walks
    cats = params.get("categories") or ([params["category"]] if params.get("category") else [])
    metres: float | None = None
    elderly = params.get("speed") == "elderly"
    if params.get("max_distance_m") is not None:
        metres = float(params["max_distance_m"])
    elif params.get("max_minutes") is not None:
        metres = walk.minutes_to_metres(float(params["max_minutes"]), elderly=elderly)
    elif elderly:
        metres = walk.minutes_to_metres(DEFAULT_GAP_MINUTES, elderly=True)
    return tuple(str(c) for c in cats), metres, {}


def rule_info(result: StudyResult, rule_id: str) -> RuleInfo:
    """The rule's names, clause and targets from the rule results, its walk from the rule file.

    Raises
    ------
    InputError
        The rule results have no rows for ``rule_id``.
    """
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
            op = comparisons(result).get(rule_id, "≥")
            targets.append((level, target_for(at["target"].iloc[0], at_unit, op)))
    rule = _rule_definition(result, rule_id)
    cats, walk, walks = _rule_walk(rule, result)
    return RuleInfo(
        rule_id=rule_id,
        name_zh=str(first["rule_name_zh"]),
        name_en=str(first["rule_name_en"]),
        source=str(first["source"]),
        targets=tuple(targets),
        graded=rule is not None and rule.kind in GRADED_KINDS,
        categories=cats,
        walk_m=walk,
        walks=walks,
    )


def distance_frame(result: StudyResult) -> pd.DataFrame:
    """Distances with plain category keys as columns (accepts ``dist_m__`` prefixes)."""
    dist = result.distances
    return dist.rename(columns=lambda c: str(c).removeprefix("dist_m__"))


def gap_thresholds(
    result: StudyResult,
    categories: Sequence[str] | Mapping[str, float] | None,
    info: RuleInfo | None,
) -> dict[str, float]:
    """Category -> walk limit (m) of the gap layers.

    Default: the rule's categories at the rule's walk (for R1, each at its need's
    tier); for a rule without its own walk (e.g. R2, a count inside each 街道),
    15 minutes at the rule's speed (R2: the elderly speed); without a rule, every
    measured category.
    """
    default_m = DEFAULT_GAP_MINUTES * result.study.walk.speed_m_per_min
    available = list(distance_frame(result).columns)
    if categories is None:
        if info is not None and info.categories:
            walk = info.walk_m if info.walk_m is not None else default_m
            return {c: info.walks.get(c, walk) for c in info.categories if c in available}
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
