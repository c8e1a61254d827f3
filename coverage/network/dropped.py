"""Residents nearer a dropped piece of the network than the network itself.

Only the largest connected component is kept (`build.walk_network_from_arrays`);
a resident whose nearest street lay in a dropped piece (an island of paths, a
footway cut off by a gap in the data) is snapped to a farther street and gets a
finite but longer walk without a word. These are found here and reported per
社区 (how many, and how much nearer the dropped piece was).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .model import WalkNetwork

#: Columns of the report, per 社区.
NEAR_DROPPED_COLUMNS = (
    "community_id",
    "points",
    "residents",
    "median_dropped_m",
    "median_network_m",
)


def residents_near_dropped_pieces(
    net: WalkNetwork,
    x: np.ndarray,
    y: np.ndarray,
    access_m: np.ndarray,
    community: np.ndarray,
    population: np.ndarray,
) -> pd.DataFrame:
    """Per 社区: resident points nearer a dropped piece than their snap to the network.

    ``access_m`` is each point's straight distance to the network it was snapped to.
    Returns ``NEAR_DROPPED_COLUMNS`` (empty when nothing was dropped or nobody is nearer).
    """
    if len(net.dropped_geometry) == 0 or len(x) == 0:
        return pd.DataFrame(columns=list(NEAR_DROPPED_COLUMNS))
    points = shapely.points(x, y)
    tree = shapely.STRtree(net.dropped_geometry)
    pairs, near = tree.query_nearest(points, all_matches=False, return_distance=True)
    dropped = np.full(len(x), np.inf)
    dropped[pairs[0]] = near
    nearer = dropped < np.asarray(access_m, dtype=float) - 1e-6
    if not nearer.any():
        return pd.DataFrame(columns=list(NEAR_DROPPED_COLUMNS))
    frame = pd.DataFrame(
        {
            "community_id": np.asarray(community)[nearer],
            "residents": np.asarray(population, dtype=float)[nearer],
            "dropped": dropped[nearer],
            "network": np.asarray(access_m, dtype=float)[nearer],
        }
    )
    out = frame.groupby("community_id", sort=True).agg(
        points=("dropped", "size"),
        residents=("residents", "sum"),
        median_dropped_m=("dropped", "median"),
        median_network_m=("network", "median"),
    )
    return out.reset_index()[list(NEAR_DROPPED_COLUMNS)].round(1)
