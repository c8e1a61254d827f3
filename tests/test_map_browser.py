"""The coverage map in a real browser: headless Chromium with no network at all.

Needs the Debian packages chromium and chromium-driver (``apt-get install -y
chromium chromium-driver``; fonts-noto-cjk for readable Chinese in the
screenshot). Skipped when /usr/bin/chromium is missing. The load time is
printed (``pytest -s``), never asserted.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from facility_coverage.analysis import StudyResult
from facility_coverage.present import maps

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
        "--window-size=1280,900",
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
    # 4 communities + 2 streets drawn; the facilities of R1's categories drawn as circles
    # (gap layers and the other facilities start hidden).
    assert state["polygons"] >= 6
    r1_categories = {"convenience_store", "pharmacy"}  # of R1's, those the fixture measured
    assert state["circles"] == int(result.facilities["category"].isin(r1_categories).sum())
    # Nothing left the file: no CDN, no tiles, no fonts.
    external = [u for u in state["resources"] if not u.startswith(("file:", "data:"))]
    assert external == []
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert shot.stat().st_size > 10_000


def test_gap_layer_toggles_on(driver: Any, tmp_path: Path, small_result: StudyResult) -> None:
    result = small_result
    path = maps.save_map(
        maps.coverage_map(result, categories={"pharmacy": 1200.0}), tmp_path / "map.html"
    )
    driver.get(path.resolve().as_uri())
    before = _wait_ready(driver)
    gaps = int((result.distances["pharmacy"] > 1200.0).sum())
    pharmacies = int((result.facilities["category"] == "pharmacy").sum())
    # A single gap layer is shown from the start, with the pharmacies.
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
