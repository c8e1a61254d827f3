"""Network distances on the generator's own graph, with points snapped to edges.

Independent of facility_coverage's engine on purpose: the ground truth the
tests compare the engine against is measured here. Residents sit at
residential building centroids, each building weighted by its share of its
community's residential floor area.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from .features import Building
from .network import Network
from .population import Population

WALK_LIMIT_M = 1200.0  # 15 minutes at 80 m/min


class Snap:
    """Points snapped to network edges: edge end nodes, distances along to each, access."""

    def __init__(
        self, u: np.ndarray, v: np.ndarray, to_u: np.ndarray, to_v: np.ndarray, acc: np.ndarray
    ) -> None:
        self.u, self.v, self.to_u, self.to_v, self.acc = u, v, to_u, to_v, acc

    def from_nodes(self, dnode: np.ndarray) -> np.ndarray:
        """Distance of each snapped point given node distances `dnode`."""
        return np.minimum(dnode[..., self.u] + self.to_u, dnode[..., self.v] + self.to_v) + self.acc

    def subset(self, mask: np.ndarray) -> Snap:
        return Snap(self.u[mask], self.v[mask], self.to_u[mask], self.to_v[mask], self.acc[mask])


class Reach:
    """Network distances on the generator's own graph, with points snapped to edges.

    A point snaps to its exact nearest edge (shapely's STRtree; of equally near
    edges, the first) at the foot of the perpendicular.
    """

    def __init__(self, network: Network, buildings: list[Building], population: Population) -> None:
        xy, adj = network.graph_arrays()
        self.adj, self.n = adj, len(xy)
        coo = adj.tocoo()
        keep = coo.row < coo.col
        eu, ev, el = coo.row[keep], coo.col[keep], coo.data[keep]
        self.eu, self.ev, self.el = eu, ev, el
        self.edges = shapely.linestrings(np.stack([xy[eu], xy[ev]], axis=1))
        self.etree = shapely.STRtree(self.edges)
        res = [b for b in buildings if b.residential]
        self.bxy = np.array([[b.geom.centroid.x, b.geom.centroid.y] for b in res])
        self.bcomm = np.array([b.community for b in res])
        bgfa = np.array([b.geom.area * b.levels for b in res])
        pop = population.table["常住人口"].to_numpy(dtype=float)
        self.w = pop[self.bcomm] * bgfa / population.res_gfa[self.bcomm]
        self.bsnap = self.snap(self.bxy)

    def snap(self, pxy: np.ndarray) -> Snap:
        pts = shapely.points(np.asarray(pxy, dtype=float))
        (pi, ei), dist = self.etree.query_nearest(pts, all_matches=True, return_distance=True)
        order = np.lexsort((ei, pi))  # per point, the lowest edge index among ties
        first = np.unique(pi[order], return_index=True)[1]
        if len(first) != len(pts):
            raise RuntimeError("a point has no nearest edge")
        e, acc = ei[order][first], dist[order][first]
        along = np.clip(shapely.line_locate_point(self.edges[e], pts), 0.0, self.el[e])
        return Snap(self.eu[e], self.ev[e], along, self.el[e] - along, acc)

    def _sources(self, nodes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Distance from a virtual source joined to `nodes` with `offsets` to every node."""
        # collapse duplicate nodes to their smallest offset (a CSR matrix would add them up)
        best = np.full(self.n, np.inf)
        np.minimum.at(best, nodes, offsets)
        nodes = np.flatnonzero(np.isfinite(best))
        offsets = best[nodes]
        coo = self.adj.tocoo()
        m = coo_matrix(
            (
                np.concatenate([coo.data, offsets + 1e-9]),
                (
                    np.concatenate([coo.row, np.full(len(nodes), self.n)]),
                    np.concatenate([coo.col, nodes]),
                ),
            ),
            shape=(self.n + 1, self.n + 1),
        ).tocsr()
        return dijkstra(m, directed=True, indices=self.n)[: self.n]

    def _from_snapped(self, s: Snap) -> np.ndarray:
        nodes = np.concatenate([s.u, s.v])
        offsets = np.concatenate([s.to_u + s.acc, s.to_v + s.acc])
        return self._sources(nodes, offsets)

    def distance_from_buildings(self, mask: np.ndarray) -> np.ndarray:
        """Node distances from the nearest of the residential buildings in `mask`."""
        return self._from_snapped(self.bsnap.subset(mask))

    def at_points(self, dnode: np.ndarray, pxy: np.ndarray) -> np.ndarray:
        return self.snap(pxy).from_nodes(dnode)

    def to_buildings(self, pxy: np.ndarray) -> np.ndarray:
        """Distance of each residential building to the nearest of the points `pxy`."""
        return self.bsnap.from_nodes(self._from_snapped(self.snap(pxy)))

    def each_to_buildings(self, pts: list[tuple[float, float]], limit: float) -> np.ndarray:
        """Points x residential buildings: the walk from each point (inf beyond `limit`)."""
        s = self.snap(np.array(pts))
        du = dijkstra(self.adj, indices=s.u, limit=limit)
        dv = dijkstra(self.adj, indices=s.v, limit=limit)
        dnode = np.minimum(du + (s.to_u + s.acc)[:, None], dv + (s.to_v + s.acc)[:, None])
        return self.bsnap.from_nodes(dnode)

    def greedy(
        self,
        pts: list[tuple[float, float]],
        n: int,
        rng: np.random.Generator,
        *,
        exclude: np.ndarray | None = None,
        top: int = 3,
        fixed: list[int] | None = None,
    ) -> list[int]:
        """Pick n candidates, each time one of the `top` that add most residents within 1200 m.

        Candidates in `fixed` are taken first, whatever they add.
        """
        cover = self.each_to_buildings(pts, WALK_LIMIT_M) <= WALK_LIMIT_M
        w = self.w.copy()
        if exclude is not None:
            w[exclude] = 0.0
        covered = np.zeros(len(w), dtype=bool)
        chosen: list[int] = list(fixed or [])
        for k in chosen:
            covered |= cover[k]
        for _ in range(n - len(chosen)):
            gain = (cover[:, ~covered] * w[~covered]).sum(axis=1)
            gain[chosen] = -1.0
            best = np.argsort(-gain, kind="stable")[:top]
            k = int(best[int(rng.integers(len(best)))])
            chosen.append(k)
            covered |= cover[k]
        return chosen
