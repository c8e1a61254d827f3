"""The record of what a reader changed or refused: ``Issue`` rows and the read report.

Readers collect ``Issue`` records, ``issues_frame`` makes the tidy table of
them and ``attach_report`` keeps them on the layer read
(``attrs["read_report"]``, read back by ``io.read_report``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import pandas as pd


@dataclass(frozen=True)
class Issue:
    """One thing a reader changed or refused in its input.

    Attributes
    ----------
    row
        Spreadsheet row number (header = 1) or feature number (first = 1);
        None when not row-specific.
    id
        The feature's id when known.
    name
        The feature's name when known.
    issue
        Short machine-readable kind (``"invalid_geometry"``, ``"unclassified"``...).
    action
        What the reader did: ``"repaired"``, ``"corrected"``, ``"dropped"``,
        ``"not_included"``, ``"value_cleared"``.
    detail
        A sentence for the planner.
    """

    row: int | None
    id: str | None
    name: str | None
    issue: str
    action: str
    detail: str


REPORT_COLUMNS: Final = ("row", "id", "name", "issue", "action", "detail")


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """A tidy DataFrame (``REPORT_COLUMNS``) of issues."""
    rows = [
        {
            "row": i.row,
            "id": i.id,
            "name": i.name,
            "issue": i.issue,
            "action": i.action,
            "detail": i.detail,
        }
        for i in issues
    ]
    df = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    df["row"] = df["row"].astype("Int64")
    return df


def attach_report(frame: pd.DataFrame, issues: Iterable[Issue], notes: Iterable[str]) -> None:
    """Record what a reader changed or left out on ``frame.attrs`` (read back by ``io.read_report``).

    ``attrs["read_report"]`` holds one dict per ``Issue``,
    ``attrs["read_notes"]`` the lines for the run log.
    """
    frame.attrs["read_report"] = [i.__dict__.copy() for i in issues]
    frame.attrs["read_notes"] = list(notes)


def value_cleared(
    row: int,
    id: str | None,
    name: str | None,
    *,
    column: str,
    value: object,
    expected: str,
    outcome: str = "left empty",
) -> Issue:
    """The ``Issue`` of a cell whose value is not what its column holds, cleared.

    Parameters
    ----------
    row, id, name
        The row (spreadsheet row or feature number) and its keys.
    column
        The column's header in the file.
    value
        The value found.
    expected
        What the column holds (``"a number ≥ 0"``).
    outcome
        What became of the cell.

    Returns
    -------
    Issue
        ``bad_value`` / ``value_cleared``, detail
        ``column '<column>': <value> is not <expected>; <outcome>``.
    """
    return Issue(
        row,
        id,
        name,
        "bad_value",
        "value_cleared",
        f"column {column!r}: {value!r} is not {expected}; {outcome}",
    )
