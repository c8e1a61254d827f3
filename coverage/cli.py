"""The command line: ``facility-coverage demo | analyze | map``.

Thin by design: it parses arguments, sets up logging, calls the same functions
as the notebooks, and writes the outputs. No analysis logic lives here.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd

from . import __version__, analysis, sample, siting
from .errors import FacilityCoverageError, InputError
from .present import outputs, report

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
    _verbosity(parser, default=True)
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

    site = commands.add_parser(
        "site",
        help="suggest sites for new facilities / 新增设施选址建议",
        description="Suggest where new facilities of one category close the walking gaps "
        "/ 按步行可达缺口提出新增设施选址。",
    )
    site.add_argument("--config", type=Path, help="study file (TOML); default: the sample / 示例")
    site.add_argument("--out", type=Path, required=True, help="output folder / 输出文件夹")
    site.add_argument(
        "--category", required=True, help="facility category key, e.g. elderly_centre / 设施类别"
    )
    site.add_argument(
        "--problem",
        choices=list(siting.PROBLEMS),
        default="max-coverage",
        help="max-coverage (p sites reaching most people / 最大覆盖), set-cover (fewest sites "
        "reaching everyone / 集合覆盖), per-street (one in each 街道 without one / 每街道至少一处), "
        "capacitated (planner sites with capacities / 容量约束)",
    )
    site.add_argument(
        "--p",
        type=int,
        default=None,
        help="number of new sites / 新增数量 (default 5); with per-street: extra sites city-wide "
        "on top of one in each 街道 without one (default 0) / 每街道一处之外的全市新增数量",
    )
    site.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="walking time that counts / 计为覆盖的步行时间（分钟）; default: the walk the "
        "study's rules ask of the category (R1: 8 min to a market) / 默认取规则对该类设施的要求，"
        "否则15分钟",
    )
    site.add_argument(
        "--population",
        choices=["population", "aged_60_plus", "aged_0_3"],
        default="population",
        help="who counts / 服务人群: all residents 全部居民, 60+ 老年人 (elderly walking speed), 0-3 婴幼儿",
    )
    site.add_argument(
        "--sites",
        type=Path,
        help="the planner's candidate sites (points: GeoPackage, GeoJSON, SHP; a 'capacity' "
        "column for --problem capacitated) / 规划备选地块",
    )
    site.add_argument("--time-limit", type=float, default=60.0, help="solver seconds / 求解时限")
    _map_options(site)

    map_ = commands.add_parser("map", help="write only the coverage map / 仅生成覆盖地图")
    map_.add_argument("--config", type=Path, required=True, help="study file (TOML) / 评估配置文件")
    map_.add_argument("--out", type=Path, required=True, help="output folder / 输出文件夹")
    _map_options(map_)
    return parser


def _verbosity(parser: argparse.ArgumentParser, *, default: bool) -> None:
    """-v / -q, before the command or after it (the subcommands leave the value unset)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0 if default else argparse.SUPPRESS,
        help="-v: what each step did (as in run_log.txt); -vv: debugging detail / 详细日志",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=False if default else argparse.SUPPRESS,
        help="errors only, no progress / 仅显示错误",
    )


def _map_options(parser: argparse.ArgumentParser) -> None:
    _verbosity(parser, default=False)
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
    """Write every output of the command into ``out`` (staged, then moved in together)."""
    offline = not args.online
    if args.command != "site":
        return outputs.write_study_outputs(
            result, out, map_only=args.command == "map", basemap=args.basemap, offline=offline
        )
    planner = None
    if args.sites is not None:
        if not args.sites.is_file():
            raise InputError(f"--sites: {args.sites} does not exist.")
        planner = gpd.read_file(args.sites)
    suggestion = siting.suggest_sites(
        result,
        category=args.category,
        problem=args.problem,
        p=args.p if args.p is not None else (0 if args.problem == "per-street" else 5),
        options=siting.SiteOptions(
            max_minutes=args.minutes, population=args.population, time_limit=args.time_limit
        ),
        planner_sites=planner,
    )
    if not args.quiet:
        print(repr(suggestion))
        print(suggestion.solution.message)
        print(suggestion.sites.drop(columns="geometry").to_string(index=False))
    # The map and the rule comparison show the study re-measured with the sites built.
    built = siting.with_new_facilities(result, suggestion.sites, category=args.category)
    return outputs.write_site_outputs(
        result,
        suggestion,
        built,
        out,
        category=args.category,
        basemap=args.basemap,
        offline=offline,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    _configure_logging(args)
    if args.out.exists() and not args.out.is_dir():
        print(
            f"错误 error: --out {args.out} is a file, not a folder; name a folder for the outputs "
            "/ 请指定输出文件夹",
            file=sys.stderr,
        )
        return 2
    try:
        use_sample = args.command == "demo" or (args.command == "site" and args.config is None)
        study_path = sample.sample_study_path() if use_sample else args.config
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
