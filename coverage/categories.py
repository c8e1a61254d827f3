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
>>> classify_amap_match("修鞋配钥匙", None, None, table)
Classification(key='repair', by='keyword', on='修鞋', excluded=None)
"""

from __future__ import annotations

import dataclasses
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

_REQUIRED: Final = ("key", "name_zh", "name_en", "group", "priority")
_EXCLUDES: Final = ("exclude_keywords", "exclude_amap_typecodes", "exclude_osm")
_FIELDS: Final = frozenset(
    (*_REQUIRED, *_EXCLUDES, "osm", "amap_typecodes", "keywords", "match", "source")
)
_KEY_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPECODE_RE: Final = re.compile(r"^[0-9]{2,6}$")

#: OSM objects with these tags are never classified by a name keyword alone
#: (a road named 健身步道 is not a gym).
_NOT_A_FACILITY_TAGS: Final = (
    *("highway", "railway", "waterway", "boundary", "route"),
    *("natural", "landuse", "place", "public_transport"),
)

OsmCondition = tuple[str, str]
OsmRule = tuple[OsmCondition, ...]


ClassifiedBy = Literal["attribute", "amap_code", "osm_tag", "keyword"]


@dataclass(frozen=True)
class Classification:
    """How one facility was classified (the ``classified_by``/``classified_on`` columns).

    Attributes
    ----------
    key
        The category, or None when nothing matched.
    by
        ``"attribute"`` (the file's category column), ``"amap_code"``,
        ``"osm_tag"`` or ``"keyword"``; None when unclassified.
    on
        What matched: ``"071200"``, ``"shop=greengrocer"``, ``"生鲜"``, ``"类别=养老服务中心"``;
        for a ``match = "all"`` category keyword and code or tag (``"早餐 + 050301"``).
    excluded
        The first keyword match an exclusion ruled out (``"keyword 养老服务 of elderly_station ruled out by 公司"``).
    """

    key: str | None
    by: ClassifiedBy | None = None
    on: str | None = None
    excluded: str | None = None


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
    exclude_keywords, exclude_amap_typecodes, exclude_osm
        Veto the keyword route: a name (or type text) with one of these words,
        a type code with one of these prefixes, or tags matching one of these
        rules keep a keyword from classifying the record (tags and codes still do).
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
    exclude_keywords: tuple[str, ...] = ()
    exclude_amap_typecodes: tuple[str, ...] = ()
    exclude_osm: tuple[OsmRule, ...] = ()
    source: str = ""

    def matched_osm_rule(self, tags: Mapping[str, str]) -> str | None:
        """The first OSM rule of this category that holds for ``tags`` (``"shop=repair"``), else None."""
        return _first_rule(self.osm, tags)

    def matched_typecode(self, typecode: str | None) -> str | None:
        """The first code of ``typecode`` (possibly ``"a|b"``) with one of the prefixes, else None."""
        return _first_code(self.amap_typecodes, typecode)

    def matched_keyword(self, *texts: str | None) -> str | None:
        """The first keyword occurring in ``texts`` (case-insensitive), else None."""
        return _first_word(self.keywords, texts)

    def keyword_veto(
        self, texts: tuple[str | None, ...], typecode: str | None, tags: Mapping[str, str]
    ) -> str | None:
        """What rules out this category's keywords for a record (a word, code or tag), else None."""
        return (
            _first_word(self.exclude_keywords, texts)
            or _first_code(self.exclude_amap_typecodes, typecode)
            or _first_rule(self.exclude_osm, tags)
        )

    def matches_keyword(self, *texts: str | None) -> bool:
        """Whether any keyword occurs in any of ``texts`` (case-insensitive)."""
        return self.matched_keyword(*texts) is not None


def _first_rule(rules: tuple[OsmRule, ...], tags: Mapping[str, str]) -> str | None:
    for rule in rules:
        if all((k in tags) and (v == "*" or tags[k] == v) for k, v in rule):
            return " + ".join(f"{k}={tags[k]}" for k, _ in rule)
    return None


def _first_code(prefixes: tuple[str, ...], typecode: str | None) -> str | None:
    if not typecode or not prefixes:
        return None
    codes = [c.strip() for c in str(typecode).split("|")]
    return next((c for c in codes if c.startswith(prefixes)), None)


def _first_word(words: tuple[str, ...], texts: tuple[str | None, ...]) -> str | None:
    if not words:
        return None
    lowered = [t.lower() for t in texts if isinstance(t, str) and t]
    return next((w for w in words if any(w in t for t in lowered)), None)


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


def _is_rule(rule: Any) -> bool:
    pairs = isinstance(rule, list) and all(isinstance(c, list) and len(c) == 2 for c in rule)
    return pairs and len(rule) > 0 and all(isinstance(x, str) and x for c in rule for x in c)


def _osm_rules(path: str, where: str, value: Any, field: str = "osm") -> tuple[OsmRule, ...]:
    example = 'e.g. [[["shop", "convenience"]], [["amenity", "social_facility"], ["social_facility:for", "senior"]]]'
    if not isinstance(value, list):
        raise _fail(path, where, field, f"expected a list of rules, {example}; got {value!r}.")
    for i, rule in enumerate(value):
        if not _is_rule(rule):
            msg = f"rule #{i + 1} must be a non-empty list of [tag, value] pairs, {example}"
            raise _fail(path, where, field, f"{msg}; got {rule!r}.")
    return tuple(tuple((str(c[0]), str(c[1])) for c in rule) for rule in value)


def _typecodes(path: str, where: str, field: str, value: Any) -> tuple[str, ...]:
    codes = _str_list(path, where, field, value)
    for code in codes:
        if not _TYPECODE_RE.match(code):
            msg = "is not a type-code prefix (2-6 digits, as text with its leading zeros"
            raise _fail(path, where, field, f'{code!r} {msg}, e.g. "060200" or "0500").')
    return codes


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

    def words(field: str) -> tuple[str, ...]:
        return tuple(k.lower() for k in _str_list(path, where, field, raw.get(field, [])))

    def codes(field: str) -> tuple[str, ...]:
        return _typecodes(path, where, field, raw.get(field, []))

    typecodes = codes("amap_typecodes")

    keywords = words("keywords")
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
        exclude_keywords=words("exclude_keywords"),
        exclude_amap_typecodes=codes("exclude_amap_typecodes"),
        exclude_osm=_osm_rules(path, where, raw.get("exclude_osm", []), "exclude_osm"),
        source=str(raw.get("source", "")),
    )


def default_categories_path() -> Path:
    """The categories file shipped with the package."""
    return Path(str(resources.files(__package__ or "facility_coverage") / "categories.toml"))


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
    p = default_categories_path() if path is None else Path(path)
    where = "categories.toml (shipped)" if path is None else str(p)
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
        entry = f"[[category]] #{i + 1} ({c.key!r})"
        if c.key in seen_keys:
            raise _fail(where, entry, "key", f"duplicate of entry #{seen_keys[c.key] + 1}.")
        seen_keys[c.key] = i
        if c.priority in seen_prio:
            used = f"{c.priority} is already used by {seen_prio[c.priority]!r}"
            raise _fail(where, entry, "priority", f"{used}; priorities must be unique.")
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


def _decision(
    c: Category, hit: str | None, word: str | None, by: ClassifiedBy
) -> tuple[ClassifiedBy, str] | None:
    """How ``c`` takes a record with tag/code ``hit`` and keyword ``word``, or None."""
    if c.match == "all":
        return ("keyword", f"{word} + {hit}") if hit and word else None
    if hit:
        return by, hit
    return ("keyword", word) if word else None


def _amap_step(
    c: Category, code: str | None, texts: tuple[str | None, ...]
) -> tuple[tuple[ClassifiedBy, str] | None, str | None]:
    """(decision of ``c`` for one Amap record, the veto of its keyword if any)."""
    word = c.matched_keyword(*texts)
    veto = c.keyword_veto(texts, code, {}) if word else None
    excluded = f"keyword {word} of {c.key} ruled out by {veto}" if veto else None
    return _decision(c, c.matched_typecode(code), None if veto else word, "amap_code"), excluded


def classify_amap_match(
    name: str | None,
    typecode: str | None,
    type_text: str | None,
    table: CategoryTable,
) -> Classification:
    """How one Amap (or planner's list) record is classified.

    Parameters
    ----------
    name
        The facility name (名称).
    typecode
        Amap type code(s) (类型编码); numbers that lost their leading zero are padded back.
    type_text
        Amap type text (类型, e.g. "生活服务;家政服务;家政服务"), searched like the name.
    table
        The taxonomy.

    Returns
    -------
    Classification
        The matching category with the smallest priority, and what matched: the
        type code (``amap_code``) before a keyword when both hold.
    """
    code = normalise_typecode(typecode)
    texts = (_clean_text(name), _clean_text(type_text))
    excluded = None
    for c in table:
        decided, veto = _amap_step(c, code, texts)
        excluded = excluded or veto
        if decided:
            return Classification(c.key, decided[0], decided[1], excluded)
    return Classification(None, excluded=excluded)


def classify_amap(
    name: str | None, typecode: str | None, type_text: str | None, table: CategoryTable
) -> str | None:
    """Category key of one Amap record, or None (``classify_amap_match(...).key``)."""
    return classify_amap_match(name, typecode, type_text, table).key


def _contains(values: pd.Series, words: tuple[str, ...], *, codes: bool = False) -> np.ndarray:
    if not words:
        return np.zeros(len(values), dtype=bool)
    alternatives = "|".join(re.escape(w) for w in words)
    pattern = f"(?:^|\\|)(?:{alternatives})" if codes else alternatives
    return values.str.contains(pattern, regex=True).to_numpy(dtype=bool)


def classify_amap_matches(
    df: pd.DataFrame,
    table: CategoryTable,
    *,
    name: str = "name",
    typecode: str = "typecode",
    type_text: str = "type",
) -> pd.DataFrame:
    """Classify every row of a table, with how each was classified.

    Absent columns count as blank. Returns a DataFrame aligned to ``df`` with
    ``category``, ``classified_by``, ``classified_on`` and ``excluded`` (the
    fields of ``Classification``), row for row what ``classify_amap_match`` says.
    """
    n = len(df)
    blank = pd.Series([""] * n, index=df.index, dtype=object)
    names, types = (
        df[col].map(_clean_text).fillna("").astype(str).str.lower() if col in df.columns else blank
        for col in (name, type_text)
    )
    codes = df[typecode].map(normalise_typecode).fillna("").astype(str) if typecode in df else blank
    name_a, type_a, code_a = (v.to_numpy(dtype=object) for v in (names, types, codes))
    result = [Classification(None)] * n
    unset = np.ones(n, dtype=bool)
    for c in table:
        if not unset.any():
            break
        by_code = _contains(codes, c.amap_typecodes, codes=True)
        maybe = by_code | _contains(names, c.keywords) | _contains(types, c.keywords)
        for i in np.flatnonzero(maybe & unset):
            decided, veto = _amap_step(c, code_a[i] or None, (name_a[i], type_a[i]))
            excluded = result[i].excluded or veto
            if decided:
                result[i] = Classification(c.key, decided[0], decided[1], excluded)
                unset[i] = False
            elif veto:
                result[i] = Classification(None, excluded=excluded)
    return pd.DataFrame(
        [dataclasses.astuple(r) for r in result],
        index=df.index,
        columns=["category", "classified_by", "classified_on", "excluded"],
        dtype=object,
    )


def classify_amap_frame(df: pd.DataFrame, table: CategoryTable, **columns: str) -> pd.Series:
    """Category keys of every row (None where nothing matched); ``classify_amap_matches``' first column."""
    return classify_amap_matches(df, table, **columns)["category"]


def classify_osm_match(tags: Mapping[str, str], table: CategoryTable) -> Classification:
    """How an OSM object is classified from its tags.

    Keywords are searched in every ``name*`` tag (``name``, ``name:zh``...). An
    object with a road, railway, land-use or similar tag is never classified by
    its name alone. A tag rule wins over a keyword of the same category.

    Parameters
    ----------
    tags
        The object's tags.
    table
        The taxonomy.

    Returns
    -------
    Classification
        The matching category with the smallest priority and what matched
        (``osm_tag`` such as ``"shop=greengrocer"``, or ``keyword``).
    """
    names = tuple(v for k, v in tags.items() if k == "name" or k.startswith("name:"))
    name_only_ok = not any(t in tags for t in _NOT_A_FACILITY_TAGS)
    excluded = None
    for c in table:
        rule = c.matched_osm_rule(tags)
        usable = rule is not None if c.match == "all" else name_only_ok
        word = c.matched_keyword(*names) if usable else None
        veto = c.keyword_veto(names, None, tags) if word else None
        if veto:
            excluded = excluded or f"keyword {word} of {c.key} ruled out by {veto}"
            word = None
        decided = _decision(c, rule, word, "osm_tag")
        if decided:
            return Classification(c.key, decided[0], decided[1], excluded)
    return Classification(None, excluded=excluded)


def classify_osm_tags(tags: Mapping[str, str], table: CategoryTable) -> str | None:
    """Category key of an OSM object from its tags, or None (``classify_osm_match(...).key``)."""
    return classify_osm_match(tags, table).key


def osm_tag_keys(table: CategoryTable) -> frozenset[str]:
    """Every OSM tag key that some category rule looks at (for pre-filtering a file)."""
    return frozenset(k for c in table for rule in c.osm for k, _ in rule)
