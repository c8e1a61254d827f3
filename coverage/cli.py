"""The command line: ``facility-coverage demo | analyze | site | sensitivity | map``.

Thin by design: it parses arguments, sets up logging, calls the same functions
as the notebooks, and writes the outputs. No analysis logic lives here.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from . import __version__, analysis, sample, siting
from .categories import load_categories
from .config import load_study
from .errors import ConfigError, FacilityCoverageError, InputError
from .present import outputs, report, sensitivity_out
from .rules import KINDS, Rule, default_rules_path, load_rules, with_params

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
        help="新增设施选址建议 / suggest sites for new facilities",
        description="按步行可达缺口提出新增设施选址。\n"
        "Suggest where new facilities of one category close the walking gaps.",
        epilog=_SITE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    site.add_argument(
        "--config",
        type=Path,
        help="评估配置文件（默认示例）/ study file (TOML); default: the sample",
    )
    site.add_argument("--out", type=Path, required=True, help="输出文件夹 / output folder")
    site.add_argument(
        "--category", required=True, help="设施类别 / facility category key, e.g. elderly_centre"
    )
    site.add_argument(
        "--problem",
        choices=list(siting.PROBLEMS),
        default="max-coverage",
        help="选址问题 / problem: max-coverage 最大覆盖 (p sites reaching the most people), "
        "set-cover 集合覆盖 (the fewest sites reaching everyone), per-street 每街道至少一处 "
        "(one in each 街道 without one), capacitated 容量约束 (planner sites with capacities)",
    )
    site.add_argument(
        "--p",
        type=int,
        default=None,
        help="新增数量，与问题的关系见下文 / number of new sites, see below: "
        "max-coverage, capacitated 默认 default 5; per-street 默认 default 0",
    )
    site.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="计为覆盖的步行时间（分钟），默认取规则对该类设施的要求，否则15分钟 / walking time "
        "that counts; default: the walk the study's rules ask of the category (R1: 8 min to "
        "a market), else 15 min",
    )
    site.add_argument(
        "--population",
        choices=["population", "aged_60_plus", "aged_0_3"],
        default="population",
        help="服务人群 / who counts: 全部居民 all residents, 老年人 60+ (elderly walking speed), "
        "婴幼儿 0-3",
    )
    site.add_argument(
        "--sites",
        type=Path,
        help="规划备选地块 / the planner's candidate sites (points: GeoPackage, GeoJSON, SHP; "
        "a 'capacity' column for --problem capacitated)",
    )
    site.add_argument(
        "--time-limit", type=float, default=60.0, help="求解时限（秒）/ solver seconds"
    )
    _map_options(site)

    _sensitivity_parser(commands)

    map_ = commands.add_parser("map", help="write only the coverage map / 仅生成覆盖地图")
    map_.add_argument("--config", type=Path, required=True, help="study file (TOML) / 评估配置文件")
    map_.add_argument("--out", type=Path, required=True, help="output folder / 输出文件夹")
    _map_options(map_)
    return parser


_SITE_EPILOG = """\
--p 与选址问题 how --p combines with the problem:
  max-coverage, capacitated: 新增 --p 处（默认5）/ --p new sites (default 5).
  per-street: 不给 --p 时，只在每个缺少该类设施的街道各选一处，不再多选（有街道规则时按规则判断，
    如 R2：街道内没有综合性养老服务中心）；给 --p N 时，另在全市范围最多再选 N 处，与街道选址在同一个
    模型中一起求解（每个缺口街道至少一处，总数不超过缺口街道数 + N，使新覆盖人数最多；不能新增覆盖的
    多余选址不列出）。
    Without --p: one site in each 街道 lacking the category (by its street rule when there
    is one, e.g. R2: no comprehensive centre inside) and nothing else. With --p N: up to N
    more anywhere in the city,
    chosen together with the 街道 sites in one model (at least one in each 街道 lacking
    one, at most that many + N in all, the most people newly covered; an extra site that
    reaches no one new is left out).
  set-cover: 不用 --p（选最少的点覆盖所有可达居民）/ ignores --p (the fewest sites).

例 example:
  facility-coverage site --category elderly_centre --problem per-street \\
      --population aged_60_plus --out sites"""


_SENSITIVITY_EPILOG = """\
例 examples:
  facility-coverage sensitivity --rule R1 --param max_minutes --values 10,12,15
  facility-coverage sensitivity --rule R1 --param max_distance_m --values 800,1000,1200 --out sens
  facility-coverage sensitivity --rule R1 --param needs.fresh_food.categories \\
      --values "vegetable_market,vegetable_market|fresh_food_store|supermarket"
  facility-coverage sensitivity --config study.toml --rule R1 --param min_share --values 0.8,1

取值 values: 逗号分隔；像数字的按数字读；a|b 是一个列表（如设施类别）。
Comma-separated; numbers where they look like numbers; a|b is one list (e.g. categories).
参数 parameters: the rule kind's parameters, or needs.<key>.<field> for one need
(field: categories, max_minutes, max_distance_m)."""


def _sensitivity_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sens = commands.add_parser(
        "sensitivity",
        help="a rule's headline as one parameter varies / 规则标题数字对参数的敏感性",
        description="敏感性：按一个参数的不同取值重算规则——达标单位数、居民覆盖率、全市计数与目标。\n"
        "A rule evaluated again at each value of one parameter: units passing, residents "
        "covered, the city count against its target (the rule file's own reading first).",
        epilog=_SENSITIVITY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sens.add_argument(
        "--config",
        type=Path,
        help="study file (TOML); default: the sample / 评估配置文件（默认示例）",
    )
    sens.add_argument("--rule", required=True, help="rule id, e.g. R1 / 规则编号")
    sens.add_argument(
        "--param",
        required=True,
        help="parameter, e.g. max_minutes, max_distance_m, min_share, speed, or "
        "needs.<key>.<field> / 参数",
    )
    sens.add_argument(
        "--values", required=True, help="values, e.g. 10,12,15; a|b is a list / 取值（逗号分隔）"
    )
    sens.add_argument(
        "--out",
        type=Path,
        help="folder for sensitivity.xlsx and sensitivity.csv (optional) / 输出文件夹（可选）",
    )
    _verbosity(sens, default=False)


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


def _configure_logging(args: argparse.Namespace) -> tuple[list[logging.Handler], int, bool]:
    # The terminal shows warnings and a progress bar; run_log.txt always has the INFO lines.
    levels = {0: logging.WARNING, 1: logging.INFO}
    level = logging.ERROR if args.quiet else levels.get(args.verbose, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    # The handler decides what the terminal shows; the logger stays at INFO at least,
    # because run_study records INFO lines for the run log whatever the verbosity.
    handler.setLevel(level)
    root = logging.getLogger("facility_coverage")
    before = (list(root.handlers), root.level, root.propagate)
    root.handlers[:] = [handler]
    root.setLevel(min(level, logging.INFO))
    root.propagate = False
    return before


def _restore_logging(before: tuple[list[logging.Handler], int, bool]) -> None:
    # A caller that runs main() in-process (a notebook, a test) keeps its own logging.
    handlers, level, propagate = before
    root = logging.getLogger("facility_coverage")
    root.handlers[:] = handlers
    root.setLevel(level)  # setLevel, not .level: it clears the loggers' cached levels
    root.propagate = propagate


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
        p=args.p,
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


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: Fields of one need that change what it measures (``needs.<key>.<field>``).
_NEED_FIELDS = ("categories", "max_minutes", "max_distance_m")
_NUMERIC_ENDINGS = ("_m", "_minutes", "_share", "_count", "_value")
_CHOICES = {
    "speed": ("normal", "elderly"),
    "population": ("population", "aged_60_plus", "aged_0_3"),
}


def _scalar(text: str) -> Any:
    """A number when it looks like one (int when written without a point), else the text."""
    word = text.strip()
    if _NUMBER.fullmatch(word):
        return int(word) if word.lstrip("+-").isdigit() else float(word)
    if word.lower() in {"true", "false"}:
        return word.lower() == "true"
    return word


def parse_values(text: str) -> list[Any]:
    """``--values``: comma-separated; numbers where they look like numbers; ``a|b`` a list."""
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise ConfigError(
            f"--values {text!r}: an empty value; write the values separated by commas, "
            "e.g. --values 10,12,15 / 取值用逗号分隔，不能为空"
        )
    return [
        [_scalar(x) for x in item.split("|") if x.strip()] if "|" in item else _scalar(item)
        for item in items
    ]


def _find_rule(rule_set: Sequence[Rule], rule_id: str, path: Path) -> Rule:
    found = [r for r in rule_set if r.id.lower() == rule_id.strip().lower()]
    if not found:
        raise ConfigError(
            f"--rule {rule_id}: no such rule in {path.name}; the rules are "
            f"{', '.join(r.id for r in rule_set)} / 无此规则，可选的规则编号见上"
        )
    return found[0]


def _current(rule: Rule, param: str) -> tuple[str, Any]:
    """The field a parameter names and the rule's value of it (checks the name first)."""
    kind = KINDS[rule.kind]
    known = sorted(set(kind.required) | set(kind.defaults))
    parts = param.split(".")
    need_hint = ""
    if "needs" in known:
        keys = ", ".join(str(n.get("key")) for n in rule.params["needs"])
        need_hint = (
            f"; for one need write needs.<key>.<field> (keys: {keys}; fields: "
            f"{', '.join(_NEED_FIELDS)})"
        )
    if parts[0] not in known or (param == "needs" and need_hint):
        raise ConfigError(
            f"--param {param}: rule {rule.id} ({rule.kind}) has no such parameter; it takes "
            f"{', '.join(k for k in known if k != 'needs')}{need_hint} / 无此参数"
        )
    if len(parts) == 1:
        return param, rule.params.get(param, kind.defaults.get(param))
    try:
        with_params(rule, {param: None})  # names the rule's needs when the key is unknown
    except ConfigError as exc:
        raise ConfigError(f"--param {param}: {exc} / 无此需求或参数") from None
    if len(parts) != 3 or parts[2] not in _NEED_FIELDS:
        raise ConfigError(
            f"--param {param}: write needs.<key>.<field> with a field of "
            f"{', '.join(_NEED_FIELDS)}, e.g. needs.fresh_food.max_minutes / 需求字段有误"
        )
    need = next(n for n in rule.params["needs"] if n.get("key") == parts[1])
    return parts[2], need.get(parts[2])


def _named_categories(rule: Rule) -> list[str]:
    """Categories the rule's parameters (and its needs) already name."""
    found: list[str] = []
    for params in [rule.params, *rule.params.get("needs", [])]:
        for key in ("categories", "category"):
            value = params.get(key)
            found.extend([value] if isinstance(value, str) else list(value or []))
    return found


def _check_value(field: str, current: Any, value: Any, categories: Sequence[str]) -> Any:
    """``value`` as the parameter takes it, or a ConfigError naming what it needs."""
    if field.endswith("categories") or isinstance(current, list | tuple):
        items = [str(v) for v in (value if isinstance(value, list) else [value])]
        unknown = [c for c in items if c not in categories]
        if unknown:
            raise ConfigError(
                f"--values: {', '.join(unknown)} is not a facility category; the categories "
                f"are {', '.join(categories)} (a|b lists several) / 无此设施类别"
            )
        return items
    numeric = (isinstance(current, int | float) and not isinstance(current, bool)) or (
        field.startswith(("max_", "min_")) or field.endswith(_NUMERIC_ENDINGS)
    )
    if numeric and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ConfigError(
            f"--values: {value!r} is not a number; {field} takes numbers, e.g. "
            "--values 10,12,15 / 该参数需要数字"
        )
    if field == "category" and str(value) not in categories:
        raise ConfigError(
            f"--values: {value} is not a facility category; the categories are "
            f"{', '.join(categories)} / 无此设施类别"
        )
    if field in _CHOICES and value not in _CHOICES[field]:
        raise ConfigError(
            f"--values: {value!r} is not a value of {field}; it takes "
            f"{', '.join(_CHOICES[field])} / 取值有误"
        )
    if isinstance(current, bool) and not isinstance(value, bool):
        raise ConfigError(
            f"--values: {field} takes true or false, not {value!r} / 取值为true或false"
        )
    return value


def _value_text(value: Any) -> str:
    return "|".join(map(str, value)) if isinstance(value, list) else str(value)


def _sensitivity(args: argparse.Namespace) -> int:
    """``facility-coverage sensitivity``: check the rule, the parameter and the values, then run."""
    try:
        study = load_study(args.config if args.config is not None else sample.sample_study_path())
        rules_path = study.rules_path or default_rules_path()
        rule = _find_rule(load_rules(rules_path), args.rule, rules_path)
        field, current = _current(rule, args.param)
        # the category table's keys, and any the rule already names (its file may be ahead)
        categories = [*load_categories(study.categories_path).keys, *_named_categories(rule)]
        values = [_check_value(field, current, v, categories) for v in parse_values(args.values)]
        result = analysis.run_study(study, progress=not args.quiet)
        table = result.sensitivity(rule.id, args.param, values)
        proxies = sensitivity_out.proxy_rules(result)
        written = []
        if args.out is not None:
            written = sensitivity_out.write_sensitivity_outputs(
                table, args.out, proxies=proxies, synthetic=study.synthetic
            )
    except FacilityCoverageError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        if study.synthetic:
            print("*** 示例数据 SAMPLE: synthetic data, not real facilities ***")
        title = f"敏感性 sensitivity: {args.param}"
        # each row is named by its value (the title names the parameter)
        labels = ["规则文件原文 as written", *(_value_text(v) for v in values)]
        table = table.assign(reading_zh=labels)
        print(
            "\n".join(
                sensitivity_out.terminal_block(table, result.rules, proxies=proxies, title=title)
            )
        )
        if written:
            print(f"\n输出 outputs: {args.out.resolve()}")
            for path in written:
                print(f"  {path.name}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    before = _configure_logging(args)
    try:
        return _main(args)
    finally:
        _restore_logging(before)


def _main(args: argparse.Namespace) -> int:
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        print(
            f"错误 error: --out {args.out} is a file, not a folder; name a folder for the outputs "
            "/ 请指定输出文件夹",
            file=sys.stderr,
        )
        return 2
    if args.command == "sensitivity":
        return _sensitivity(args)
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
