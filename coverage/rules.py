"""The plan's targets as declarative rules, read from TOML and evaluated per unit.

The shipped file ``rules.toml`` holds one entry per target of the Nantong
action plan (R1-R10, ``DOMAIN.md``), each with the clause it comes from.
Planners copy it, change thresholds, switch rules off (``enabled = false``)
or add their own; a study points to the copy with ``[rules] file = ...``.

A rule has a *kind* (how it is measured) and the *level* of units it judges
(社区 / 街道 / 区县 / 市). ``evaluate`` returns one tidy table: a row per
unit and rule with the value, the target, pass/fail, the shortfall and the
reason in Chinese and English; results roll up to the levels above.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from . import _rule_kinds
from ._errors import ConfigError
from ._names import LEVELS, RESULT_COLUMNS
from ._rule_kinds import KINDS, RuleInputs

__all__ = ["Rule", "RuleInputs", "evaluate", "load_rules", "rules_table"]


@dataclass(frozen=True)
class Rule:
    """One checkable target.

    Attributes
    ----------
    id
        Short id, e.g. ``R1`` or ``R4a``.
    name_zh, name_en
        Names shown to planners.
    source
        The clause of the plan or the standard it comes from (e.g. ``任务3``).
    kind
        How it is measured (a key of ``_rule_kinds.KINDS``).
    level
        The unit it judges: ``community``, ``street``, ``district`` or ``city``.
    params
        The kind's parameters, validated and completed with defaults.
    enabled
        ``False`` keeps the rule in the file but skips it.
    note
        Free text shown in the rule list.
    """

    id: str
    name_zh: str
    name_en: str
    source: str
    kind: str
    level: str
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    note: str = ""


_RULE_KEYS = {"id", "name_zh", "name_en", "source", "kind", "level", "params", "enabled", "note"}


def default_rules_path() -> Path:
    """The rule file shipped with the package."""
    return Path(str(resources.files("facility_coverage") / "rules.toml"))


def load_rules(path: str | Path | None = None) -> tuple[Rule, ...]:
    """Read and validate a rule file (the shipped one when ``path`` is None).

    Raises
    ------
    ConfigError
        For an unknown kind or level, a missing or unknown parameter, or a
        duplicated id; the message names the file, the rule and the field.
    """
    path = Path(path) if path is not None else default_rules_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Rule file {path} does not exist.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Rule file {path} is not valid TOML: {exc}") from exc
    entries = raw.get("rule")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[rule]] entries found.")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        where = f"{path}: rule #{i} ({entry.get('id', 'no id')})"
        unknown = sorted(set(entry) - _RULE_KEYS)
        if unknown:
            raise ConfigError(
                f"{where}: unknown field(s) {unknown}; allowed: {sorted(_RULE_KEYS)}."
            )
        for required in ("id", "name_zh", "name_en", "source", "kind", "level"):
            if not entry.get(required):
                raise ConfigError(f"{where}: the field '{required}' is missing.")
        if entry["id"] in seen:
            raise ConfigError(f"{where}: the id {entry['id']!r} is used twice.")
        seen.add(entry["id"])
        kind = KINDS.get(entry["kind"])
        if kind is None:
            raise ConfigError(
                f"{where}: unknown kind {entry['kind']!r}; known kinds: {sorted(KINDS)}."
            )
        if entry["level"] not in kind.levels:
            raise ConfigError(
                f"{where}: kind {entry['kind']!r} judges units at {sorted(kind.levels)}, "
                f"not {entry['level']!r}."
            )
        params = dict(entry.get("params", {}))
        unknown_params = sorted(set(params) - set(kind.required) - set(kind.defaults))
        if unknown_params:
            raise ConfigError(
                f"{where}: unknown parameter(s) {unknown_params} for kind {entry['kind']!r}; "
                f"it takes {sorted(set(kind.required) | set(kind.defaults))}."
            )
        missing = [p for p in kind.required if p not in params]
        if missing:
            raise ConfigError(
                f"{where}: kind {entry['kind']!r} needs the parameter(s) {missing} in [rule.params]."
            )
        if "max_minutes" in kind.defaults and not (
            ("max_minutes" in params) ^ ("max_distance_m" in params)
        ):
            raise ConfigError(
                f"{where}: give exactly one of params.max_minutes (a walking time) or "
                "params.max_distance_m (a walking distance)."
            )
        rules.append(
            Rule(
                id=str(entry["id"]),
                name_zh=str(entry["name_zh"]),
                name_en=str(entry["name_en"]),
                source=str(entry["source"]),
                kind=str(entry["kind"]),
                level=str(entry["level"]),
                params={**kind.defaults, **params},
                enabled=bool(entry.get("enabled", True)),
                note=str(entry.get("note", "")),
            )
        )
    return tuple(rules)


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


def rules_table(rules: tuple[Rule, ...]) -> pd.DataFrame:
    """The rule list as planners read it (for the report's 规则说明 sheet)."""
    return pd.DataFrame(
        [
            {
                "rule_id": r.id,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "source": r.source,
                "level": f"{LEVELS[r.level]} {r.level}",
                "kind": r.kind,
                "threshold": _rule_kinds.describe_threshold(r),
                "enabled": r.enabled,
                "note": r.note,
            }
            for r in rules
        ]
    )


def complete_circles(results: pd.DataFrame, rule_id: str = "R1") -> tuple[int, int]:
    """Number of 社区 passing a walk-access rule, and the number evaluated."""
    rows = results[(results["rule_id"] == rule_id) & (results["level"] == "community")]
    judged = rows["passed"].dropna()
    return int(judged.sum()), len(judged)
