"""The walking network: the `WalkNetwork` model and its builders.

Sources: OSM files (`osm_file`), osmnx graphs and GraphML (`graph`), road
centrelines (`centrelines`), osmnx online (`online`); all end in
`build.walk_network_from_arrays`, and file sources are cached on disk (`cache`).
`network_from_study` picks the builder a study names.
"""

from . import dropped as dropped
from .build import walk_network_from_arrays as walk_network_from_arrays
from .centrelines import node_centrelines as node_centrelines
from .centrelines import walk_network_from_centrelines as walk_network_from_centrelines
from .graph import walk_network_from_edges as walk_network_from_edges
from .graph import walk_network_from_graph as walk_network_from_graph
from .graph import walk_network_from_graphml as walk_network_from_graphml
from .model import NetworkReport as NetworkReport
from .model import WalkNetwork as WalkNetwork
from .online import walk_network_from_place as walk_network_from_place
from .osm_file import is_walkable as is_walkable
from .osm_file import read_osm_walk_edges as read_osm_walk_edges
from .osm_file import walk_network_from_osm_file as walk_network_from_osm_file
from .source import network_from_study as network_from_study

__all__ = [
    "NetworkReport",
    "WalkNetwork",
    "dropped",
    "is_walkable",
    "network_from_study",
    "node_centrelines",
    "read_osm_walk_edges",
    "walk_network_from_arrays",
    "walk_network_from_centrelines",
    "walk_network_from_edges",
    "walk_network_from_graph",
    "walk_network_from_graphml",
    "walk_network_from_osm_file",
    "walk_network_from_place",
]
