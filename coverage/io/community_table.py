"""The community table reader behind ``io.read_community_table``: households, population, floor areas."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from ..errors import InputError
from .column_aliases import COMMUNITY_TABLE_ALIASES
from .issues import Issue, attach_report, value_cleared
from .layers import clean_str, existing_file, read_table, sheet_hint, spreadsheet_rows
from .validate import (
    check_ids,
    ids_to_str,
    map_columns,
    parse_cells,
    parse_non_negative,
    parse_whole_number,
    require_fields,
)

logger = logging.getLogger(__name__)

_TABLE_INTS: Final = ("households", "residents", "aged_60_plus", "aged_0_3")
_TABLE_FLOATS: Final = (
    "total_floor_area_m2",
    "commerce_floor_area_m2",
    "elderly_care_floor_area_m2",
    "childcare_floor_area_m2",
)
_TOTAL_ROW: Final = re.compile(r"^\s*(合计|总计|小计|total)\s*$", re.IGNORECASE)

_STATUS: Final = (
    ("改造", "renovated"),
    ("renovat", "renovated"),
    ("新建", "new"),
    ("new", "new"),
    ("既有", "existing"),
    ("现状", "existing"),
    ("existing", "existing"),
)


def _status(value: str) -> str | None:
    low = value.strip().lower()
    for word, status in _STATUS:
        if word in low:
            return status
    return None


def read_community_table(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read households, population and floor areas per 社区 (CSV or XLSX).

    Parameters
    ----------
    path
        The table.
    columns
        ``{field: header}`` for headers the defaults do not recognise. Defaults:
        社区代码, 社区名称, 户数, 常住人口, 60岁以上人口, 0-3岁人口, 小区类型
        (新建/改造/既有), 总建筑面积(㎡), 商业及综合服务建筑面积(㎡),
        养老服务设施建筑面积(㎡), 托育服务设施建筑面积(㎡); the unit suffix
        may be absent or written m2.
    encoding
        A CSV's encoding; by default detected (UTF-8 or GBK).
    sheet
        The Excel sheet (name or 0-based number).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``community_id`` (str). Columns present in the file among
        ``community_name, street_id, street_name, district``, ``households,
        residents, aged_60_plus, aged_0_3`` (integers; Int64 when some are
        blank), ``status`` (new/renovated/existing),
        ``total_floor_area_m2, commerce_floor_area_m2,
        elderly_care_floor_area_m2, childcare_floor_area_m2`` (float). A
        column the file lacks is absent (rules then say "not evaluated").
        Cleared cells and skipped total rows are in ``attrs["read_report"]``.

    Raises
    ------
    InputError
        Missing or empty file, no community id column (the message lists the
        headers found and those expected), missing or duplicate ids.
    """
    what = "community table"
    p = existing_file(path, what)
    df, notes = read_table(p, what=what, encoding=encoding, sheet=sheet)
    found = list(df.columns)
    mapping = map_columns(found, COMMUNITY_TABLE_ALIASES, columns, path=p, what=what)
    try:
        require_fields(mapping, ["community_id"], COMMUNITY_TABLE_ALIASES, found, path=p, what=what)
    except InputError as exc:
        raise InputError(f"{exc}{sheet_hint(p, sheet)}") from None
    rows = spreadsheet_rows(df)
    issues: list[Issue] = []
    ids = ids_to_str(df[mapping["community_id"]])
    names = (
        clean_str(df[mapping["community_name"]])
        if "community_name" in mapping
        else pd.Series([None] * len(df), index=df.index, dtype=object)
    )
    # Total rows (合计) carry no id: reported and skipped.
    texts = df.astype(str)
    total = (
        ids.isna().to_numpy()
        & texts.apply(lambda r: r.str.match(_TOTAL_ROW).any(), axis=1).to_numpy()
    )
    for pos in np.flatnonzero(total):
        issues.append(
            Issue(
                int(rows[pos]),
                None,
                None,
                "total_row",
                "dropped",
                "a 合计/total row, not a community",
            )
        )
    df, ids, names, rows = df[~total], ids[~total], names[~total], rows[~total]
    check_ids(ids, path=p, column=mapping["community_id"], what="communities", first_row=2)

    out = pd.DataFrame(index=pd.Index(ids.to_numpy(), name="community_id", dtype=object))
    for f in ("community_name", "street_name", "district"):
        if f in mapping:
            out[f] = clean_str(df[mapping[f]]).to_numpy()
    if "street_id" in mapping:
        out["street_id"] = ids_to_str(df[mapping["street_id"]]).to_numpy()
    for f in (*_TABLE_INTS, *_TABLE_FLOATS):
        if f not in mapping:
            continue
        col = mapping[f]
        whole = f in _TABLE_INTS
        values = parse_cells(
            df[col],
            parse_whole_number if whole else parse_non_negative,
            column=col,
            rows=rows,
            ids=ids,
            names=names,
            expected="a whole number ≥ 0" if whole else "a number ≥ 0",
            issues=issues,
            outcome="left empty (not evaluated)",
        )
        s = pd.Series(values, index=out.index, dtype="float64")
        if f in _TABLE_INTS:
            out[f] = s.astype("int64") if s.notna().all() else s.astype("Int64")
        else:
            out[f] = s
    if "status" in mapping:
        col = mapping["status"]
        statuses: list[str | None] = []
        for k, v in enumerate(clean_str(df[col])):
            st = _status(v) if v is not None else None
            if v is not None and st is None:
                issues.append(
                    value_cleared(
                        int(rows[k]),
                        ids.iloc[k],
                        names.iloc[k],
                        column=col,
                        value=v,
                        expected="新建 (new), 改造 (renovated) or 既有 (existing)",
                    )
                )
            statuses.append(st)
        out["status"] = pd.Series(statuses, index=out.index, dtype=object)
    absent = [f for f in (*_TABLE_INTS, "status", *_TABLE_FLOATS) if f not in mapping]
    if absent:
        msg = f"{p.name}: no column for {absent}; rules that need them are not evaluated"
        logger.info(msg)
        notes.append(msg)
    if issues:
        logger.warning(
            "%s: %d cell(s)/row(s) cleared or skipped; see the read report", p, len(issues)
        )
    issues.sort(key=lambda i: (i.row or 0, i.issue, i.detail))
    attach_report(out, issues, notes)
    return out
