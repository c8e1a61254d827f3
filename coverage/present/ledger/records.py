"""设施清单 and 未使用记录: every facility the study counted, and every input row it did not.

未使用记录 (also ``read_report.csv``) gathers what the readers reported: rows
not read or not classified, duplicates merged into another record, facilities
outside the study area, points too far from the walking network, and what the
boundary readers repaired or assumed, each with the file and row it came from.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import pandas as pd

from ...analysis import StudyResult
from ...io.facilities import id_prefix
from ...io.issues import ACTION_WORDS_ZH, ISSUE_WORDS_ZH

READ_REPORT_COLUMNS = (
    "序号",
    "类别",
    "文件",
    "行号",
    "编号",
    "名称",
    "问题",
    "问题代码 issue",
    "处理",
    "说明 detail",
)

#: The read report's columns, by the name each has in a reader's issue report.
_ISSUE_COLUMNS = {
    "行号": "row",
    "编号": "id",
    "名称": "name",
    "issue": "issue",
    "action": "action",
    "detail": "detail",
}

_STEM_ROW = re.compile(r"^(?P<stem>.+)-(?P<row>\d+)$")


def _origin(facility_id: str, result: StudyResult) -> tuple[str, Any]:
    """The source file and row of a facility id (``<file stem>-<row>`` or ``osm-n123``).

    Only ids the readers made themselves are traced; an id from the planner's own
    id column names no file (blank), rather than a guessed one.
    """
    sources = [src for src in result.study.facilities if "facility_id" not in src.columns]
    if facility_id.startswith(("osm-n", "osm-w")):
        osm = [s.path.name for s in sources if s.kind == "osm"]
        kind = "node" if facility_id.startswith("osm-n") else "way"
        return (osm[0] if len(osm) == 1 else "OSM"), f"{kind} {facility_id[5:]}"
    match = _STEM_ROW.match(facility_id)
    if match:
        found = [s.path.name for s in sources if id_prefix(s.path) == match.group("stem")]
        if len(found) == 1:
            return found[0], int(match.group("row"))
    return "", None


def read_report(result: StudyResult) -> pd.DataFrame:
    """Every input row the study did not use as read, with its reason, file and row."""
    parts: list[pd.DataFrame] = []
    rep = result.reports

    def add(kind: str, frame: pd.DataFrame | None, **columns: Any) -> None:
        if frame is None or frame.empty:
            return
        out = pd.DataFrame({"类别": kind}, index=frame.index)
        for name, value in columns.items():
            out[name] = value(frame) if callable(value) else value
        parts.append(out)

    def col(name: str) -> Any:
        return lambda f: f[name] if name in f.columns else None

    def add_issues(kind: str, frame: pd.DataFrame | None, file_column: str = "file") -> None:
        """A reader's issue report (``io.issues.REPORT_COLUMNS`` and its file column)."""
        add(
            kind,
            frame,
            文件=col(file_column),
            **{key: col(name) for key, name in _ISSUE_COLUMNS.items()},
        )

    add_issues("设施未使用", rep.get("facilities_not_used"))
    merges = rep.get("facility_merges")
    if merges is not None and not merges.empty:
        origins = [_origin(str(i), result) for i in merges["dropped_id"]]
        add(
            "重复合并",
            merges,
            文件=[o[0] for o in origins],
            行号=[o[1] for o in origins],
            编号=merges["dropped_id"],
            名称=merges["dropped_name"],
            issue="duplicate",
            action="merged",
            detail=[
                f"same category within {d:.0f} m, name similarity {s:.2f}: merged into "
                f"{k} ({n}) / 同类设施相距{d:.0f}米、名称相似，并入 {k}（{n}）"
                for d, s, k, n in zip(
                    merges["distance_m"],
                    merges["similarity"],
                    merges["kept_id"],
                    merges["kept_name"],
                    strict=True,
                )
            ],
        )
    add_issues("研究区外", rep.get("facilities_outside"))
    unsnapped = rep.get("unsnapped")
    if unsnapped is not None and not unsnapped.empty:
        add(
            "未接入路网",
            unsnapped,
            文件=unsnapped["layer"],
            编号=unsnapped["id"],
            issue="unsnapped",
            action="dropped",
            detail=[
                f"{d:,.0f} m from the nearest walkable street / 距最近步行道路{d:,.0f}米"
                for d in unsnapped["distance_m"]
            ],
        )
    add_issues("边界读取", rep.get("units_read"), file_column="layer")
    overlaps = rep.get("overlapping_units")
    if overlaps is not None and not overlaps.empty:
        layer = {
            "community": result.study.communities.path.name,
            "street": result.study.streets.path.name,
        }
        add(
            "边界重叠",
            overlaps,
            文件=[layer.get(str(lv), str(lv)) for lv in overlaps["level"]],
            编号=[f"{a} / {b}" for a, b in zip(overlaps["id_a"], overlaps["id_b"], strict=True)],
            名称=[
                f"{a} / {b}" for a, b in zip(overlaps["name_a"], overlaps["name_b"], strict=True)
            ],
            issue="overlap",
            action="reported",
            detail=overlaps["detail"],
        )
    near = rep.get("near_dropped_network")
    if near is not None and not near.empty:
        names = result.communities.set_index("community_id")["community_name"]
        network_file = result.study.network.path.name if result.study.network.path else ""
        add(
            "路网断开",
            near,
            文件=network_file,
            编号=near["community_id"],
            名称=near["community_id"].map(names),
            issue="near_dropped_network",
            action="reported",
            detail=[
                f"{int(p)} resident point(s) ({r:,.0f} residents) lie nearer a piece of the "
                f"network left out as unconnected (median {d:,.0f} m) than the network they "
                f"walk on (median {n:,.0f} m): their walks may be too long; join those streets "
                f"/ {int(p)}个居民点距未连入路网的道路更近（中位{d:,.0f}米，路网{n:,.0f}米）"
                for p, r, d, n in zip(
                    near["points"],
                    near["residents"],
                    near["median_dropped_m"],
                    near["median_network_m"],
                    strict=True,
                )
            ],
        )
    if not parts:
        return pd.DataFrame(columns=list(READ_REPORT_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    for name in ("文件", "行号", "编号", "名称", "issue", "action", "detail"):
        if name not in out.columns:
            out[name] = None
    issue = out["issue"].astype("string")
    action = out["action"].astype("string")
    table = pd.DataFrame(
        {
            "序号": range(1, len(out) + 1),
            "类别": out["类别"],
            "文件": out["文件"],
            "行号": out["行号"].astype("string"),
            "编号": out["编号"],
            "名称": out["名称"],
            "问题": issue.map(lambda v: ISSUE_WORDS_ZH.get(str(v), v)),
            "问题代码 issue": issue,
            "处理": action.map(lambda v: ACTION_WORDS_ZH.get(str(v), v)),
            "说明 detail": out["detail"],
        }
    )
    return table[list(READ_REPORT_COLUMNS)]


FACILITY_HEADERS = (
    "序号",
    "设施编号",
    "名称",
    "类别",
    "类别代码",
    "分类依据",
    "来源文件",
    "行号",
    "所在社区",
    "所在街道（乡镇）",
    "经度",
    "纬度",
    "床位",
    "护理型床位",
    "托位",
    "建筑面积（㎡）",
    "合并的重复记录",
)

_CLASSIFIED_BY = {
    "amap_code": "高德类型码",
    "keyword": "名称关键词",
    "osm_tag": "OSM标签",
    "column": "类别列",
    "category_column": "类别列",
}


def facility_rows(result: StudyResult) -> list[list[Any]]:
    """设施清单: every facility used, how it was classified and what was merged into it."""
    fac = result.facilities
    names = {c.key: c.name_zh for c in result.categories}
    merges = result.reports.get("facility_merges")
    merged: dict[str, list[str]] = {}
    if merges is not None:
        for rec in merges.itertuples(index=False):
            merged.setdefault(str(rec.kept_id), []).append(f"{rec.dropped_id} {rec.dropped_name}")
    where = gpd.sjoin(
        fac[["geometry"]],
        result.communities[["community_name", "street_name", "geometry"]],
        how="left",
        predicate="within",
    )
    where = where[~where.index.duplicated()]
    lonlat = fac.geometry.to_crs(4326)
    rows: list[list[Any]] = []
    for n, (fid, rec) in enumerate(fac.iterrows(), start=1):
        file, row = _origin(str(rec["facility_id"]), result)
        by = _CLASSIFIED_BY.get(str(rec.get("classified_by")), rec.get("classified_by"))
        on = rec.get("classified_on")
        rows.append(
            [
                n,
                rec["facility_id"],
                rec.get("name"),
                names.get(str(rec["category"]), rec["category"]),
                rec["category"],
                f"{by}：{on}" if pd.notna(on) and on else by,
                file or rec.get("source"),
                row,
                where.loc[fid, "community_name"],
                where.loc[fid, "street_name"],
                round(float(lonlat.loc[fid].x), 6),
                round(float(lonlat.loc[fid].y), 6),
                rec.get("beds"),
                rec.get("nursing_beds"),
                rec.get("childcare_places"),
                rec.get("floor_area_m2"),
                "；".join(merged.get(str(rec["facility_id"]), [])) or None,
            ]
        )
    return rows
