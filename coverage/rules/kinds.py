"""How each kind of rule is measured: the registry behind ``rules.evaluate``.

Every evaluator takes a rule and the study's inputs and returns rows (dicts
with the result columns except the rule's own id and names). Rows at the
rule's level come first, then the roll-ups to the levels above it. The
evaluators live in ``_rules_access`` (walking) and ``_rules_quota``
(attribute arithmetic); the shared inputs and helpers in ``_rule_inputs``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..config import WalkParams

if TYPE_CHECKING:
    from .model import Rule

from .access import _min_count_inside, _share_units_served, _walk_access_all
from .inputs import Row, RuleInputs, _threshold_words
from .needs import _walk_access_needs, needs_of
from .quota import (
    _attribute_share,
    _count_with_attribute,
    _floor_area_share,
    _per_1000_residents,
    _quota_per_100_households,
)

__all__ = ["KINDS", "Kind", "RuleInputs", "describe_threshold"]


@dataclass(frozen=True)
class Kind:
    """A way of measuring a rule: where it applies, its parameters, its evaluator."""

    levels: frozenset[str]
    required: tuple[str, ...]
    defaults: Mapping[str, Any]
    evaluate: Callable[[Rule, RuleInputs], list[Row]]


def describe_threshold(rule: Rule) -> str:
    """The rule's threshold in words, at the default walking speeds."""
    p = rule.params
    parts = []
    if p.get("max_minutes") is not None or p.get("max_distance_m") is not None:
        parts.append(_threshold_words(p, WalkParams())[1])
    elif "needs" in p:
        parts.extend(f"{n.name_en} {n.words_en}" for n in needs_of(p, WalkParams()))
    for key in ("min_share", "target_share", "min_count", "min_value", "targets"):
        if key in p and p[key] is not None:
            parts.append(f"{key} = {p[key]}")
    return "; ".join(parts)


_WALK = {"max_minutes": None, "max_distance_m": None, "speed": "normal", "population": "population"}

KINDS: dict[str, Kind] = {
    "walk_access_needs": Kind(
        levels=frozenset({"community"}),
        required=("needs",),
        defaults={**_WALK, "min_share": 0.9, "city_target_count": None},
        evaluate=_walk_access_needs,
    ),
    "walk_access_all": Kind(
        levels=frozenset({"community", "street"}),
        required=("categories",),
        defaults={**_WALK, "min_share": 0.9, "city_target_count": None},
        evaluate=_walk_access_all,
    ),
    "min_count_inside": Kind(
        levels=frozenset({"community", "street", "district"}),
        required=("category",),
        defaults={
            "min_count": 1,
            "population": "population",
            "speed": "normal",
            "attribute": None,
            "name_keywords": [],
            "exclude_keywords": [],
            "unit_types": [],
            "rollup_share": 1.0,
        },
        evaluate=_min_count_inside,
    ),
    "share_units_served": Kind(
        levels=frozenset({"community", "village"}),
        required=("categories", "target_share"),
        defaults={**_WALK, "served_min_share": 0.5, "strict": False, "village_reach_m": None},
        evaluate=_share_units_served,
    ),
    "quota_per_100_households": Kind(
        levels=frozenset({"community"}),
        required=("column", "targets"),
        defaults={},
        evaluate=_quota_per_100_households,
    ),
    "floor_area_share": Kind(
        levels=frozenset({"community"}),
        required=("numerator", "denominator", "min_share"),
        defaults={"statuses": []},
        evaluate=_floor_area_share,
    ),
    "per_1000_residents": Kind(
        levels=frozenset({"street", "district", "city"}),
        required=("attribute", "min_value"),
        defaults={"categories": [], "strict": False, "also": {}},
        evaluate=_per_1000_residents,
    ),
    "attribute_share": Kind(
        levels=frozenset({"street", "district", "city"}),
        required=("numerator", "denominator", "min_share"),
        defaults={"categories": []},
        evaluate=_attribute_share,
    ),
    "count_with_attribute": Kind(
        levels=frozenset({"district", "city"}),
        required=("attribute", "min_count"),
        defaults={"categories": []},
        evaluate=_count_with_attribute,
    ),
}
