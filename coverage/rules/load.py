"""Reading and validating a rule file (``rules.toml`` shipped with the package)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..names import LEVELS
from .kinds import KINDS, describe_threshold
from .model import Rule

_RULE_KEYS = {"id", "name_zh", "name_en", "source", "kind", "level", "params", "enabled", "note"}


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
                "note": r.note,
            }
            for r in rules
        ]
    )
