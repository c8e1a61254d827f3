"""Facility taxonomy: category keys, names, and how OSM tags and Amap records map to them.

The taxonomy is data (``categories.toml`` shipped with the package); a study
may pass an edited copy. Each category has an explicit ``priority``: a
facility that matches several categories gets the one with the smallest
priority, so specific names win over generic ones (养老服务中心 is an
``elderly_centre`` before 养老服务 makes it an ``elderly_station``).

Examples
--------
>>> table = load_categories()
>>> classify_amap("南通便利蜂", "060200", None, table)
'convenience_store'
>>> classify_amap("永和豆浆早餐", "050301", "餐饮服务;快餐厅", table)
'breakfast'
>>> classify_osm_tags({"shop": "convenience", "name": "全家"}, table)
'convenience_store'
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from .errors import ConfigError

logger = logging.getLogger(__name__)

#: Allowed values of a category's ``group``.
GROUPS: Final = ("basic", "quality", "elderly", "child", "health", "rural")

_FIELDS: Final = {
    "key",
    "name_zh",
    "name_en",
    "group",
    "priority",
    "osm",
    "amap_typecodes",
    "keywords",
    "match",
    "source",
}
_REQUIRED: Final = ("key", "name_zh", "name_en", "group", "priority")
_KEY_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPECODE_RE: Final = re.compile(r"^[0-9]{2,6}$")

#: OSM objects with these tags are never classified by a name keyword alone
#: (a road named 健身步道 is not a gym).
_NOT_A_FACILITY_TAGS: Final = (
    "highway",
    "railway",
    "waterway",
    "boundary",
    "route",
    "natural",
    "landuse",
    "place",
    "public_transport",
)

OsmCondition = tuple[str, str]
OsmRule = tuple[OsmCondition, ...]


@dataclass(frozen=True)
class Category:
    """One facility category.

    Attributes
    ----------
    key
        Identifier used by rules and outputs.
    name_zh, name_en
        Display names.
    group
        One of ``GROUPS``.
    priority
        Smaller wins when a facility matches several categories.
    osm
        OSM rules: each a tuple of (tag, value) conditions that must all hold;
        value ``"*"`` means any value.
    amap_typecodes
        Amap type-code prefixes.
    keywords
        Name substrings (lower-cased for matching).
    match
        ``"any"``: tag/typecode or keyword; ``"all"``: tag/typecode and keyword.
    source
        Where the definition comes from.
    """

    key: str
    name_zh: str
    name_en: str
    group: str
    priority: int
    osm: tuple[OsmRule, ...] = ()
    amap_typecodes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    match: Literal["any", "all"] = "any"
    source: str = ""

    def matches_osm_tags(self, tags: Mapping[str, str]) -> bool:
        """Whether any OSM rule of this category holds for ``tags``."""
        for rule in self.osm:
            if all((k in tags) and (v == "*" or tags[k] == v) for k, v in rule):
                return True
        return False

    def matches_typecode(self, typecode: str | None) -> bool:
        """Whether an Amap type code (possibly ``"a|b"``) starts with one of the prefixes."""
        if not typecode or not self.amap_typecodes:
            return False
        codes = [c.strip() for c in str(typecode).split("|")]
        return any(c.startswith(p) for c in codes for p in self.amap_typecodes)

    def matches_keyword(self, *texts: str | None) -> bool:
        """Whether any keyword occurs in any of ``texts`` (case-insensitive)."""
        if not self.keywords:
            return False
        lowered = [t.lower() for t in texts if isinstance(t, str) and t]
        return any(kw in t for kw in self.keywords for t in lowered)


@dataclass(frozen=True)
class CategoryTable:
    """All categories, sorted by priority (frozen).

    Attributes
    ----------
    categories
        The categories, smallest priority first.
    source
        The file they were read from.
    """

    categories: tuple[Category, ...]
    source: str

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories)

    def __len__(self) -> int:
        return len(self.categories)

    def __contains__(self, key: object) -> bool:
        return any(c.key == key for c in self.categories)

    def __getitem__(self, key: str) -> Category:
        for c in self.categories:
            if c.key == key:
                return c
        raise KeyError(f"Unknown facility category {key!r}; known: {', '.join(self.keys)}.")

    @property
    def keys(self) -> tuple[str, ...]:
        """Category keys in priority order."""
        return tuple(c.key for c in self.categories)

    def in_group(self, group: str) -> tuple[str, ...]:
        """Keys of the categories in ``group`` (e.g. ``"basic"``), in priority order."""
        if group not in GROUPS:
            raise ValueError(f"Unknown group {group!r}; groups are {', '.join(GROUPS)}.")
        return tuple(c.key for c in self.categories if c.group == group)

    def reason_names(self) -> dict[str, tuple[str, str]]:
        """Category key -> (Chinese, English) names as the rule reasons use them.

        English names sit mid-sentence ("no vegetable market within ..."), so they
        start in lower case.
        """
        return {c.key: (c.name_zh, c.name_en[:1].lower() + c.name_en[1:]) for c in self.categories}

    def resolve(self, value: str) -> str | None:
        """Map a key, a Chinese or an English name (as planners type it) to a key, else None."""
        text = value.strip()
        if not text:
            return None
        low = text.lower()
        for c in self.categories:
            if low in (c.key, c.name_en.lower()) or text == c.name_zh:
                return c.key
        return None


def _fail(path: str, where: str, field: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {where}, field '{field}': {message}")


def _str_list(path: str, where: str, field: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, where, field, f"expected a list of non-empty strings, got {value!r}.")
    return tuple(v.strip() for v in value)


def _osm_rules(path: str, where: str, value: Any) -> tuple[OsmRule, ...]:
    example = 'e.g. [[["shop", "convenience"]], [["amenity", "social_facility"], ["social_facility:for", "senior"]]]'
    if not isinstance(value, list):
        raise _fail(path, where, "osm", f"expected a list of rules, {example}; got {value!r}.")
    rules: list[OsmRule] = []
    for i, rule in enumerate(value):
        ok = (
            isinstance(rule, list)
            and len(rule) > 0
            and all(
                isinstance(cond, list)
                and len(cond) == 2
                and all(isinstance(x, str) and x for x in cond)
                for cond in rule
            )
        )
        if not ok:
            raise _fail(
                path,
                where,
                "osm",
                f"rule #{i + 1} must be a non-empty list of [tag, value] pairs, {example}; "
                f"got {rule!r}.",
            )
        rules.append(tuple((str(c[0]), str(c[1])) for c in rule))
    return tuple(rules)


def _category(path: str, index: int, raw: Any) -> Category:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: [[category]] #{index + 1} is not a table.")
    where = f"[[category]] #{index + 1}" + (f" ({raw['key']!r})" if "key" in raw else "")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise _fail(
            path, where, unknown[0], f"unknown field(s) {unknown}; allowed: {sorted(_FIELDS)}."
        )
    for name in _REQUIRED:
        if name not in raw:
            raise _fail(path, where, name, "missing (required).")
    key = raw["key"]
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise _fail(
            path, where, "key", f"expected a lower-case identifier (a-z, 0-9, _), got {key!r}."
        )
    for name in ("name_zh", "name_en", "source"):
        if name in raw and not isinstance(raw[name], str):
            raise _fail(path, where, name, f"expected a string, got {raw[name]!r}.")
    group = raw["group"]
    if group not in GROUPS:
        raise _fail(path, where, "group", f"expected one of {list(GROUPS)}, got {group!r}.")
    priority = raw["priority"]
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise _fail(path, where, "priority", f"expected an integer, got {priority!r}.")
    match = raw.get("match", "any")
    if match not in ("any", "all"):
        raise _fail(path, where, "match", f"expected 'any' or 'all', got {match!r}.")
    typecodes = _str_list(path, where, "amap_typecodes", raw.get("amap_typecodes", []))
    for code in typecodes:
        if not _TYPECODE_RE.match(code):
            raise _fail(
                path,
                where,
                "amap_typecodes",
                f"{code!r} is not a type-code prefix (2-6 digits, as text with its leading "
                'zeros, e.g. "060200" or "0500").',
            )
    keywords = tuple(k.lower() for k in _str_list(path, where, "keywords", raw.get("keywords", [])))
    osm = _osm_rules(path, where, raw.get("osm", []))
    if match == "all" and not keywords:
        raise _fail(path, where, "match", "'all' needs at least one keyword.")
    if not (osm or typecodes or keywords):
        raise _fail(
            path, where, "osm", "the category has no osm rule, no amap_typecodes and no keywords."
        )
    return Category(
        key=key,
        name_zh=raw["name_zh"],
        name_en=raw["name_en"],
        group=group,
        priority=priority,
        osm=osm,
        amap_typecodes=typecodes,
        keywords=keywords,
        match=match,
        source=str(raw.get("source", "")),
    )


def load_categories(path: str | Path | None = None) -> CategoryTable:
    """Read the facility taxonomy.

    Parameters
    ----------
    path
        A categories TOML file; ``None`` reads the one shipped with the package.

    Returns
    -------
    CategoryTable
        Frozen, sorted by priority.

    Raises
    ------
    ConfigError
        When the file is missing or not TOML, or an entry has an unknown or
        malformed field, a duplicate key or a duplicate priority; the message
        names the file, the entry and the field.
    """
    if path is None:
        ref = resources.files(__package__ or "facility_coverage").joinpath("categories.toml")
        text = ref.read_text(encoding="utf-8")
        where = "categories.toml (shipped)"
    else:
        p = Path(path)
        where = str(p)
        if not p.is_file():
            raise ConfigError(f"Categories file {p} does not exist.")
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{p} is not UTF-8 text; save it as UTF-8.") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}") from exc
    extra = sorted(set(raw) - {"category"})
    if extra:
        raise ConfigError(
            f"{where}: unknown top-level key(s) {extra}; the file holds [[category]] tables only."
        )
    entries = raw.get("category")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: no [[category]] tables found.")
    cats = [_category(where, i, e) for i, e in enumerate(entries)]
    seen_keys: dict[str, int] = {}
    seen_prio: dict[int, str] = {}
    for i, c in enumerate(cats):
        if c.key in seen_keys:
            raise _fail(
                where,
                f"[[category]] #{i + 1} ({c.key!r})",
                "key",
                f"duplicate of entry #{seen_keys[c.key] + 1}.",
            )
        seen_keys[c.key] = i
        if c.priority in seen_prio:
            raise _fail(
                where,
                f"[[category]] #{i + 1} ({c.key!r})",
                "priority",
                f"{c.priority} is already used by {seen_prio[c.priority]!r}; priorities must be unique.",
            )
        seen_prio[c.priority] = c.key
    cats.sort(key=lambda c: c.priority)
    logger.debug("Read %d facility categories from %s", len(cats), where)
    return CategoryTable(categories=tuple(cats), source=where)


def _clean_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def normalise_typecode(value: object) -> str | None:
    """Amap type code(s) as text with leading zeros (``60200`` -> ``"060200"``).

    Spreadsheets turn ``060200`` into the number ``60200`` (or ``60200.0``);
    each ``|``-separated code is zero-padded back to 6 digits. Returns None
    for blanks.
    """
    text = _clean_text(value)
    if text is None:
        return None
    codes = []
    for part in text.split("|"):
        code = part.strip()
        if re.fullmatch(r"\d+\.0+", code):
            code = code.split(".", 1)[0]
        if code.isdigit() and len(code) < 6:
            code = code.zfill(6)
        if code:
            codes.append(code)
    return "|".join(codes) or None


def classify_amap(
    name: str | None,
    typecode: str | None,
    type_text: str | None,
    table: CategoryTable,
) -> str | None:
    """Category key of one Amap (or planner's list) record, or None.

    Parameters
    ----------
    name
        The facility name (名称).
    typecode
        Amap type code(s) (类型编码), text; numbers lose their leading zero and
        are padded back.
    type_text
        Amap type text (类型, e.g. "生活服务;家政服务;家政服务"); searched for
        keywords like the name.
    table
        The taxonomy.

    Returns
    -------
    str | None
        The matching category with the smallest priority, or None.
    """
    code = normalise_typecode(typecode)
    name_s = _clean_text(name)
    type_s = _clean_text(type_text)
    for c in table:
        by_code = c.matches_typecode(code)
        by_word = c.matches_keyword(name_s, type_s)
        if (c.match == "all" and by_code and by_word) or (
            c.match == "any" and (by_code or by_word)
        ):
            return c.key
    return None


def classify_amap_frame(
    df: pd.DataFrame,
    table: CategoryTable,
    *,
    name: str = "name",
    typecode: str = "typecode",
    type_text: str = "type",
) -> pd.Series:
    """Classify every row of a table (vectorised over categories).

    Columns that are absent count as blank. Returns a Series of category keys
    (None where nothing matched) aligned to ``df``.
    """
    n = len(df)

    def column(col: str) -> pd.Series:
        if col in df.columns:
            return df[col].map(_clean_text).fillna("").astype(str).str.lower()
        return pd.Series([""] * n, index=df.index, dtype=object)

    names = column(name)
    types = column(type_text)
    codes = (
        df[typecode].map(normalise_typecode).fillna("").astype(str)
        if typecode in df.columns
        else pd.Series([""] * n, index=df.index, dtype=object)
    )
    result = pd.Series([None] * n, index=df.index, dtype=object)
    unset = np.ones(n, dtype=bool)
    for c in table:
        if not unset.any():
            break
        by_code = np.zeros(n, dtype=bool)
        if c.amap_typecodes:
            pattern = "(?:^|\\|)(?:" + "|".join(re.escape(p) for p in c.amap_typecodes) + ")"
            by_code = codes.str.contains(pattern, regex=True).to_numpy(dtype=bool)
        by_word = np.zeros(n, dtype=bool)
        if c.keywords:
            pattern = "|".join(re.escape(k) for k in c.keywords)
            by_word = (
                names.str.contains(pattern, regex=True) | types.str.contains(pattern, regex=True)
            ).to_numpy(dtype=bool)
        hit = (by_code & by_word) if c.match == "all" else (by_code | by_word)
        hit &= unset
        result[hit] = c.key
        unset &= ~hit
    return result


def classify_osm_tags(tags: Mapping[str, str], table: CategoryTable) -> str | None:
    """Category key of an OSM object from its tags, or None.

    Keywords are searched in every ``name*`` tag (``name``, ``name:zh``,
    ``name:en``...). An object with a road, railway, land-use or similar tag is
    never classified by its name alone.

    Parameters
    ----------
    tags
        The object's tags.
    table
        The taxonomy.

    Returns
    -------
    str | None
        The matching category with the smallest priority, or None.
    """
    names = [v for k, v in tags.items() if k == "name" or k.startswith("name:")]
    name_only_ok = not any(t in tags for t in _NOT_A_FACILITY_TAGS)
    for c in table:
        by_tag = c.matches_osm_tags(tags)
        by_word = bool(names) and c.matches_keyword(*names)
        if c.match == "all":
            if by_tag and by_word:
                return c.key
        elif by_tag or (by_word and name_only_ok):
            return c.key
    return None


def osm_tag_keys(table: CategoryTable) -> frozenset[str]:
    """Every OSM tag key that some category rule looks at (for pre-filtering a file)."""
    return frozenset(k for c in table for rule in c.osm for k, _ in rule)
