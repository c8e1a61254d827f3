"""What kind of township-level unit a 街道 row is: 街道, 镇, 乡, 园区 or 其他.

The plan's targets name 街道 (e.g. 任务3: 每个街道至少建成1所...养老服务中心), so
a 镇 must not be judged against them. The type comes, in this order, from a
column of the boundary file (街道类型, 乡镇类型, 类型), from a 统计用区划代码 in
``street_id`` (digits 7–9: 001–099 街道, 100–199 镇, 200–399 乡, 400–599 other
units such as 农场 or 开发区), from the name (…街道 / …镇 / …乡 / …园区), and
else a default (街道 for the streets layer, with a reported warning; 镇 for the
``[inputs.townships]`` layer, whose rows the planner declared 乡镇).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path
from typing import Final, Literal

import pandas as pd

from .issues import Issue, value_cleared

logger = logging.getLogger(__name__)

StreetType = Literal["街道", "镇", "乡", "园区", "其他"]

#: The township-level unit types, as ``street_type`` holds them.
STREET_TYPES: Final = ("街道", "镇", "乡", "园区", "其他")

#: Values a type column may hold, lower case, and the type they mean.
_TYPE_WORDS: Final[dict[str, StreetType]] = {
    "街道": "街道",
    "街道办事处": "街道",
    "街": "街道",
    "subdistrict": "街道",
    "street": "街道",
    "镇": "镇",
    "town": "镇",
    "乡": "乡",
    "township": "乡",
    "园区": "园区",
    "开发区": "园区",
    "park": "园区",
    "其他": "其他",
    "其它": "其他",
    "other": "其他",
}

_NAME_SUFFIXES: Final[tuple[tuple[str, StreetType], ...]] = (
    ("街道办事处", "街道"),
    ("街道", "街道"),
    ("园区", "园区"),
    ("开发区", "园区"),
    ("镇", "镇"),
    ("乡", "乡"),
)

_CODE: Final = re.compile(r"[1-9]\d{5}(\d{3})(?:\d{3})?")


def street_type_from_name(name: str | None) -> StreetType | None:
    """The type a unit's name states by its ending (…街道, …镇, …乡, …园区/开发区), else None.

    Examples
    --------
    >>> street_type_from_name("澜南镇"), street_type_from_name("和平桥街道")
    ('镇', '街道')
    >>> street_type_from_name("城东片区") is None
    True
    """
    if not name:
        return None
    text = name.strip()
    for suffix, kind in _NAME_SUFFIXES:
        if text.endswith(suffix):
            return kind
    return None


def street_type_from_code(code: str | None, name: str | None = None) -> StreetType | None:
    """The type a 统计用区划代码 encodes in digits 7–9, else None.

    Twelve-digit codes (``320612100000``) and the nine-digit 乡级 codes they
    start with (``320612100``) are read; digits 7–9 are 001–099 for a 街道,
    100–199 for a 镇, 200–399 for a 乡 and 400–599 for other units (园区 when
    the name ends in 园区 or 开发区, else 其他). Anything else (000: the county
    itself; a planner's own numbering) gives None.

    Examples
    --------
    >>> street_type_from_code("320602001000"), street_type_from_code("320612100000")
    ('街道', '镇')
    >>> street_type_from_code("320612400000", "苏通科技产业园区")
    '园区'
    >>> street_type_from_code("S1") is None
    True
    """
    if not code:
        return None
    match = _CODE.fullmatch(code.strip())
    if match is None:
        return None
    number = int(match.group(1))
    if 1 <= number <= 99:
        return "街道"
    if 100 <= number <= 199:
        return "镇"
    if 200 <= number <= 399:
        return "乡"
    if 400 <= number <= 599:
        return "园区" if street_type_from_name(name) == "园区" else "其他"
    return None


def parse_street_type(value: str) -> StreetType | None:
    """A type column's value as a type (街道, 镇, 乡, 园区, 其他; also English, 建制镇, 民族乡...)."""
    low = value.strip().lower()
    if low in _TYPE_WORDS:
        return _TYPE_WORDS[low]
    return street_type_from_name(low)


def street_types(
    ids: pd.Series,
    names: pd.Series,
    declared: pd.Series | None,
    *,
    column: str | None,
    path: Path,
    default: StreetType,
    warn_default: bool,
) -> tuple[pd.Series, list[Issue], list[str]]:
    """The ``street_type`` of each row, with what was assumed or cleared.

    Parameters
    ----------
    ids, names
        ``street_id`` and ``street_name`` of the rows (text or None).
    declared
        The type column's values (text or None), or None when the file has none.
    column
        The type column's header, for the report.
    path
        The file, for the report and the log.
    default
        The type of a row nothing else decides.
    warn_default
        Report each defaulted row as a warning (the streets layer) rather than
        as a note (the townships layer, declared 乡镇).

    Returns
    -------
    tuple
        The types (aligned to ``ids``), the ``Issue`` rows (bad type values
        cleared, a code that contradicts the name, defaults taken) and a line
        for the run log.
    """
    issues: list[Issue] = []
    types: list[StreetType] = []
    origin: Counter[str] = Counter()
    assumed: list[str] = []
    for k, (uid, name) in enumerate(zip(ids, names, strict=True)):
        row = k + 1
        raw = None if declared is None else declared.iloc[k]
        if raw is not None:
            kind = parse_street_type(str(raw))
            if kind is not None:
                types.append(kind)
                origin["类型列 column"] += 1
                continue
            issues.append(
                value_cleared(
                    row,
                    uid,
                    name,
                    column=str(column),
                    value=raw,
                    expected="one of 街道, 镇, 乡, 园区, 其他",
                    outcome="the type is taken from the code or the name instead",
                )
            )
        from_code = street_type_from_code(uid, name)
        from_name = street_type_from_name(name)
        if from_code is not None:
            if from_name is not None and from_name != from_code:
                issues.append(
                    Issue(
                        row,
                        uid,
                        name,
                        "street_type_conflict",
                        "kept_code",
                        f"the 区划代码 {uid} says {from_code} (digits 7-9) but the name ends in "
                        f"{from_name}; {from_code} kept. Add a 街道类型 column to decide.",
                    )
                )
            types.append(from_code)
            origin["代码 code"] += 1
            continue
        if from_name is not None:
            types.append(from_name)
            origin["名称 name"] += 1
            continue
        types.append(default)
        origin[f"默认 default ({default})"] += 1
        assumed.append(str(uid))
        issues.append(
            Issue(
                row,
                uid,
                name,
                "street_type_assumed",
                "assumed",
                f"no 街道类型 value, no 12-digit 区划代码 and the name does not end in "
                f"街道/镇/乡: taken as {default}. If wrong, add a 街道类型 column "
                "(街道/镇/乡/园区/其他).",
            )
        )
    if assumed:
        shown = ", ".join(assumed[:10]) + (", ..." if len(assumed) > 10 else "")
        log = logger.warning if warn_default else logger.info
        log(
            "%s: %d unit(s) taken as %s (no type column, 区划代码 or name ending): %s",
            path,
            len(assumed),
            default,
            shown,
        )
    counts = ", ".join(f"{k} {v}" for k, v in origin.items())
    note = f"{path.name}: street_type from {counts}"
    return pd.Series(types, index=ids.index, dtype=object), issues, [note]
