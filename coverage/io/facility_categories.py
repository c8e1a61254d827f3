"""A facility list's categories: its own category column first, else the classifier.

The column's words are a category's key or name, or mapped to one by the study's
``category_map``; a word that is neither does not reject a row the name or type
code classifies (kept, reported); the words no category matches are counted in
one warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..categories import CategoryTable, classify_amap_matches
from ..errors import ConfigError
from .issues import Issue
from .layers import clean_str

logger = logging.getLogger(__name__)


def categories_of_rows(
    df: pd.DataFrame,
    mapping: Mapping[str, str],
    categories: CategoryTable,
    rows: np.ndarray,
    ids: pd.Series,
    names: pd.Series,
    typecodes: pd.Series,
    issues: list[Issue],
    path: Path,
    category_map: Mapping[str, str],
) -> pd.DataFrame:
    """``category``, ``classified_by``, ``classified_on`` of every row.

    An explicit category column (key or name) first, else classification by
    name, type code and type text (``categories.classify_amap_matches``). A value
    of the column that is no category does not reject a row the name or type code
    classifies: it is kept as classified (reported); the values no category
    matches are counted in one warning, each with how many rows hold it.
    ``category_map`` turns the column's own words into categories first.

    Raises
    ------
    ConfigError
        When ``category_map`` maps a value to something that is not a category.
    """
    for word, target in category_map.items():
        if categories.resolve(target) is None:
            raise ConfigError(
                f"{path}: category_map maps {word!r} to {target!r}, which is not a category "
                f"key or name (known: {', '.join(categories.keys)})."
            )
    frame = pd.DataFrame(
        {
            "name": names,
            "typecode": typecodes,
            "type": clean_str(df[mapping["type"]]) if "type" in mapping else None,
        },
        index=df.index,
    )
    result = classify_amap_matches(frame, categories)
    excluded = result.pop("excluded")
    explicit_col = mapping.get("category")
    explicit = clean_str(df[explicit_col]) if explicit_col else None
    unknown: dict[str, int] = {}
    for k in range(len(df)):
        value = None if explicit is None else explicit.iloc[k]
        if value is not None:
            key = categories.resolve(category_map.get(value, value))
            auto = result["category"].iloc[k]
            if key is None:
                unknown[value] = unknown.get(value, 0) + 1
            if key is None and auto is not None:
                issues.append(
                    Issue(
                        int(rows[k]),
                        ids.iloc[k],
                        names.iloc[k],
                        "unknown_category",
                        "assumed",
                        f"column {explicit_col!r} says {value!r}, which is not a category; "
                        f"classified by {result['classified_by'].iloc[k]} as {auto!r} instead",
                    )
                )
                continue
            result.iloc[k] = [key, "attribute", f"{explicit_col}={value}"] if key else None
            if key is None:
                issues.append(
                    Issue(
                        int(rows[k]),
                        ids.iloc[k],
                        names.iloc[k],
                        "unknown_category",
                        "not_included",
                        f"column {explicit_col!r} says {value!r}, which is not a category key or "
                        f"name (known: {', '.join(categories.keys)}); fix the value or the "
                        "categories file",
                    )
                )
        elif result["category"].iloc[k] is None:
            why = f" ({excluded.iloc[k]})" if excluded.iloc[k] else ""
            issues.append(
                Issue(
                    int(rows[k]),
                    ids.iloc[k],
                    names.iloc[k],
                    "unclassified",
                    "not_included",
                    f"no category matches name {names.iloc[k]!r}, type code "
                    f"{typecodes.iloc[k]!r}{why}; add a category column or a keyword/type "
                    "code to the categories file if it should count",
                )
            )
    if unknown:
        listed = "、".join(
            f"{explicit_col} = {v} ×{n}" for v, n in sorted(unknown.items(), key=lambda x: -x[1])
        )
        logger.warning(
            "%s: %d row(s) name no category in column %r (%s); rows their name or type code "
            "classifies are kept as classified. Map each value to a category in the study "
            'file ([[inputs.facilities]] category_map = { "value" = "category" }; categories: '
            "%s) / 类别列的取值不是已知类别，请在研究配置中用 category_map 对应到类别",
            path.name,
            sum(unknown.values()),
            explicit_col,
            listed,
            ", ".join(categories.keys),
        )
    return result
