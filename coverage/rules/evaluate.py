"""Evaluating rules into the tidy result table, in rule and level order."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..errors import ConfigError
from ..names import LEVELS, RESULT_COLUMNS
from .inputs import RuleInputs
from .kinds import KINDS
from .model import Rule


def evaluate(rules: tuple[Rule, ...], inputs: RuleInputs) -> pd.DataFrame:
    """Evaluate every enabled rule and return the tidy result table.

    Parameters
    ----------
    rules
        From ``load_rules``.
    inputs
        The study's layers and distances.

    Returns
    -------
    pandas.DataFrame
        Columns ``_names.RESULT_COLUMNS``: one row per unit and rule at the
        rule's level and every level above it, then one city row per
        planner-reported indicator (``inputs.indicators``). ``passed`` is a
        nullable boolean: missing means *not evaluated* (the reason says why).
    """
    frames = []
    for rule in rules:
        if not rule.enabled:
            continue
        rows = KINDS[rule.kind].evaluate(rule, inputs)
        if not rows:
            continue
        frame = pd.DataFrame(rows)
        frame["rule_id"] = rule.id
        frame["rule_name_zh"] = rule.name_zh
        frame["rule_name_en"] = rule.name_en
        frame["source"] = rule.source
        frames.append(frame)
    if inputs.indicators is not None and len(inputs.indicators):
        clash = sorted(set(inputs.indicators["indicator_id"].astype(str)) & {r.id for r in rules})
        if clash:
            raise ConfigError(
                f"The indicator table uses rule id(s) {clash} as indicator_id; give the "
                "indicators their own ids (e.g. N1, N2)."
            )
        frames.append(pd.DataFrame(indicator_rows(inputs.indicators, inputs.city_name)))
    if not frames:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    for column in RESULT_COLUMNS:
        if column not in table.columns:
            table[column] = pd.NA
    table["passed"] = table["passed"].astype("boolean")
    level_order = {level: i for i, level in enumerate(LEVELS)}
    table["_order"] = table["level"].map(level_order)
    rule_order = {rule.id: i for i, rule in enumerate(rules)}
    table["_rule"] = table["rule_id"].map(rule_order).fillna(len(rule_order))
    table = table.sort_values(["_rule", "_order", "unit_id"], kind="stable")
    return table[list(RESULT_COLUMNS)].reset_index(drop=True)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
}


def indicator_rows(indicators: pd.DataFrame, city_name: str) -> list[dict[str, Any]]:
    """The planner-filled non-spatial targets as city rows of the result table.

    An indicator without an actual value is *not evaluated* (未填报), so the
    ledger still lists every target of the plan.
    """
    rows = []
    for rec in indicators.to_dict("records"):
        name = str(rec.get("name_zh", rec["indicator_id"]))
        unit = "" if pd.isna(rec.get("unit")) else str(rec.get("unit"))
        op = str(rec.get("comparison") or ">=")
        target, actual = rec.get("target"), rec.get("actual")
        who = "" if pd.isna(rec.get("responsible")) else f"（{rec['responsible']}）"
        row: dict[str, Any] = {
            "level": "city",
            "unit_id": "city",
            "unit_name": city_name,
            "rule_id": str(rec["indicator_id"]),
            "rule_name_zh": name,
            "rule_name_en": str(
                rec.get("name_en") or "planner-reported indicator (indicator table)"
            ),
            "source": "" if pd.isna(rec.get("source")) else str(rec["source"]),
            "target": target,
            "value_unit": unit,
        }
        if pd.isna(actual) or pd.isna(target):
            row.update(
                passed=pd.NA,
                reason_zh=f"未评估：{name}未填报实际值{who}",
                reason_en="not evaluated: no actual value reported in the indicator table",
            )
        else:
            passed = _COMPARE[op](float(actual), float(target))
            row.update(
                value=float(actual),
                passed=passed,
                shortfall=0.0 if passed else abs(float(target) - float(actual)),
                shortfall_unit=unit,
                reason_zh=f"{name}：实际{float(actual):g}{unit}，目标{op}{float(target):g}{unit}{who}",
                reason_en=f"reported {float(actual):g} {unit} against {op} {float(target):g} {unit}",
            )
        rows.append(row)
    return rows
