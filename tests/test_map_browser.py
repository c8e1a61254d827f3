"""The coverage map in a real browser: headless Chromium with no network at all.

Needs the Debian packages chromium and chromium-driver (``apt-get install -y
chromium chromium-driver``; fonts-noto-cjk for readable Chinese in the
screenshot). Skipped when /usr/bin/chromium is missing. The load time is
printed (``pytest -s``), never asserted.

The hover and popup test saves its screenshots in its temporary folder; with
``FC_UPDATE_SCREENSHOTS=1`` it writes them to docs/map_hover.png and
docs/map_popup.png (the README shows them).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from facility_coverage import analysis, sample
from facility_coverage.analysis import StudyResult
from facility_coverage.present import maps

DOCS = Path(__file__).resolve().parents[1] / "docs"

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() or not Path(CHROMEDRIVER).exists(),
        reason="headless browser test needs /usr/bin/chromium and chromedriver "
        "(apt-get install -y chromium chromium-driver)",
    ),
]


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1400,1000",
        # No network: every proxied request goes to a closed port, every name fails.
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


_READY_JS = """
const names = Object.keys(window).filter(k => k.startsWith('map_'));
if (!window.L || names.length === 0) { return null; }
const map = window[names[0]];
const layers = Object.values(map._layers);
return {
    leaflet: L.version,
    nLayers: layers.length,
    circles: layers.filter(l => l instanceof L.CircleMarker).length,
    polygons: layers.filter(l => l instanceof L.Polygon).length,
    overlays: Array.from(document.querySelectorAll(
        '.leaflet-control-layers-overlays label span span, .leaflet-control-layers-overlays label span'
    )).map(e => e.textContent.trim()),
    legend: document.getElementById('fc-legend') ? document.getElementById('fc-legend').innerText : '',
    title: document.getElementById('fc-title') ? document.getElementById('fc-title').innerText : '',
    resources: performance.getEntriesByType('resource').map(e => e.name),
    navigation: performance.getEntriesByType('navigation').map(e => e.duration)[0],
};
"""


def _wait_ready(drv: Any, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = drv.execute_script(_READY_JS)
        if state and state["nLayers"] > 0 and state["overlays"]:
            return state  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("Leaflet and the map layers did not load within the timeout")


def test_offline_map_renders_without_network(
    driver: Any, tmp_path: Path, small_result: StudyResult
) -> None:
    result = small_result
    path = maps.save_map(maps.coverage_map(result), tmp_path / "map.html")
    size_kb = path.stat().st_size / 1024

    started = time.perf_counter()
    driver.get(path.resolve().as_uri())
    state = _wait_ready(driver)
    elapsed = time.perf_counter() - started
    shot = tmp_path / "map.png"
    driver.save_screenshot(str(shot))
    print(
        f"\nmap {size_kb:.0f} kB loaded in {elapsed:.2f} s "
        f"(navigation {state['navigation']:.0f} ms); screenshot {shot}"
    )

    assert state["leaflet"] == "1.9.4"
    overlays = " | ".join(state["overlays"])
    for name in (
        "社区 R1 结果 · Communities",
        "街道 R1 结果 · Streets",
        "缺口：便利店（>400 m）· Gap: Convenience store",
        "设施：便利店 · Facilities: Convenience store",
    ):
        assert name in overlays
    assert "规则 R1：一刻钟便民生活圈" in state["legend"]
    assert "Rule R1: 15-minute convenience circle" in state["legend"]
    assert "示例数据 SAMPLE" in state["title"]
    # 4 communities + 2 streets drawn; the facilities of R1's categories drawn as circles,
    # with the gaps of the categories R1 fails for (in C2 and C3); the other facilities
    # start hidden.
    assert state["polygons"] >= 6
    limits = {"convenience_store": 400.0, "pharmacy": 640.0}  # R1's tiers, measured here
    failing = result.residents["community_id"].isin(["C2", "C3"])
    shown_gaps = [
        int((result.distances[c] > m).sum())
        for c, m in limits.items()
        if ((result.distances[c] > m) & failing).any()
    ]
    facilities = int(result.facilities["category"].isin(list(limits)).sum())
    assert state["circles"] == facilities + sum(shown_gaps)
    # Nothing left the file: no CDN, no tiles, no fonts.
    external = [u for u in state["resources"] if not u.startswith(("file:", "data:"))]
    assert external == []
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert shot.stat().st_size > 10_000


def test_gap_layer_toggles(driver: Any, tmp_path: Path, small_result: StudyResult) -> None:
    result = small_result
    path = maps.save_map(
        maps.coverage_map(result, rule_id=None, categories={"pharmacy": 1200.0}),
        tmp_path / "map.html",
    )
    driver.get(path.resolve().as_uri())
    before = _wait_ready(driver)
    gaps = int((result.distances["pharmacy"] > 1200.0).sum())
    pharmacies = int((result.facilities["category"] == "pharmacy").sum())
    # Without a rule, a single gap layer is shown from the start, with the pharmacies.
    assert gaps > 0
    assert before["circles"] == pharmacies + gaps
    label = driver.execute_script(
        """
        const spans = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'));
        const gap = spans.find(l => l.textContent.includes('Gap: Pharmacy'));
        gap.querySelector('input').click();
        return gap.textContent;
        """
    )
    assert "缺口：药店" in label
    after = driver.execute_script(_READY_JS)
    assert after["circles"] == pharmacies


def test_a_click_on_a_gap_dot_opens_its_community(
    driver: Any, tmp_path: Path, small_result: StudyResult
) -> None:
    result = small_result
    path = maps.save_map(maps.coverage_map(result), tmp_path / "map.html")
    driver.get(path.resolve().as_uri())
    _wait_ready(driver)
    # A pharmacy gap of a failing 社区 (R1 fails in C2 and C3): its dot is shown.
    beyond = (result.distances["pharmacy"] > 640.0) & result.residents["community_id"].isin(
        ["C2", "C3"]
    )
    assert beyond.any()
    res = result.residents[beyond].to_crs(4326).iloc[0]
    name = str(result.communities.loc[res["community_id"], "community_name"])
    x, y = driver.execute_script(_POINT_JS, res.geometry.y, res.geometry.x)
    _move(driver, x, y, click=True)
    time.sleep(0.5)
    pop = driver.execute_script(_BOX_JS, ".leaflet-popup")
    assert pop is not None
    assert pop["text"].startswith(name)
    assert _inside_viewport(pop)


def test_clustered_facilities_draw_without_errors(
    driver: Any, tmp_path: Path, small_result: StudyResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maps, "CLUSTER_ABOVE", 0)
    path = maps.save_map(maps.coverage_map(small_result), tmp_path / "map.html")
    driver.get(path.resolve().as_uri())
    _wait_ready(driver)
    state = driver.execute_script(
        """
        const map = window[Object.keys(window).find(k => k.startsWith('map_'))];
        const groups = Object.values(map._layers).filter(l => l instanceof L.MarkerClusterGroup);
        const total = groups.reduce((n, g) => n + g.getLayers().length, 0);
        map.setZoom(12, {animate: false});
        const clusters = document.querySelectorAll('.fc-cluster').length;
        map.setZoom(17, {animate: false});
        return {groups: groups.length, total: total, clusters: clusters};
        """
    )
    facilities = int(
        small_result.facilities["category"].isin(["convenience_store", "pharmacy"]).sum()
    )
    assert state["groups"] >= 2
    assert state["total"] == facilities
    assert state["clusters"] >= 1  # zoomed out, the facilities are grouped
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


@pytest.fixture(scope="module")
def sample_result() -> StudyResult:
    return analysis.run_study(sample.sample_study_path())


def _free_point(result: StudyResult) -> tuple[str, str, float, float]:
    """A 社区 and a point inside it (lat, lon) farthest from every facility and resident dot.

    Resident and facility points are the only markers drawn over the 社区, so the
    pointer there meets the 社区 itself.
    """
    comm = result.communities.to_crs(4326)
    dots = np.concatenate(
        [
            shapely.get_coordinates(result.facilities.to_crs(4326).geometry.to_numpy()),
            shapely.get_coordinates(result.residents.to_crs(4326).geometry.to_numpy()),
        ]
    )
    best: tuple[float, str, str, float, float] | None = None
    for cid, name, geom in zip(
        comm["community_id"], comm["community_name"], comm.geometry, strict=True
    ):
        minx, miny, maxx, maxy = geom.bounds
        xs, ys = np.meshgrid(np.linspace(minx, maxx, 15), np.linspace(miny, maxy, 15))
        cand = shapely.points(xs.ravel(), ys.ravel())
        cand = cand[shapely.contains(geom.buffer(-0.0003), cand)]
        for pt in cand:
            gap = float(np.min(np.hypot(dots[:, 0] - pt.x, dots[:, 1] - pt.y)))
            if best is None or gap > best[0]:
                best = (gap, str(cid), str(name), pt.y, pt.x)
    assert best is not None
    return best[1], best[2], best[3], best[4]


_POINT_JS = """
const map = window[Object.keys(window).find(k => k.startsWith('map_'))];
const p = map.latLngToContainerPoint([arguments[0], arguments[1]]);
const r = map.getContainer().getBoundingClientRect();
return [Math.round(p.x + r.left), Math.round(p.y + r.top)];
"""

_BOX_JS = """
const el = document.querySelector(arguments[0]);
if (!el) { return null; }
const b = el.getBoundingClientRect();
return {left: b.left, top: b.top, right: b.right, bottom: b.bottom, width: b.width,
        text: el.innerText, vw: window.innerWidth, vh: window.innerHeight};
"""


def _move(drv: Any, x: int, y: int, *, click: bool = False) -> None:
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    action = ActionBuilder(drv)
    action.pointer_action.move_to_location(x, y)
    if click:
        action.pointer_action.click()
    action.perform()


def _inside_viewport(box: dict[str, Any]) -> bool:
    return bool(
        box["left"] >= 0
        and box["top"] >= 0
        and box["right"] <= box["vw"]
        and box["bottom"] <= box["vh"]
    )


def test_hover_and_click_a_community(
    driver: Any, tmp_path: Path, sample_result: StudyResult
) -> None:
    result = sample_result
    cid, name, lat, lon = _free_point(result)
    street = str(result.communities.set_index("community_id").loc[cid, "street_name"])
    path = maps.save_map(maps.coverage_map(result), tmp_path / "map.html")
    size_mb = path.stat().st_size / 1e6
    started = time.perf_counter()
    driver.get(path.resolve().as_uri())
    state = _wait_ready(driver)
    print(f"\nsample map {size_mb:.2f} MB loaded in {time.perf_counter() - started:.2f} s")
    shots = DOCS if os.environ.get("FC_UPDATE_SCREENSHOTS") == "1" else tmp_path

    # Nothing covers the 社区 at the point: not the side panel, not the layer control.
    x, y = driver.execute_script(_POINT_JS, lat, lon)
    for panel in ("#fc-side", ".leaflet-control-layers"):
        b = driver.execute_script(_BOX_JS, panel)
        assert not (b["left"] <= x <= b["right"] and b["top"] <= y <= b["bottom"]), panel
    _move(driver, x, y)
    time.sleep(0.4)
    tip = driver.execute_script(_BOX_JS, ".leaflet-tooltip")
    assert tip is not None
    assert tip["text"].startswith(name)  # the 社区's own tooltip, not its 街道's
    assert f"街道：{street}" in tip["text"]
    assert "R1 一刻钟便民生活圈" in tip["text"] and "目标" in tip["text"]
    assert tip["width"] <= 430
    assert _inside_viewport(tip)
    driver.save_screenshot(str(shots / "map_hover.png"))

    # Click: the popup lists every rule the 社区 is judged by, inside the viewport.
    _move(driver, x, y, click=True)
    time.sleep(0.6)
    pop = driver.execute_script(_BOX_JS, ".leaflet-popup")
    assert pop is not None
    table = result.rule_results
    judged = table[(table["level"] == "community") & (table["unit_id"].astype(str) == cid)]
    assert not judged.empty
    rows = driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-popup tr[class^=fc-row] b'))"
        ".map(b => b.textContent);"
    )
    street_id = str(result.communities.set_index("community_id").loc[cid, "street_id"])
    street_rules = table[(table["level"] == "street") & (table["unit_id"].astype(str) == street_id)]
    assert rows == judged["rule_id"].tolist() + street_rules["rule_id"].tolist()
    for rule_name in judged["rule_name_zh"]:
        assert rule_name in pop["text"]
    assert name in pop["text"] and "未达标" in pop["text"] + "达标"
    assert pop["width"] <= 470
    assert _inside_viewport(pop)
    side = driver.execute_script(_BOX_JS, "#fc-side")
    assert pop["left"] >= side["right"]  # panned clear of the side panel
    content = driver.execute_script(_BOX_JS, ".leaflet-popup-content")
    assert content["bottom"] - content["top"] <= 400  # scrolls instead of growing
    driver.save_screenshot(str(shots / "map_popup.png"))

    # Failing categories' gap layers are switched on in the layer control at load.
    checked = driver.execute_script(
        """
        return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
            .map(l => [l.textContent.trim(), l.querySelector('input').checked]);
        """
    )
    gap_boxes = {text: on for text, on in checked if text.startswith("缺口：")}
    r1 = table[(table["rule_id"] == "R1") & (table["level"] == "community")]
    failed = set(r1.loc[r1["passed"].eq(False).fillna(False), "unit_id"].astype(str))
    in_failed = result.residents["community_id"].astype(str).isin(failed)
    info = maps.rule_info(result, "R1")
    names = maps.category_names(result)
    for cat, limit in maps.gap_thresholds(result, None, info).items():
        beyond = result.distances[cat] > limit
        if not beyond.any():
            continue
        label = next(t for t in gap_boxes if t.startswith(f"缺口：{names[cat][0]}（"))
        assert gap_boxes[label] == bool((beyond & in_failed).any()), label
    assert any(gap_boxes.values())

    # Near the bottom-right corner the tooltip flips to the left of the pointer and is
    # moved up: it stays in the viewport.
    driver.execute_script(
        "document.querySelector('.leaflet-popup-close-button').click();"
        "document.querySelector('.leaflet-control-layers').classList.remove("
        "'leaflet-control-layers-expanded');"
    )
    vw, vh = driver.execute_script("return [window.innerWidth, window.innerHeight];")
    x, y = driver.execute_script(_POINT_JS, lat, lon)  # the popup panned the map
    driver.execute_script(
        """
        const map = window[Object.keys(window).find(k => k.startsWith('map_'))];
        map.panBy([arguments[0], arguments[1]], {animate: false});
        """,
        x - (vw - 150),
        y - (vh - 12),
    )
    x2, y2 = driver.execute_script(_POINT_JS, lat, lon)
    assert x2 > vw - 170 and y2 > vh - 30
    _move(driver, x2 - 5, y2 - 3)
    _move(driver, x2, y2)
    time.sleep(0.4)
    tip = driver.execute_script(_BOX_JS, ".leaflet-tooltip")
    assert tip is not None and tip["text"].startswith(name)
    assert _inside_viewport(tip)
    assert tip["right"] <= x2  # drawn on the pointer's left
    height = tip["bottom"] - tip["top"]
    assert tip["top"] < y2 - height / 2 - 5  # moved up from its place centred on the pointer
    driver.save_screenshot(str(tmp_path / "corner.png"))

    # The legend folds away to its button (Chinese first) and opens again.
    toggled = driver.execute_script(
        """
        const legend = document.getElementById('fc-legend');
        const button = legend.querySelector('.fc-toggle');
        const open = legend.getBoundingClientRect().height;
        button.click();
        const folded = [legend.getBoundingClientRect().height, button.textContent];
        button.click();
        return [open, folded[0], folded[1], button.textContent];
        """
    )
    assert toggled[1] < 40 < toggled[0]
    assert toggled[2].startswith("图例") and toggled[3].startswith("收起")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert state["leaflet"] == "1.9.4"
