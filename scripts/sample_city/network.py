"""The walkable lines noded into OSM ways, and the walking graph on them.

Node identity is a 5 cm grid: coordinates in the same cell are one node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from shapely.geometry import LineString, Point

from .features import Way

# Node identity: coordinates on a 5 cm grid; a line end this close to another line meets it.
NODE_GRID_PER_M = 20
SNAP_TOL_M = 1.0

Key = tuple[int, int]


def grid_key(c: tuple[float, float]) -> Key:
    """The 5 cm grid cell of a node coordinate (local metres)."""
    return (
        math.floor(c[0] * NODE_GRID_PER_M + 0.5),
        math.floor(c[1] * NODE_GRID_PER_M + 0.5),
    )


@dataclass
class Network:
    node_xy: list[tuple[float, float]]  # node id -> local metres
    node_of_key: dict[Key, int]  # every grid cell a way passes -> its node id
    ways: list[tuple[list[int], dict[str, str]]]  # node ids, tags

    def node_at(self, c: tuple[float, float]) -> int:
        """The node id at a coordinate some way passes through."""
        return self.node_of_key[grid_key(c)]

    def graph_arrays(self) -> tuple[np.ndarray, csr_matrix]:
        """Node coordinates and the symmetric adjacency matrix of segment lengths."""
        xy = np.array(self.node_xy)
        us, vs, ls = [], [], []
        for ids, _ in self.ways:
            for a, b in pairwise(ids):
                us.append(a)
                vs.append(b)
                ls.append(float(np.hypot(*(xy[a] - xy[b]))))
        n = len(xy)
        m = coo_matrix((ls + ls, (us + vs, vs + us)), shape=(n, n)).tocsr()
        m.sum_duplicates()  # parallel segments are identical here (same length)
        return xy, m


def node_network(lines: list[Way]) -> Network:
    """Split the lines into OSM ways whose meeting points are shared nodes.

    Lines meet where they cross or touch, and where an end of one line stops
    within SNAP_TOL_M of another (a street cut at the canal bank ends at a
    computed point a few millimetres off the promenade; a compound driveway
    starts 10 cm from a junction). Such points are merged into one node, as
    in real OSM, so that no way stops short of the way it is meant to join.
    """
    geoms = [LineString(w.coords) for w in lines]
    extra, links = _meeting_points(geoms)
    # node candidates on the 5 cm grid; linked candidates become one node
    per_way: list[list[Key]] = []
    seen: dict[Key, int] = {}  # key -> first-seen order
    uses: dict[Key, int] = {}  # key -> how many ways pass through it
    for g, ex in zip(geoms, extra, strict=True):
        items = [(g.project(Point(c)), c) for c in g.coords]
        items += [(g.project(Point(c)), c) for c in ex]
        items.sort(key=lambda t: t[0])
        keys: list[Key] = []
        for _, c in items:
            k = grid_key(c)
            if not keys or keys[-1] != k:
                keys.append(k)
        per_way.append(keys)
        for k in dict.fromkeys(keys):
            seen.setdefault(k, len(seen))
            uses[k] = uses.get(k, 0) + 1
    parent = {k: k for k in seen}

    def find(k: Key) -> Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for c1, c2 in links:
        r1, r2 = find(grid_key(c1)), find(grid_key(c2))
        if r1 != r2:
            # the node stays where most ways already pass (a junction), else the first seen
            keep, drop = sorted((r1, r2), key=lambda k: (-uses[k], seen[k]))
            parent[drop] = keep
    net = Network([], {}, [])
    root_id: dict[Key, int] = {}
    for keys, w in zip(per_way, lines, strict=True):
        ids: list[int] = []
        for k in keys:
            r = find(k)
            nid = root_id.get(r)
            if nid is None:
                nid = len(net.node_xy)
                root_id[r] = nid
                net.node_xy.append((r[0] / NODE_GRID_PER_M, r[1] / NODE_GRID_PER_M))
            net.node_of_key[k] = nid
            if not ids or ids[-1] != nid:
                ids.append(nid)
        body = ids[:-1] if len(ids) > 2 and ids[0] == ids[-1] else ids
        if len(set(body)) != len(body):
            raise RuntimeError(f"way {w.tags} passes a node twice after snapping")
        if len(ids) >= 2:
            net.ways.append((ids, w.tags))
    return net


def _meeting_points(
    geoms: list[LineString],
) -> tuple[list[list[tuple[float, float]]], list[tuple[tuple[float, float], tuple[float, float]]]]:
    """Points where other lines meet each line, and (line end, point it snaps to) links."""
    tree = shapely.STRtree(geoms)
    extra: list[list[tuple[float, float]]] = [[] for _ in geoms]
    links: list[tuple[tuple[float, float], tuple[float, float]]] = []
    left, right = tree.query(geoms, predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a >= b:
            continue
        inter = geoms[a].intersection(geoms[b])
        for part in shapely.get_parts(inter):
            if part.geom_type == "Point":
                pts = [(part.x, part.y)]
            else:  # collinear overlap: use its endpoints
                cs = list(part.coords) if part.geom_type == "LineString" else []
                pts = [cs[0], cs[-1]] if cs else []
            for pt in pts:
                extra[a].append(pt)
                extra[b].append(pt)
    # ends that stop on or near another line meet it at its nearest point
    ends = [Point(c) for g in geoms for c in (g.coords[0], g.coords[-1])]
    near_e, near_b = tree.query(ends, predicate="dwithin", distance=SNAP_TOL_M)
    for e, b in sorted(zip(near_e.tolist(), near_b.tolist(), strict=True)):
        if e // 2 == b:
            continue
        p, g = ends[e], geoms[b]
        q = g.interpolate(g.project(p))
        extra[b].append((q.x, q.y))
        links.append(((p.x, p.y), (q.x, q.y)))
    return extra, links
