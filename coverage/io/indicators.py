"""The indicator table: the plan's non-spatial targets, with the actual values a planner fills in.

Some targets of the plan are not about places (任务6: 16 local standards;
任务7: ≥ 10 家政服务龙头企业; 任务8: training counts). The planner fills in
their actual values in a CSV/XLSX table (a template ships as
``rules/indicators_template.csv``) so the ledger lists every target in one
place. ``read_indicators`` reads it; a bad number or comparison is an error
naming the row, since a misread target would be silently wrong.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from ..errors import InputError
from .column_aliases import INDICATOR_ALIASES
from .issues import Issue, attach_report
from .layers import clean_str, existing_file, read_table, sheet_hint, spreadsheet_rows
from .validate import check_ids, ids_to_str, map_columns, parse_number, require_fields

logger = logging.getLogger(__name__)

#: Columns of the indicators frame, in order.
INDICATOR_COLUMNS: Final = (
    "indicator_id",
    "name_zh",
    "target",
    "actual",
    "comparison",
    "unit",
    "source",
    "responsible",
    "note",
)

#: The comparisons an indicator may use, and the words accepted for each.
COMPARISONS: Final[dict[str, tuple[str, ...]]] = {
    ">=": (">=", "≥", "=>", "不低于", "不少于", "至少", "以上", "达到"),
    ">": (">", "超过", "大于", "高于", "多于"),
    "<=": ("<=", "≤", "=<", "不超过", "不高于", "不多于", "至多", "以下"),
    "<": ("<", "低于", "少于", "小于"),
    "=": ("=", "==", "等于"),
}
_COMPARISON_OF: Final = {word: op for op, words in COMPARISONS.items() for word in words}
_TOTAL_ROW: Final = re.compile(r"^\s*(合计|总计|小计|total)\s*$", re.IGNORECASE)


def parse_comparison(value: str | None) -> str | None:
    """``">="``, ``">"``, ``"<="``, ``"<"`` or ``"="`` from a cell (≥, 不低于, 超过...); blank gives ``">="``.

    Examples
    --------
    >>> parse_comparison("≥"), parse_comparison("超过"), parse_comparison(None)
    ('>=', '>', '>=')
    >>> parse_comparison("about") is None
    True
    """
    if value is None:
        return ">="
    text = unicodedata.normalize("NFKC", value).replace(" ", "")
    return _COMPARISON_OF.get(text) if text else ">="


def parse_indicator_number(value: object) -> tuple[float | None, bool]:
    """A target or actual value, and whether it was written as a percentage.

    ``"1,200"``, ``"75%"`` (75, True) and ``"3万"`` (30000) are read; a blank
    gives None.

    Raises
    ------
    ValueError
        When the cell holds something else.

    Examples
    --------
    >>> parse_indicator_number("3万"), parse_indicator_number("75%")
    ((30000.0, False), (75.0, True))
    """
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        percent = text.endswith("%")
        text = text.removesuffix("%").strip()
        scale = 1.0
        if text.endswith("万"):
            text, scale = text[:-1].strip(), 10_000.0
        number = parse_number(text)
        if number is None and (percent or scale != 1.0):
            raise ValueError(value)
        return (None if number is None else number * scale), percent
    return parse_number(value), False


def read_indicators(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read the indicator table of non-spatial targets (CSV or XLSX).

    Parameters
    ----------
    path
        The table (start from ``rules/indicators_template.csv``).
    columns
        ``{field: header}`` for headers the defaults do not recognise.
        Defaults: 编号, 指标, 目标值, 实际值, 比较, 单位, 来源, 责任单位, 备注.
    encoding
        A CSV's encoding; by default detected (UTF-8 or GBK).
    sheet
        The Excel sheet (name or 0-based number).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``indicator_id`` (str), with the columns
        ``indicator_id, name_zh, target, actual`` (float; ``actual`` NaN when
        not filled in yet), ``comparison`` (``>=``, ``>``, ``<=``, ``<``,
        ``=``; blank means ``>=``), ``unit, source, responsible, note`` (text
        or None; ``unit`` is ``%`` when a value was written as ``75%`` and
        the unit left blank). Skipped total rows are in ``attrs["read_report"]``.

    Raises
    ------
    InputError
        Missing or empty file; no column for the id, the name or the target;
        missing or duplicate ids; a row without a target; a target or actual
        value that is not a number; a comparison that is none of the
        accepted ones (each message names the row and the fix).
    """
    what = "indicator table"
    p = existing_file(path, what)
    df, notes = read_table(p, what=what, encoding=encoding, sheet=sheet)
    found = list(df.columns)
    mapping = map_columns(found, INDICATOR_ALIASES, columns, path=p, what=what)
    try:
        required = ["indicator_id", "name_zh", "target"]
        require_fields(mapping, required, INDICATOR_ALIASES, found, path=p, what=what)
    except InputError as exc:
        raise InputError(f"{exc}{sheet_hint(p, sheet)}") from None
    rows = spreadsheet_rows(df)
    ids = ids_to_str(df[mapping["indicator_id"]])
    texts = df.astype(str)
    named_total = ids.map(lambda v: v is not None and bool(_TOTAL_ROW.match(v))).to_numpy(bool)
    total = named_total | (
        ids.isna().to_numpy()
        & texts.apply(lambda r: r.str.match(_TOTAL_ROW).any(), axis=1).to_numpy(dtype=bool)
    )
    issues = [
        Issue(
            int(rows[k]), None, None, "total_row", "dropped", "a 合计/total row, not an indicator"
        )
        for k in np.flatnonzero(total)
    ]
    df, ids, rows = df[~total], ids[~total], rows[~total]
    check_ids(ids, path=p, column=mapping["indicator_id"], what="indicators", first_row=2)

    def text(field: str) -> list[str | None]:
        if field not in mapping:
            return [None] * len(df)
        return list(clean_str(df[mapping[field]]))

    names = text("name_zh")
    units = text("unit")
    values: dict[str, list[float | None]] = {"target": [], "actual": []}
    for field in ("target", "actual"):
        cells = list(df[mapping[field]]) if field in mapping else [None] * len(df)
        for k, cell in enumerate(cells):
            try:
                number, percent = parse_indicator_number(cell)
            except ValueError:
                raise InputError(
                    f"{p}: row {int(rows[k])} ({ids.iloc[k]} {names[k] or ''}): column "
                    f"{mapping[field]!r} holds {cell!r}, which is not a number. Write the number "
                    "alone (e.g. 16, 4.5, 75%, 3万) and the unit in the 单位 column."
                ) from None
            if number is None and field == "target":
                raise InputError(
                    f"{p}: row {int(rows[k])} ({ids.iloc[k]} {names[k] or ''}) has no target "
                    f"value in column {mapping[field]!r}. Fill in the plan's target, or delete the "
                    "row."
                )
            if percent and units[k] is None:
                units[k] = "%"
            values[field].append(number)
    comparisons: list[str] = []
    for k, cell in enumerate(text("comparison")):
        op = parse_comparison(cell)
        if op is None:
            accepted = "; ".join(f"{o}: {' '.join(w)}" for o, w in COMPARISONS.items())
            raise InputError(
                f"{p}: row {int(rows[k])} ({ids.iloc[k]} {names[k] or ''}): column "
                f"{mapping['comparison']!r} holds {cell!r}, which is not a comparison. Use one of "
                f"{', '.join(COMPARISONS)} (also accepted: {accepted}); blank means >=."
            )
        comparisons.append(op)
    index = pd.Index(ids.to_numpy(), name="indicator_id", dtype=object)

    def objects(values: list[str | None]) -> pd.Series:
        return pd.Series(values, index=index, dtype=object)

    out = pd.DataFrame(
        {
            "indicator_id": objects(list(ids)),
            "name_zh": objects(
                [n if n is not None else i for n, i in zip(names, ids, strict=True)]
            ),
            "target": pd.Series(values["target"], index=index, dtype=np.float64),
            "actual": pd.Series(
                [np.nan if v is None else v for v in values["actual"]],
                index=index,
                dtype=np.float64,
            ),
            "comparison": objects(list(comparisons)),
            "unit": objects(units),
            "source": objects(text("source")),
            "responsible": objects(text("responsible")),
            "note": objects(text("note")),
        },
        index=index,
    )
    filled = int(out["actual"].notna().sum())
    msg = f"{p.name}: {len(out)} indicators read, {filled} with an actual value"
    logger.info(msg)
    notes.append(msg)
    attach_report(out, issues, notes)
    return out
