"""Which files a study and a siting run write, each by its writer, all staged together.

A study writes one map per failing rule that judges units (``figure_<rule>.png``,
``report_content.figure_rules``), each drawn once and shared with report.docx and
report.html. What the writers warn about (no CJK font for the figures, say)
happens after ``run_study`` closed its log, so ``write_study_outputs`` collects
those warnings while it writes and run_log.txt, written last, ends with them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..analysis import StudyResult
from ..siting.proposals import SiteSuggestion
from . import figures, ledger, maps, report, report_content, report_docx, report_html
from .atomic import write_together
from .site_tables import rule_changes, site_layer, write_site_xlsx

Writers = dict[str, Callable[[Path], object]]

#: The heading of the run log's lines written while the outputs were made.
OUTPUT_LOG_HEADING = "INFO: Writing the outputs / 写出结果:"


class _Warnings(logging.Handler):
    """Collects the package's warnings while the outputs are written (once each)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: dict[str, None] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.lines[f"{record.levelname}: {record.getMessage()}"] = None


@contextmanager
def _collect_warnings() -> Iterator[_Warnings]:
    handler = _Warnings()
    package = logging.getLogger("facility_coverage")
    previous = package.level
    package.addHandler(handler)
    if package.getEffectiveLevel() > logging.WARNING:
        package.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        package.removeHandler(handler)
        package.setLevel(previous)


def figure_name(rule_id: str) -> str:
    """The file name of a rule's map: ``figure_<rule>.png``."""
    return f"figure_{rule_id}.png"


def _figure_writer(
    result: StudyResult, rule_id: str, png: Callable[[str], bytes]
) -> Callable[[Path], object]:
    def write(path: Path) -> Path:
        return figures.coverage_figure(result, path, rule_id=rule_id, png=png(rule_id))

    return write


def _map_rule(result: StudyResult) -> str | None:
    """The rule the study's map shows: R1, else the first failing rule, else the first."""
    ids = [h.rule_id for h in report_content.headlines(result)]
    if "R1" in ids or not ids:
        return "R1" if ids else None
    failing = report_content.failing_rules(result)
    return failing[0] if failing else ids[0]


def write_study_outputs(
    result: StudyResult,
    out: Path,
    *,
    map_only: bool = False,
    basemap: str = "none",
    offline: bool = True,
) -> list[Path]:
    """Write the map (and unless ``map_only`` the tables, reports, figures and run log) into ``out``.

    Besides the map: results.gpkg / .xlsx / .csv, report.docx and report.html
    (the same content, ``report_content``), ``figure_<rule>.png`` for each failing
    rule that judges units, and run_log.txt (the run's log, then any warning the
    writers gave).
    """
    shown = _map_rule(result)
    writers: Writers = {
        "coverage_map.html": lambda p: maps.save_map(
            maps.coverage_map(result, basemap=basemap, offline=offline, rule_id=shown), p
        ),
    }
    if map_only:
        return write_together(out, writers)
    drawn: dict[str, bytes] = {}

    def png(rule_id: str) -> bytes:
        if rule_id not in drawn:
            drawn[rule_id] = figures.figure_png(result, rule_id)
        return drawn[rule_id]

    rule_ids = report_content.figure_rules(result)

    def pngs() -> dict[str, bytes]:
        return {rule_id: png(rule_id) for rule_id in rule_ids}

    with _collect_warnings() as warnings:

        def run_log(path: Path) -> None:
            lines = list(result.log)
            if warnings.lines:
                lines += [OUTPUT_LOG_HEADING, *warnings.lines]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        writers |= {
            "results.gpkg": lambda p: report.write_results_gpkg(result, p),
            "results.xlsx": lambda p: ledger.write_results_xlsx(result, p),
            "results.csv": lambda p: report.write_results_csv(result, p),
            "read_report.csv": lambda p: ledger.write_read_report_csv(result, p),
            **{figure_name(rule_id): _figure_writer(result, rule_id, png) for rule_id in rule_ids},
            "report.docx": lambda p: report_docx.write_report_docx(result, p, figures=pngs()),
            "report.html": lambda p: report_html.write_report_html(result, p, figures=pngs()),
            "run_log.txt": run_log,  # last: it holds what the writers before it warned
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
    """Write the proposed sites (GeoPackage, XLSX), the map with them built, and the report.

    The report (``<stem>_report.docx`` / ``.html``) is the study's report with 五、选址建议
    filled from this run (its maps drawn once for both).

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
                before=result,
            ),
            path,
        )

    drawn: dict[str, bytes] = {}

    def pngs() -> dict[str, bytes]:
        if not drawn:
            drawn.update(
                {r: figures.figure_png(result, r) for r in report_content.figure_rules(result)}
            )
        return drawn

    def report_docx_file(path: Path) -> None:
        report_docx.write_report_docx(result, path, figures=pngs(), siting=suggestion, built=built)

    def report_html_file(path: Path) -> None:
        report_html.write_report_html(result, path, figures=pngs(), siting=suggestion, built=built)

    return write_together(
        out,
        {
            f"{stem}.gpkg": gpkg,
            f"{stem}.xlsx": xlsx,
            f"{stem}_map.html": site_map,
            f"{stem}_report.docx": report_docx_file,
            f"{stem}_report.html": report_html_file,
        },
    )
