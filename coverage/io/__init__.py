"""Reading the planners' files once, validated, at the boundary.

Readers (`readers`, `facilities`, `community_table`) return layers in the
working CRS with the columns of docs/design.md; `layers` and `encoding` read
vector files and tables whatever their CRS and encoding; `validate`,
`spatial_checks` and `crs_sniff` check what was read; `dedupe` merges the same
facility from two sources; `issues` holds the read report's rows; `sources`
reads everything a study names.
"""

from .column_aliases import COMMUNITY_ALIASES as COMMUNITY_ALIASES
from .column_aliases import COMMUNITY_TABLE_ALIASES as COMMUNITY_TABLE_ALIASES
from .column_aliases import STREET_ALIASES as STREET_ALIASES
from .community_table import read_community_table as read_community_table
from .dedupe import deduplicate_facilities as deduplicate_facilities
from .dedupe import name_similarity as name_similarity
from .facilities import FACILITY_ALIASES as FACILITY_ALIASES
from .facilities import FacilityRead as FacilityRead
from .readers import infer_facility_kind as infer_facility_kind
from .readers import read_boundaries as read_boundaries
from .readers import read_buildings_from_osm as read_buildings_from_osm
from .readers import read_facilities as read_facilities
from .readers import read_report as read_report
from .sources import StudyFacilities as StudyFacilities
from .sources import StudyUnits as StudyUnits
from .sources import read_study_facilities as read_study_facilities
from .sources import read_study_units as read_study_units
from .spatial_checks import overlapping_units as overlapping_units
from .spatial_checks import points_outside_area as points_outside_area

__all__ = [
    "COMMUNITY_ALIASES",
    "COMMUNITY_TABLE_ALIASES",
    "FACILITY_ALIASES",
    "STREET_ALIASES",
    "FacilityRead",
    "StudyFacilities",
    "StudyUnits",
    "deduplicate_facilities",
    "infer_facility_kind",
    "name_similarity",
    "overlapping_units",
    "points_outside_area",
    "read_boundaries",
    "read_buildings_from_osm",
    "read_community_table",
    "read_facilities",
    "read_report",
    "read_study_facilities",
    "read_study_units",
]
