"""The distance engine: exact walking distances on a `WalkNetwork`.

`snap` puts points on their nearest edge (exactly, with an index kept per
network); `split_graph` turns facilities into nodes of their edges;
`accessibility` gives the nearest facility of every category and counts within
a walk; `gates` routes residents of gated compounds through their gates
(`gate_io` reads compounds and gates); `isochrones` draws walking catchments
from the reached edge segments (`strokes` merges them before buffering).
"""

from .accessibility import EdgeSnap as EdgeSnap
from .accessibility import NearestFacilities as NearestFacilities
from .accessibility import count_facilities_within as count_facilities_within
from .accessibility import count_within_arrays as count_within_arrays
from .accessibility import nearest_by_category_arrays as nearest_by_category_arrays
from .accessibility import nearest_facility_by_category as nearest_facility_by_category
from .accessibility import snap_points_to_edges as snap_points_to_edges
from .gate_io import read_compound_layer as read_compound_layer
from .gate_io import read_compounds_and_gates_from_osm as read_compounds_and_gates_from_osm
from .gate_io import read_gate_layer as read_gate_layer
from .gate_io import read_study_gates as read_study_gates
from .gates import GateAssignment as GateAssignment
from .gates import GateDistances as GateDistances
from .gates import GateReport as GateReport
from .gates import assign_gates as assign_gates
from .gates import distances_through_gates as distances_through_gates
from .isochrones import isochrones_from_facilities as isochrones_from_facilities
from .isochrones import reached_intervals as reached_intervals
from .snap import SnapIndex as SnapIndex
from .snap import build_snap_index as build_snap_index
from .snap import network_snap_index as network_snap_index
from .split_graph import SplitGraph as SplitGraph
from .split_graph import split_graph as split_graph

__all__ = [
    "EdgeSnap",
    "GateAssignment",
    "GateDistances",
    "GateReport",
    "NearestFacilities",
    "SnapIndex",
    "SplitGraph",
    "assign_gates",
    "build_snap_index",
    "count_facilities_within",
    "count_within_arrays",
    "distances_through_gates",
    "isochrones_from_facilities",
    "nearest_by_category_arrays",
    "nearest_facility_by_category",
    "network_snap_index",
    "reached_intervals",
    "read_compound_layer",
    "read_compounds_and_gates_from_osm",
    "read_gate_layer",
    "read_study_gates",
    "snap_points_to_edges",
    "split_graph",
]
