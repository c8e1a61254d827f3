"""What planners read: maps, figures, the workbook and tables, all written atomically.

`maps` builds the folium map from its parts (`map_layers`, `map_legend`,
`map_rule`, `style`, `basemaps`, `map_assets` with the vendored Leaflet in
`assets/`); `figures` draws static PNG maps of any rule; `ledger` writes the
台账 workbook and read_report.csv; `report` writes the GeoPackage (`gpkg_fields`
names every field in Chinese), the CSV and the terminal summary; `report_content`
builds the report's sections once, which `report_docx` (report.docx) and
`report_html` (report.html) render; `site_tables` writes the siting workbook;
`shapefile` writes shapefiles with a field-name table; `outputs` lists the files
a study and a siting run write; `atomic`
makes every write all-or-nothing.
"""

from .atomic import atomic_path as atomic_path
from .atomic import write_atomic as write_atomic
from .atomic import write_together as write_together
from .figures import coverage_figure as coverage_figure
from .ledger import write_read_report_csv as write_read_report_csv
from .ledger import write_results_xlsx as write_results_xlsx
from .maps import coverage_map as coverage_map
from .maps import save_map as save_map
from .outputs import write_site_outputs as write_site_outputs
from .outputs import write_study_outputs as write_study_outputs
from .report import summary_table as summary_table
from .report import write_results_csv as write_results_csv
from .report import write_results_gpkg as write_results_gpkg
from .report_docx import write_report_docx as write_report_docx
from .report_html import write_report_html as write_report_html
from .shapefile import shapefile_field_names as shapefile_field_names
from .shapefile import write_shapefile as write_shapefile

__all__ = [
    "atomic_path",
    "coverage_figure",
    "coverage_map",
    "save_map",
    "shapefile_field_names",
    "summary_table",
    "write_atomic",
    "write_read_report_csv",
    "write_report_docx",
    "write_report_html",
    "write_results_csv",
    "write_results_gpkg",
    "write_results_xlsx",
    "write_shapefile",
    "write_site_outputs",
    "write_study_outputs",
    "write_together",
]
