"""De-duplication of facilities across sources (an Amap export and OSM often list the same shop).

Two records are the same facility when they have the same category, lie within
``distance_m`` of each other and have similar names (or one has no name). The
record from the earlier source in the study file is kept and missing attributes
are filled from the other; every merge is reported, nothing disappears silently.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from difflib import SequenceMatcher

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

logger = logging.getLogger(__name__)

#: Attributes filled from a merged duplicate when the kept record lacks them.
_ATTRIBUTES = (
    "floor_area_m2",
    "beds",
    "nursing_beds",
    "childcare_places",
    "inclusive_nursing_beds",
    "nursery_class_places",
    "inclusive",
    "demonstration",
    "comprehensive",
    "provincial_inclusive",
    "provincial_demonstration",
    "function",
)

# Branch suffixes such as "（濠河店）" or "(Store 3)" say nothing about identity.
_BRANCH = re.compile(r"[（(][^）)]*[）)]")


# Words every facility of a kind carries: "华联超市" and "苏果超市" share "超市" and nothing else.
_GENERIC = re.compile(
    "超市|便利店|便利|药房|大药房|药店|菜市场|农贸市场|市场|生鲜|快递|驿站|邮政|理发|美发|"
    "洗衣|干洗|幼儿园|托育|养老|服务中心|服务站|中心|社区|有限公司|公司|门店|店"
)


def _normalise_name(name: object) -> str:
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _BRANCH.sub("", text)
    text = _GENERIC.sub("", text)
    return "".join(ch for ch in text if ch.isalnum())


def name_similarity(a: object, b: object) -> float:
    """Similarity of two facility names in [0, 1] (1 when either is unnamed).

    Examples
    --------
    >>> round(name_similarity("苏果超市（青澜店）", "苏果超市"), 2)
    1.0
    >>> name_similarity("好邻居便利店", "华联超市") < 0.5
    True
    """
    x, y = _normalise_name(a), _normalise_name(b)
    if not x or not y:
        return 1.0
    if x in y or y in x:
        return 1.0
    return SequenceMatcher(None, x, y).ratio()


def deduplicate_facilities(
    facilities: gpd.GeoDataFrame,
    *,
    distance_m: float = 50.0,
    min_similarity: float = 0.5,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Merge records of the same facility from different sources.

    Parameters
    ----------
    facilities
        Facilities in a metric CRS with ``category``, ``name`` and ``source``,
        in the order of preference (earlier rows are kept).
    distance_m
        Largest distance between two records of one facility.
    min_similarity
        Smallest ``name_similarity`` for two named records to be merged.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The facilities without duplicates, and one report row per merge:
        ``kept_id``, ``dropped_id``, ``category``, ``kept_name``,
        ``dropped_name``, ``distance_m``, ``similarity``.
    """
    report_columns = [
        "kept_id",
        "dropped_id",
        "category",
        "kept_name",
        "dropped_name",
        "distance_m",
        "similarity",
    ]
    if len(facilities) < 2:
        return facilities, pd.DataFrame(columns=report_columns)
    xy = np.column_stack([facilities.geometry.x, facilities.geometry.y])
    pairs = cKDTree(xy).query_pairs(distance_m, output_type="ndarray")
    category = facilities["category"].to_numpy()
    source = facilities["source"].to_numpy() if "source" in facilities else np.zeros(len(xy))
    names = facilities["name"].to_numpy() if "name" in facilities else np.full(len(xy), None)
    ids = facilities.index.to_numpy()
    merged_into = np.arange(len(xy))
    report = []
    # Earlier rows win: visit pairs in order of the kept row, then the distance.
    pairs = pairs[(category[pairs[:, 0]] == category[pairs[:, 1]])]
    pairs = pairs[source[pairs[:, 0]] != source[pairs[:, 1]]]
    dist = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T) if len(pairs) else np.zeros(0)
    order = np.lexsort((dist, pairs[:, 0])) if len(pairs) else np.zeros(0, dtype=int)
    result = facilities.copy()
    for k in order:
        i, j = int(pairs[k, 0]), int(pairs[k, 1])
        if merged_into[i] != i or merged_into[j] != j:
            continue  # one of them is already merged elsewhere
        similarity = name_similarity(names[i], names[j])
        if similarity < min_similarity:
            continue
        merged_into[j] = i
        for column in _ATTRIBUTES:
            if column in result.columns:
                col = result.columns.get_loc(column)
                if pd.isna(result.iloc[i, col]):
                    result.iloc[i, col] = result.iloc[j, col]
        report.append(
            {
                "kept_id": ids[i],
                "dropped_id": ids[j],
                "category": category[i],
                "kept_name": names[i],
                "dropped_name": names[j],
                "distance_m": round(float(dist[k]), 1),
                "similarity": round(similarity, 2),
            }
        )
    keep = merged_into == np.arange(len(xy))
    if report:
        logger.info(
            "Merged %d duplicate facilities across sources (same category, within %g m, "
            "similar names); see the merge report",
            len(report),
            distance_m,
        )
    return result[keep], pd.DataFrame(report, columns=report_columns)
