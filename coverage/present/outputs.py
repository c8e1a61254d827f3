"""Which files a study and a siting run write, each by its writer, all staged together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..analysis import StudyResult
from ..siting.proposals import SiteSuggestion
from . import figures, maps, report, report_html
from .atomic import write_together
from .site_tables import rule_changes, site_layer, write_site_xlsx

Writers = dict[str, Callable[[Path], object]]


def write_study_outputs(
    result: StudyResult,
    out: Path,
    *,
    map_only: bool = False,
    basemap: str = "none",
    offline: bool = True,
) -> list[Path]:
    """Write the map (and unless ``map_only`` the tables, figure and run log) into ``out``."""
    writers: Writers = {
        "coverage_map.html": lambda p: maps.save_map(
            maps.coverage_map(result, basemap=basemap, offline=offline), p
        ),
    }
    if not map_only:
        writers |= {
            "results.gpkg": lambda p: report.write_results_gpkg(result, p),
            "results.xlsx": lambda p: report.write_results_xlsx(result, p),
            "results.csv": lambda p: report.write_results_csv(result, p),
            "report.html": lambda p: report_html.write_report_html(result, p),
            "coverage_R1.png": lambda p: figures.coverage_figure(result, p, rule_id="R1"),
            "run_log.txt": lambda p: p.write_text("\n".join(result.log) + "\n", encoding="utf-8"),
        }
    return write_together(out, writers)


def write_site_outputs(
    result: StudyResult,
    suggestion: SiteSuggestion,
    built: StudyResult,
    out: Path,
    *,
    category: str,
    basemap: str = "none",
    offline: bool = True,
) -> list[Path]:
    """Write the proposed sites (GeoPackage, XLSX) and the map of the study with them built.

    The GeoPackage's ``proposed_sites`` layer carries 经度 / 纬度 (WGS84), 所在社区
    and 所在街道 beside the working-CRS geometry; the XLSX is ``site_tables``'
    workbook, its rule changes only the rules and units the sites change.
    """
    stem = f"sites_{category}_{suggestion.problem}"
    sites = suggestion.sites.assign(category=category)
    changes = rule_changes(result, built)

    def gpkg(path: Path) -> None:
        site_layer(suggestion, category=category).to_file(
            path, layer="proposed_sites", driver="GPKG"
        )
        suggestion.newly_covered.to_file(path, layer="newly_covered", driver="GPKG", mode="a")
        suggestion.candidates.to_file(path, layer="candidates", driver="GPKG", mode="a")

    def xlsx(path: Path) -> None:
        write_site_xlsx(result, suggestion, changes, path)

    def site_map(path: Path) -> None:
        maps.save_map(
            maps.coverage_map(
                built,
                basemap=basemap,
                offline=offline,
                rule_id=None,
                categories={category: suggestion.threshold_m},
                proposed_sites=sites,
            ),
            path,
        )

    return write_together(
        out, {f"{stem}.gpkg": gpkg, f"{stem}.xlsx": xlsx, f"{stem}_map.html": site_map}
    )
