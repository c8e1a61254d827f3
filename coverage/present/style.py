"""Colours, labels and number formats shared by the coverage map's layers and legend.

Rule outcomes are green (pass), red (fail) or grey (not evaluated); shares are
graded on a red → yellow (target) → green ramp; facility categories take the
palette's colours, which avoid the pass/fail red and green.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from branca.colormap import LinearColormap

from ..names import STATUS_LABELS as STATUS_LABELS
from .values import unit_text

#: Fill colours of rule outcomes.
STATUS_COLOURS = {"pass": "#1a9850", "fail": "#d73027", "na": "#bdbdbd"}
_SHARE_RAMP = LinearColormap(["#d73027", "#fee08b", "#1a9850"], vmin=0.0, vmax=1.0)

#: Distinct colours for facility categories; no pure red or green (the pass/fail colours).
PALETTE = (
    "#377eb8",
    "#984ea3",
    "#ff7f00",
    "#a65628",
    "#f781bf",
    "#17becf",
    "#7570b3",
    "#e7298a",
    "#bcbd22",
    "#1f3a93",
    "#d95f02",
    "#525252",
)
OTHER_COLOUR = "#969696"

#: Tolerance (m) of the boundary, isochrone and road simplification for display.
SIMPLIFY_M = 2.0


def category_label(names: Mapping[str, tuple[str, str]], category: str) -> tuple[str, str]:
    """(Chinese, English) display names of a category; the key itself when unknown."""
    return names.get(category, (category, category.replace("_", " ")))


def status_of(passed: Any) -> str:
    """``"pass"``, ``"fail"`` or ``"na"`` (not evaluated) for a ``passed`` cell."""
    if passed is None or passed is pd.NA:
        return "na"
    if isinstance(passed, float) and math.isnan(passed):
        return "na"
    return "pass" if bool(passed) else "fail"


def format_value(value: Any, unit: str = "") -> str:
    """A value as planners read it, the same as in the 台账 and the report (``values``)."""
    if isinstance(value, str):
        return value
    try:
        if math.isinf(float(value)):
            return "∞"
    except (TypeError, ValueError):
        return "—" if value is None or value is pd.NA else str(value)
    return unit_text(value, unit)


def graded_fill(value: Any, target: Any) -> str | None:
    """Colour of a share on a red → yellow (at the target) → green ramp; None if no number."""
    try:
        v, t = float(value), float(target)
    except (TypeError, ValueError):
        return None
    if math.isnan(v):
        return None
    v = min(max(v, 0.0), 1.0)
    if math.isnan(t) or not 0.0 < t < 1.0:
        return str(_SHARE_RAMP(v))
    pos = 0.5 * v / t if v <= t else 0.5 + 0.5 * (v - t) / (1.0 - t)
    return str(_SHARE_RAMP(pos))
