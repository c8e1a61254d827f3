"""Which files a study and a siting run write, each by its writer, all staged together."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..analysis import StudyResult
from ..siting.proposals import SiteSuggestion
from . import figures, maps, report, report_html
from .atomic import write_together

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


def rule_changes(before: StudyResult, after: StudyResult) -> pd.DataFrame:
    """Rule results whose value differs once the proposed sites are built.

    A unit not evaluated before and after (a 镇 under R2) has not changed.
    """
    key = ["rule_id", "level", "unit_id"]
    changes = before.rule_results[[*key, "unit_name", "rule_name_zh", "value", "passed"]].merge(
        after.rule_results[[*key, "value", "passed"]], on=key, suffixes=("_before", "_after")
    )
    before_v, after_v = changes["value_before"], changes["value_after"]
    same = (before_v == after_v) | (before_v.isna() & after_v.isna())
    return changes[~same]


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
    """Write the proposed sites (GeoPackage, XLSX) and the map of the study with them built."""
    stem = f"sites_{category}_{suggestion.problem}"
    sites = suggestion.sites.assign(category=category)
    changes = rule_changes(result, built)

    def gpkg(path: Path) -> None:
        sites.to_file(path, layer="proposed_sites", driver="GPKG")
        suggestion.newly_covered.to_file(path, layer="newly_covered", driver="GPKG", mode="a")
        suggestion.candidates.to_file(path, layer="candidates", driver="GPKG", mode="a")

    def xlsx(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as book:
            sites.drop(columns="geometry").to_excel(book, sheet_name="建议选址 sites", index=False)
            suggestion.per_unit.to_excel(book, sheet_name="前后对比 before-after", index=False)
            changes.to_excel(book, sheet_name="规则变化 rule changes", index=False)
            pd.DataFrame(
                {
                    "item": ["problem", "status", "objective", "bound", "gap", "message"],
                    "value": [
                        suggestion.problem,
                        suggestion.solution.status,
                        suggestion.solution.objective,
                        suggestion.solution.bound,
                        suggestion.solution.gap,
                        suggestion.solution.message,
                    ],
                }
            ).to_excel(book, sheet_name="求解 solver", index=False)

    def site_map(path: Path) -> None:
        maps.save_map(
            maps.coverage_map(
                built,
                basemap=basemap,
                offline=offline,
                rule_id=None,
                categories={category: suggestion.threshold_m},
                proposed_sites=sites,
                before=result,
            ),
            path,
        )

    return write_together(
        out, {f"{stem}.gpkg": gpkg, f"{stem}.xlsx": xlsx, f"{stem}_map.html": site_map}
    )
