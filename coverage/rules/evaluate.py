"""Evaluating rules into the tidy result table, in rule and level order."""

from __future__ import annotations

import pandas as pd

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
        rule's level and every level above it. ``passed`` is a nullable
        boolean: missing means *not evaluated* (the reason says why).
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
    table["_rule"] = table["rule_id"].map(rule_order)
    table = table.sort_values(["_rule", "_order", "unit_id"], kind="stable")
    return table[list(RESULT_COLUMNS)].reset_index(drop=True)
