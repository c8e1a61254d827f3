"""The command line: ``facility-coverage demo | analyze | map``.

Thin by design: it parses arguments, sets up logging, calls the same functions
as the notebooks, and writes the outputs. No analysis logic lives here.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__, analysis, figures, maps, report, sample
from ._errors import FacilityCoverageError

logger = logging.getLogger(__name__)

_DESCRIPTION = """\
步行可达性评估：社区(社区)和街道(街道)居民能否步行到达日常生活服务设施，
对照《南通市推动生活性服务业补短板上水平提高人民生活品质行动计划（2022—2025年）》的目标。
Walking access to everyday services per 社区 (community) and 街道 (street),
checked against the Nantong action plan for life services 2022-2025."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="facility-coverage",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="-v: what each step did (as in run_log.txt); -vv: debugging detail / 详细日志",
    )
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", help="errors only, no progress / 仅显示错误"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run the bundled sample city end to end / 运行示例数据（SAMPLE / 示例数据）",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("facility-coverage-demo"),
        help="output folder / 输出文件夹 (default: ./facility-coverage-demo)",
    )
    _map_options(demo)

    analyze = commands.add_parser(
        "analyze", help="run a study from its TOML file / 按配置文件运行评估"
    )
    analyze.add_argument(
        "--config", type=Path, required=True, help="study file (TOML) / 评估配置文件"
    )
    analyze.add_argument("--out", type=Path, required=True, help="output folder / 输出文件夹")
    _map_options(analyze)

    map_ = commands.add_parser("map", help="write only the coverage map / 仅生成覆盖地图")
    map_.add_argument("--config", type=Path, required=True, help="study file (TOML) / 评估配置文件")
    map_.add_argument("--out", type=Path, required=True, help="output folder / 输出文件夹")
    _map_options(map_)
    return parser


def _map_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--basemap",
        choices=["none", "osm", "gaode", "tianditu"],
        default="none",
        help="basemap / 底图: none (offline vector context 无底图), osm, gaode (高德, GCJ-02 "
        "display shift), tianditu (天地图, key from TIANDITU_KEY)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="load map scripts from CDNs instead of embedding them (smaller HTML; needs the network)",
    )


def _configure_logging(args: argparse.Namespace) -> None:
    # The terminal shows warnings and a progress bar; run_log.txt always has the INFO lines.
    levels = {0: logging.WARNING, 1: logging.INFO}
    level = logging.ERROR if args.quiet else levels.get(args.verbose, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    # The handler decides what the terminal shows; the logger stays at INFO at least,
    # because run_study records INFO lines for the run log whatever the verbosity.
    handler.setLevel(level)
    root = logging.getLogger("facility_coverage")
    root.handlers[:] = [handler]
    root.setLevel(min(level, logging.INFO))
    root.propagate = False


def _write_outputs(result: analysis.StudyResult, out: Path, args: argparse.Namespace) -> list[Path]:
    """Write every output into a staging folder, then move them into ``out`` together.

    A failure while writing leaves ``out`` as it was: no half-written files.
    """
    out.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Callable[[Path], object]] = {
        "coverage_map.html": lambda p: maps.save_map(
            maps.coverage_map(result, basemap=args.basemap, offline=not args.online), p
        ),
    }
    if args.command != "map":
        writers |= {
            "results.gpkg": lambda p: report.write_results_gpkg(result, p),
            "results.xlsx": lambda p: report.write_results_xlsx(result, p),
            "results.csv": lambda p: report.write_results_csv(result, p),
            "coverage_R1.png": lambda p: figures.coverage_figure(result, p, rule_id="R1"),
            "run_log.txt": lambda p: p.write_text("\n".join(result.log) + "\n", encoding="utf-8"),
        }
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for name, write in writers.items():
            write(staging / name)
        written = []
        for name in writers:
            (staging / name).replace(out / name)
            written.append(out / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    _configure_logging(args)
    try:
        study_path = sample.sample_study_path() if args.command == "demo" else args.config
        result = analysis.run_study(study_path, progress=not args.quiet)
        written = _write_outputs(result, args.out, args)
    except FacilityCoverageError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(report.summary_table(result))
    print(f"\n输出 outputs: {args.out.resolve()}")
    for path in written:
        print(f"  {path.name}")
    return 0
