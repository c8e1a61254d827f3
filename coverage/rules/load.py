"""Reading and validating a rule file (``rules.toml`` shipped with the package)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError
from ..names import LEVELS
from .kinds import KINDS, describe_threshold
from .model import Rule

_RULE_KEYS = {
    "id",
    "name_zh",
    "name_en",
    "source",
    "kind",
    "level",
    "params",
    "enabled",
    "note",
    "basis",
    "readings",
    "lead",
    "deadline",
}
#: The fields a need of a ``walk_access_needs`` rule may have.
NEED_FIELDS = frozenset(
    {"key", "name_zh", "name_en", "categories", "max_minutes", "max_distance_m", "source"}
)


def default_rules_path() -> Path:
    """The rule file shipped with the package."""
    return Path(str(resources.files("facility_coverage.rules") / "rules.toml"))


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
        _check_threshold(where, entry, params)
        readings = _readings(where, entry.get("readings", []), kind.required, kind.defaults)
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
                basis=str(entry.get("basis", "")),
                readings=readings,
                lead=str(entry.get("lead", "")),
                deadline=str(entry.get("deadline", "")),
            )
        )
    return tuple(rules)


def _one_threshold(table: Mapping[str, Any]) -> bool:
    return (table.get("max_minutes") is not None) ^ (table.get("max_distance_m") is not None)


def _check_threshold(where: str, entry: Mapping[str, Any], params: Mapping[str, Any]) -> None:
    """Walking rules give exactly one of a time or a distance (per need, or rule-wide)."""
    kind = entry["kind"]
    if kind == "walk_access_needs":
        needs = params["needs"]
        if not isinstance(needs, list) or not needs:
            raise ConfigError(
                f"{where}: params.needs must be a non-empty list of [[rule.params.needs]]."
            )
        rule_wide = _one_threshold(params)
        if params.get("max_minutes") is not None and params.get("max_distance_m") is not None:
            raise ConfigError(
                f"{where}: give params.max_minutes or params.max_distance_m, not both."
            )
        keys = set()
        for i, need in enumerate(needs, start=1):
            at = f"{where}: need #{i} ({need.get('key', 'no key') if isinstance(need, Mapping) else need})"
            if not isinstance(need, Mapping):
                raise ConfigError(f"{at}: expected a table with key, name_zh, categories.")
            unknown = sorted(set(need) - NEED_FIELDS)
            if unknown:
                raise ConfigError(
                    f"{at}: unknown field(s) {unknown}; allowed: {sorted(NEED_FIELDS)}."
                )
            for field in ("key", "name_zh", "categories"):
                if not need.get(field):
                    raise ConfigError(f"{at}: the field '{field}' is missing.")
            if need["key"] in keys:
                raise ConfigError(f"{at}: the key {need['key']!r} is used twice.")
            keys.add(need["key"])
            cats = need["categories"]
            if not isinstance(cats, list) or not all(isinstance(c, str) and c for c in cats):
                raise ConfigError(
                    f"{at}: categories must be a list of category keys, got {cats!r}."
                )
            if not rule_wide and not _one_threshold(need):
                raise ConfigError(
                    f"{at}: give exactly one of max_minutes (a walking time) or max_distance_m "
                    "(a walking distance), or one rule-wide in [rule.params]."
                )
        return
    if kind == "share_units_served" and entry["level"] == "village":
        return
    if "max_minutes" in KINDS[kind].defaults and not _one_threshold(params):
        raise ConfigError(
            f"{where}: give exactly one of params.max_minutes (a walking time) or "
            "params.max_distance_m (a walking distance)."
        )


def _readings(
    where: str, raw: Any, required: tuple[str, ...], defaults: Mapping[str, Any]
) -> tuple[Mapping[str, Any], ...]:
    """Validate ``[[rule.readings]]``: labels, and parameters the kind knows."""
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: readings must be a list of [[rule.readings]] tables.")
    known = set(required) | set(defaults)
    out = []
    for i, reading in enumerate(raw, start=1):
        at = f"{where}: reading #{i}"
        if not isinstance(reading, Mapping) or set(reading) - {"zh", "en", "set"}:
            raise ConfigError(f"{at}: expected a table with zh, en and set, got {reading!r}.")
        if not reading.get("zh") or not reading.get("en"):
            raise ConfigError(f"{at}: give both labels, zh and en.")
        changes = reading.get("set")
        if not isinstance(changes, Mapping) or not changes:
            raise ConfigError(f"{at}: 'set' must be a table of parameter = value.")
        for param in changes:
            head = str(param).split(".", 1)[0]
            if head not in known:
                raise ConfigError(
                    f"{at}: unknown parameter {param!r}; the kind takes {sorted(known)} "
                    "(needs.<key>.<field> for one need)."
                )
        out.append(dict(reading))
    return tuple(out)


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
                "threshold": describe_threshold(r),
                "enabled": r.enabled,
                "basis": r.basis,
                "note": r.note,
            }
            for r in rules
        ]
    )
