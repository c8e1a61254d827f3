"""How fragile a headline is: one rule evaluated again under other readings of its words.

``sensitivity`` varies one parameter over values; ``readings_table`` evaluates
the readings a rule file declares (``[[rule.readings]]``: R1 at GB 50180's
800 and 1,000 m, one 15-minute walk for every type, the elderly speed, without
the fresh-food substitution, other resident shares) beside the headline. Each
row is one reading with the same headline numbers: units judged and passing,
the share of residents covered city-wide and the city's count against its
target.

Examples
--------
>>> from facility_coverage import rules
>>> table = rules.sensitivity(inputs, rule, "max_distance_m", [800, 1000, 1200])  # doctest: +SKIP
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from ..errors import ConfigError
from .inputs import Row, RuleInputs
from .kinds import KINDS
from .load import NEED_FIELDS
from .model import Rule

#: Columns of a sensitivity table, in order.
SENSITIVITY_COLUMNS = (
    "rule_id",
    "reading_zh",
    "reading_en",
    "setting",
    "headline",
    "units_judged",
    "units_passing",
    "share_passing",
    "resident_share",
    "city_value",
    "city_target",
    "city_passed",
)

_PAIRED = {"max_minutes": "max_distance_m", "max_distance_m": "max_minutes"}


def with_params(rule: Rule, changes: Mapping[str, Any]) -> Rule:
    """A copy of ``rule`` with parameters replaced.

    ``changes`` maps a parameter to its value; ``needs.<key>.<field>`` changes
    one need of a ``walk_access_needs`` rule. Setting a time drops the distance
    beside it (and back), so ``max_distance_m = 1000`` means "1,000 m for every
    need" even when the needs have their own minutes.

    Raises
    ------
    ConfigError
        For a parameter the rule's kind does not take, or an unknown need.
    """
    params: dict[str, Any] = copy.deepcopy(dict(rule.params))
    kind = KINDS[rule.kind]
    known = set(kind.required) | set(kind.defaults)
    for name, value in changes.items():
        parts = str(name).split(".")
        if parts[0] not in known:
            raise ConfigError(
                f"Rule {rule.id} ({rule.kind}) has no parameter {parts[0]!r}; it takes "
                f"{', '.join(sorted(known))}."
            )
        if name == "speed" and value not in ("normal", "elderly"):
            raise ConfigError(f"Rule {rule.id}: speed is 'normal' or 'elderly', not {value!r}.")
        if len(parts) == 1:
            params[name] = value
            if name in _PAIRED and value is not None:
                params[_PAIRED[name]] = None
            continue
        if parts[0] != "needs" or len(parts) != 3:
            raise ConfigError(
                f"Rule {rule.id}: {name!r} is not a parameter; write needs.<key>.<field> to "
                "change one need."
            )
        found = [n for n in params["needs"] if n.get("key") == parts[1]]
        if not found:
            keys = ", ".join(str(n.get("key")) for n in params["needs"])
            raise ConfigError(f"Rule {rule.id} has no need {parts[1]!r}; its needs are {keys}.")
        if parts[2] not in NEED_FIELDS - {"key"}:
            raise ConfigError(
                f"Rule {rule.id}: a need has no field {parts[2]!r}; its fields are "
                f"{', '.join(sorted(NEED_FIELDS - {'key'}))}."
            )
        found[0][parts[2]] = value
        if parts[2] in _PAIRED:
            found[0].pop(_PAIRED[parts[2]], None)
    return replace(rule, params=params, readings=())


def headline(rule: Rule, rows: Sequence[Row]) -> dict[str, Any]:
    """The numbers a reading is compared on, from the rule's raw result rows."""
    judged = [r for r in rows if r.get("level") == rule.level and r.get("passed") is not pd.NA]
    judged = [r for r in judged if "passed" in r and r["passed"] is not None]
    passing = sum(bool(r["passed"]) for r in judged)
    city = next((r for r in rows if r.get("level") == "city"), None)
    share = None
    if city is not None:
        if "_resident_share" in city:
            share = city["_resident_share"]
        elif city.get("value_unit") == "share of residents":
            share = city.get("value")
    return {
        "units_judged": len(judged),
        "units_passing": passing,
        "share_passing": passing / len(judged) if judged else float("nan"),
        "resident_share": share,
        "city_value": None if city is None else city.get("value"),
        "city_target": None if city is None else city.get("target"),
        "city_passed": None if city is None or city.get("passed") is pd.NA else city["passed"],
    }


def _row(rule: Rule, inputs: RuleInputs, zh: str, en: str, setting: str, first: bool) -> Row:
    rows = KINDS[rule.kind].evaluate(rule, inputs)
    return {
        "rule_id": rule.id,
        "reading_zh": zh,
        "reading_en": en,
        "setting": setting,
        "headline": first,
        **headline(rule, rows),
    }


def _setting(changes: Mapping[str, Any]) -> str:
    return "; ".join(f"{k} = {v}" for k, v in changes.items()) or "rule file as written"


def sensitivity(inputs: RuleInputs, rule: Rule, param: str, values: Iterable[Any]) -> pd.DataFrame:
    """The rule's headline at each value of one parameter, the file's own reading first.

    Parameters
    ----------
    inputs
        The study's rule inputs (``StudyResult.rule_inputs()``).
    rule
        The rule (from ``load_rules``).
    param
        A parameter of the rule's kind, or ``needs.<key>.<field>``.
    values
        The values to try.

    Returns
    -------
    pandas.DataFrame
        Columns ``SENSITIVITY_COLUMNS``: one row per value after the headline row.
    """
    rows = [_row(rule, inputs, "规则文件原文", "as the rule file reads", _setting({}), True)]
    for value in values:
        changed = with_params(rule, {param: value})
        label = _setting({param: value})
        rows.append(_row(changed, inputs, label, label, label, False))
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))


def readings_table(rules: Sequence[Rule], inputs: RuleInputs) -> pd.DataFrame:
    """Every enabled rule with declared readings: the headline, then each reading."""
    rows: list[Row] = []
    for rule in rules:
        if not rule.enabled or not rule.readings:
            continue
        rows.append(_row(rule, inputs, "规则文件原文（标题数字）", "headline reading", "", True))
        for reading in rule.readings:
            changes = reading["set"]
            rows.append(
                _row(
                    with_params(rule, changes),
                    inputs,
                    str(reading["zh"]),
                    str(reading["en"]),
                    _setting(changes),
                    False,
                )
            )
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
