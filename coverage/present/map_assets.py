"""Page pieces of the coverage maps: vendored Leaflet inlined, and small Leaflet elements.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs (the
``default_js``/``default_css`` lists of ``folium.Map``). The coverage maps need
none but Leaflet: the lists are emptied on the map instance and Leaflet's
JavaScript and CSS (``coverage/assets/leaflet``, BSD-2-Clause) are written
into the page head instead, with the CSS images as data URIs.

Leaflet.markercluster (``coverage/assets/markercluster``, MIT) is inlined the
same way, for the facility layers that cluster at low zoom.

The elements (compact point layers, 社区/街道 layers with their tooltips and
popups built in the browser from compact rows, labels, the side panel, a metric
scale, a fit to bounds that leaves the panels free) write a few lines of
JavaScript each, instead of one folium element per point.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Environment, Template
from markupsafe import Markup

_ASSETS = "assets"
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_IMAGE = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


def _asset_bytes(*parts: str) -> bytes:
    node = resources.files(__package__ or "facility_coverage").joinpath(_ASSETS)
    for part in parts:
        node = node.joinpath(part)
    return node.read_bytes()


def _script_text(*parts: str) -> str:
    text = _asset_bytes(*parts).decode("utf-8")
    return _SOURCE_MAP.sub("", text).replace("</script", "<\\/script")


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, without its source-map comment."""
    return _script_text("leaflet", "leaflet.js")


@functools.cache
def markercluster_js() -> str:
    """Leaflet.markercluster's minified JavaScript, without its source-map comment."""
    return _script_text("markercluster", "leaflet.markercluster.js")


@functools.cache
def markercluster_css() -> str:
    """Leaflet.markercluster's two style sheets."""
    return "\n".join(
        _asset_bytes("markercluster", name).decode("utf-8")
        for name in ("MarkerCluster.css", "MarkerCluster.Default.css")
    )


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its ``url(images/...)`` references turned into data URIs."""
    text = _asset_bytes("leaflet", "leaflet.css").decode("utf-8")

    def _data_uri(match: re.Match[str]) -> str:
        data = base64.b64encode(_asset_bytes("leaflet", *match.group(1).split("/"))).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_IMAGE.sub(_data_uri, text)


def js_json(value: Any) -> Markup:
    r"""``value`` as compact JSON for a script: UTF-8 text, no spaces, ``</`` escaped.

    Jinja's ``tojson`` writes every Chinese character as a 6-byte ``\uXXXX``
    escape and a space after each separator: twice the size for the 社区 names
    and reasons of a city-size map.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


class _Environment(Environment):
    """folium's template environment with the ``js_json`` filter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.filters["js_json"] = js_json


class FcTemplate(Template):
    """A folium template that also knows ``js_json``."""

    environment_class = _Environment


class RawHTML(Element):
    """Text written into the page as is.

    ``branca.Element`` would parse it as a Jinja template: slow for 150 kB of
    JavaScript, and wrong if ``{#`` or ``{{`` occurs inside it.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: object) -> str:
        """Return the text unchanged."""
        return self.text


#: Where the online maps load Leaflet and Leaflet.markercluster from.
CDN_JS = [
    ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"),
    (
        "markercluster",
        "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js",
    ),
]
CDN_CSS = [
    ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"),
    (
        "markercluster_css",
        "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css",
    ),
    (
        "markercluster_default_css",
        "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
    ),
]


def inline_leaflet(m: folium.Map) -> None:
    """Replace the CDN links of ``m`` with inlined Leaflet and Leaflet.markercluster.

    Only this map instance is changed (folium's class-level lists stay as they are).
    The map must not use folium features that need jQuery, Bootstrap or Font Awesome
    (HTML popups built from elements, awesome-marker icons).
    """
    m.default_js = []
    m.default_css = []
    header = m.get_root().header  # type: ignore[attr-defined]
    header.add_child(
        RawHTML(
            "<!-- Leaflet 1.9.4, (c) Volodymyr Agafonkin, BSD-2-Clause; "
            "Leaflet.markercluster 1.5.3, (c) Dave Leaver, MIT -->"
        ),
        name="leaflet_licence",
    )
    header.add_child(RawHTML(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
    header.add_child(RawHTML(f"<style>{markercluster_css()}</style>"), name="markercluster_css")
    header.add_child(RawHTML(f"<script>{leaflet_js()}</script>"), name="leaflet")
    header.add_child(RawHTML(f"<script>{markercluster_js()}</script>"), name="markercluster")


def link_cdn(m: folium.Map) -> None:
    """Link Leaflet and Leaflet.markercluster from the CDN (and nothing else folium links)."""
    m.default_js = list(CDN_JS)
    m.default_css = list(CDN_CSS)


class PointLayer(folium.FeatureGroup):
    """A toggleable layer of circle markers drawn from compact rows in one script.

    ``rows`` are ``[lat, lon, radius, ...]``; ``tooltip_js`` is a JavaScript
    function ``(row, labels) -> html`` (``labels`` is a list of pre-escaped strings
    rows can index into). Far smaller than one folium element per point.

    With ``cluster`` the markers are grouped by Leaflet.markercluster below
    ``CLUSTER_UNTIL_ZOOM`` (one circle with the count per crowded spot, coloured
    like the layer) and drawn one by one from that zoom on.
    """

    _template = FcTemplate(
        """
        {% macro script(this, kwargs) %}
        {% if this.cluster %}
        var {{ this.get_name() }} = L.markerClusterGroup({
            animate: false, chunkedLoading: true, showCoverageOnHover: false,
            spiderfyOnMaxZoom: false, maxClusterRadius: 80,
            disableClusteringAtZoom: {{ this.cluster_until }},
            iconCreateFunction: function (c) {
                var n = c.getChildCount();
                var size = n < 10 ? 26 : (n < 100 ? 32 : 40);
                return L.divIcon({
                    html: '<div style="background:{{ this.style.fillColor }}">' + n + '</div>',
                    className: 'fc-cluster', iconSize: L.point(size, size)
                });
            }
        });
        {% else %}
        var {{ this.get_name() }} = L.featureGroup({{ this.options|tojavascript }});
        {% endif %}
        (function (group) {
            var rows = {{ this.rows|js_json }};
            var labels = {{ this.labels|js_json }};
            var style = {{ this.style|js_json }};
            var tip = {{ this.tooltip_js }};
            var markers = [];
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                var o = Object.assign({}, style, {radius: r[2]});
                if (style.colorIndex !== undefined) { o.fillColor = labels[r[style.colorIndex]]; }
                markers.push(L.circleMarker([r[0], r[1]], o).bindTooltip(
                    tip(r, labels), {sticky: true, className: 'fc-tip'}).on('click', fcOpenUnitAt));
            }
            {% if this.cluster %}group.addLayers(markers);{% else %}
            for (var k = 0; k < markers.length; k++) { markers[k].addTo(group); }{% endif %}
        })({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        name: str,
        rows: list[list[Any]],
        *,
        style: Mapping[str, Any],
        tooltip_js: str,
        labels: Sequence[str] = (),
        show: bool = True,
        cluster: bool = False,
        grid_m: float = 0.0,
    ) -> None:
        super().__init__(name=name, show=show)
        self.grid_m = grid_m
        self.rows = rows
        self.style = dict(style)
        self.tooltip_js = tooltip_js
        self.labels = list(labels)
        self.cluster = cluster
        self.cluster_until = CLUSTER_UNTIL_ZOOM


#: Zoom from which clustered facility layers draw every facility on its own.
CLUSTER_UNTIL_ZOOM = 16


class UnitLayer(folium.FeatureGroup):
    """社区 or 街道 polygons (GeoJSON with a style per feature), tooltips and popups.

    With ``interactive`` each polygon gets a short sticky tooltip (name, 街道, the
    shown rule's value, target and outcome) and, on click, a popup listing every
    rule judged for it (and for its 街道), both built in the browser from the
    feature's compact ``rows`` and the shared ``context`` (``fcUnitTip`` and
    ``fcUnitPopup`` in ``UNIT_JS``). Without it the polygons are outlines that
    never take the pointer, so the layers below stay hoverable.
    """

    _template = FcTemplate(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson(null, {
            interactive: {{ this.interactive|tojson }},
            style: function (f) { return f.properties.style; }
        });
        (function (layer) {
            var data = {{ this.data|js_json }};
            var ctx = {{ this.context|js_json }};
            {% if this.interactive %}
            layer.options.onEachFeature = function (f, l) {
                l.bindTooltip(fcUnitTip(f.properties, ctx), {sticky: true, className: 'fc-tip'});
                l.on('click', function () { fcPopupPadding(l.getPopup()); });
                l.bindPopup(function () { return fcUnitPopup(f.properties, ctx); }, {
                    maxWidth: 460, minWidth: 300, maxHeight: 380, className: 'fc-pop',
                    autoPanPadding: L.point(30, 30)
                });
            };
            {% endif %}
            layer.addData(data);
            {% if this.interactive %}FC_UNIT_LAYERS.push(layer);{% endif %}
        })({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        name: str,
        data: Mapping[str, Any],
        context: Mapping[str, Any],
        *,
        interactive: bool,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, show=show)
        self.data = data
        self.context = context
        self.interactive = interactive


#: Browser-side builders of the 社区 tooltip and popup (properties are pre-escaped HTML).
UNIT_JS = """
<script>
var FC_STATUS = {pass: "达标", fail: "未达标", na: "未评估"};
var FC_UNIT_LAYERS = [];
function fcKeepTooltipInside(t) {
  // Leaflet flips a tooltip left or right of the pointer; near the top or bottom
  // edge it is moved up or down so that it stays inside the map.
  var el = t.getElement();
  if (!el || !t._map) { return; }
  el.style.marginTop = '';
  var box = el.getBoundingClientRect(), map = t._map.getContainer().getBoundingClientRect();
  var dy = 0;
  if (box.bottom > map.bottom - 4) { dy = map.bottom - 4 - box.bottom; }
  if (box.top + dy < map.top + 4) { dy = map.top + 4 - box.top; }
  if (dy) { el.style.marginTop = dy + 'px'; }
}
function fcRingHas(ring, ll) {
  var inside = false;
  for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    var a = ring[i], b = ring[j];
    if ((a.lat > ll.lat) !== (b.lat > ll.lat) &&
        ll.lng < (b.lng - a.lng) * (ll.lat - a.lat) / (b.lat - a.lat) + a.lng) {
      inside = !inside;
    }
  }
  return inside;
}
function fcPolygonHas(poly, ll) {
  if (!poly.getBounds || !poly.getBounds().contains(ll)) { return false; }
  var r = poly.getLatLngs(), parts = L.LineUtil.isFlat(r[0]) ? [r] : r;
  for (var i = 0; i < parts.length; i++) {
    if (!fcRingHas(parts[i][0], ll)) { continue; }
    var hole = false;
    for (var k = 1; k < parts[i].length; k++) { hole = hole || fcRingHas(parts[i][k], ll); }
    if (!hole) { return true; }
  }
  return false;
}
function fcOpenUnitAt(e) {
  // A click on a gap or facility dot opens the popup of the 社区 under the pointer
  // (Leaflet gives a small marker's own position as the event's latlng).
  var map = e.target._map;
  var ll = map && e.originalEvent ? map.mouseEventToLatLng(e.originalEvent) : e.latlng;
  for (var i = 0; i < FC_UNIT_LAYERS.length; i++) {
    var group = FC_UNIT_LAYERS[i], found = null;
    if (!group._map) { continue; }
    group.eachLayer(function (l) { if (!found && fcPolygonHas(l, ll)) { found = l; } });
    if (found) {
      if (e.target.closeTooltip) { e.target.closeTooltip(); }
      fcPopupPadding(found.getPopup());
      found.openPopup(ll);
      return;
    }
  }
}
function fcPopupPadding(popup) {
  // Pan popups clear of the side panel (left) and the layer control (right).
  if (!popup) { return; }
  var side = document.getElementById('fc-side');
  var ctl = document.querySelector('.leaflet-control-layers-expanded');
  var mapBox = popup._source && popup._source._map ?
    popup._source._map.getContainer().getBoundingClientRect() : null;
  var left = side ? side.getBoundingClientRect().right + 10 : 30;
  var right = ctl && mapBox ? mapBox.right - ctl.getBoundingClientRect().left + 10 : 30;
  if (mapBox && mapBox.width - left - right < 480) { right = 30; }
  if (mapBox && mapBox.width - left - right < 480) { left = 30; }
  popup.options.autoPanPaddingTopLeft = L.point(left, 20);
  popup.options.autoPanPaddingBottomRight = L.point(right, 20);
}
function fcStatus(s) {
  return '<span class="fc-st fc-st-' + s + '">' + FC_STATUS[s] + '</span>';
}
function fcStreetName(p, ctx) {
  var st = p.sid !== undefined ? ctx.streets[p.sid] : undefined;
  return st ? st.name : '';
}
function fcUnitTip(p, ctx) {
  var street = fcStreetName(p, ctx);
  var h = '<b class="fc-name">' + p.name + '</b> <span class="fc-en">' + ctx.level_zh + ' ' +
    p.unit_id + '</span>';
  if (street) { h += '<br>街道：' + street; }
  if (ctx.rule) {
    h += '<br>' + ctx.rule + (p.head_level ? '（' + p.head_level + '）' : '') + '：' +
      p.value + ' / 目标 ' + p.target + ' · ' + fcStatus(p.s);
  }
  return h + '<br><span class="fc-hint">点击查看全部规则 · click for every rule</span>';
}
function fcRuleTable(rows, ctx) {
  var h = '<table class="fc-rules"><tr><th>规则 Rule</th><th>现状 Value</th>' +
    '<th>目标 Target</th><th>结果</th></tr>';
  for (var i = 0; i < rows.length; i++) {
    var r = rows[i], rule = ctx.rules[r[0]];
    h += '<tr class="fc-row-' + r[1] + '"><td><b>' + rule[0] + '</b> ' + rule[1] + '</td><td>' +
      r[2] + '</td><td>' + r[3] + '</td><td>' + fcStatus(r[1]) + '</td></tr>';
    var zh = ctx.texts[r[4]], en = ctx.texts[r[5]];
    if (zh || en) {
      h += '<tr class="fc-reason"><td colspan="4">' + zh +
        (en ? ' <span class="fc-en">' + en + '</span>' : '') + '</td></tr>';
    }
  }
  return h + '</table>';
}
function fcUnitPopup(p, ctx) {
  var street = fcStreetName(p, ctx);
  var h = '<div class="fc-pop-head"><b class="fc-name">' + p.name + '</b> ' + ctx.level_zh +
    ' <span class="fc-en">' + p.unit_id + '</span>' +
    (street ? '<br>街道：' + street : '') + '</div>';
  h += '<div class="fc-pop-sec">' + ctx.level_zh + '的规则（' + p.rows.length + ' 条）</div>';
  h += p.rows.length ? fcRuleTable(p.rows, ctx) :
    '<div class="fc-en">本' + ctx.level_zh + '没有规则结果 · no rule results</div>';
  var st = p.sid !== undefined ? ctx.streets[p.sid] : undefined;
  if (st && st.rows.length) {
    h += '<div class="fc-pop-sec">所属街道 ' + st.name + ' 的规则（' + st.rows.length +
      ' 条）</div>' + fcRuleTable(st.rows, ctx);
  }
  return h;
}
</script>
"""


class LabelLayer(folium.FeatureGroup):
    """Text labels (e.g. 街道 names) as Leaflet div icons, readable without tiles."""

    _template = FcTemplate(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup({{ this.options|tojavascript }});
        (function (group) {
            var rows = {{ this.rows|js_json }};
            for (var i = 0; i < rows.length; i++) {
                L.marker([rows[i][0], rows[i][1]], {
                    interactive: false,
                    icon: L.divIcon({className: "fc-label", html: rows[i][2], iconSize: null})
                }).addTo(group);
            }
        })({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, name: str, rows: list[list[Any]], *, show: bool = True) -> None:
        super().__init__(name=name, show=show)
        self.rows = rows


MAP_CSS = """
<style>
.fc-box { background: rgba(255,255,255,0.94);
  border: 1px solid #888; border-radius: 4px; padding: 6px 9px; font: 12px/1.45 "Noto Sans CJK SC",
  "Microsoft YaHei", "PingFang SC", sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
#fc-side { position: fixed; z-index: 1000; top: 10px; left: 54px; width: 330px;
  max-width: calc(100vw - 120px); max-height: calc(100% - 50px); display: flex;
  flex-direction: column; gap: 6px; pointer-events: none; }
#fc-side > .fc-box { pointer-events: auto; }
#fc-title { flex: 0 0 auto; }
#fc-title .fc-study { font-size: 15px; font-weight: bold; }
#fc-legend { flex: 0 1 auto; overflow-y: auto; overflow-x: hidden; min-height: 0; }
#fc-legend.fc-collapsed { align-self: flex-start; }
#fc-legend.fc-collapsed .fc-legend-body { display: none; }
.fc-toggle { float: right; margin: 0 0 4px 6px; font: 12px "Noto Sans CJK SC", "Microsoft YaHei",
  sans-serif; cursor: pointer; border: 1px solid #888; border-radius: 3px; background: #f4f4f4;
  padding: 1px 6px; }
#fc-legend.fc-collapsed .fc-toggle { float: none; margin: 0; }
.leaflet-control-layers-expanded { max-width: 30vw; max-height: calc(100vh - 60px);
  overflow-y: auto; }
.leaflet-control-layers label { font-size: 12px; line-height: 1.35; }
.fc-sample { color: #b2182b; font-weight: bold; font-size: 14px; }
.fc-sw { display: inline-block; width: 14px; height: 11px; margin-right: 4px;
  border: 1px solid #555; vertical-align: middle; }
.fc-dot { display: inline-block; width: 10px; height: 10px; margin-right: 4px;
  border-radius: 50%; border: 1px solid #333; vertical-align: middle; }
.fc-ramp { display: inline-block; width: 120px; height: 10px; vertical-align: middle;
  background: linear-gradient(to right, #d73027, #fee08b, #1a9850); border: 1px solid #555; }
.fc-label { color: #333; font: bold 12px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  white-space: nowrap; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
.fc-en { color: #555; }
.fc-item { display: inline-block; margin-right: 6px; }
.leaflet-tooltip.fc-tip { white-space: normal; width: max-content; max-width: 420px;
  font: 13px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.fc-tip .fc-name, .fc-pop .fc-name { font-size: 14px; }
.fc-hint { color: #777; font-size: 11px; }
.fc-st { font-weight: bold; white-space: nowrap; }
.fc-st-pass { color: #1a7a40; } .fc-st-fail { color: #b2182b; } .fc-st-na { color: #666; }
.fc-pop .leaflet-popup-content { margin: 10px 12px; width: 436px !important;
  max-width: calc(100vw - 80px); font: 12px/1.45 "Noto Sans CJK SC", "Microsoft YaHei",
  "PingFang SC", sans-serif; }
.fc-pop-head { margin-bottom: 4px; }
.fc-pop-sec { margin: 6px 0 2px; font-weight: bold; color: #333; }
.fc-rules { border-collapse: collapse; width: 100%; }
.fc-rules th { text-align: left; font-weight: normal; color: #555; border-bottom: 1px solid #999; }
.fc-rules td { vertical-align: top; padding: 2px 4px 0 0; }
.fc-rules tr.fc-reason td { padding: 0 0 3px 10px; border-bottom: 1px solid #e3e3e3;
  color: #333; font-size: 11.5px; }
.fc-cluster div { border-radius: 50%; width: 100%; height: 100%; color: #fff; font: bold 12px
  sans-serif; display: flex; align-items: center; justify-content: center;
  border: 2px solid #000; box-sizing: border-box; opacity: 0.9; text-shadow: 0 0 2px #000; }
</style>
"""


class MetricScale(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` also draws miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: "bottomright"})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


class FitBounds(MacroElement):
    """Fit the view to the study area at once, leaving the side panel and layer control free.

    The padding is measured in the browser: the left side panel (title and legend,
    ``#fc-side``) and the layer control on the right; when both would leave less
    than 30 % of the map's width, only the side panel is kept free.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, bounds) {
            if (!L.Tooltip.prototype._fcInside) {  // after every placement of a tooltip
                var place = L.Tooltip.prototype._setPosition;
                L.Tooltip.prototype._setPosition = function (pos) {
                    place.call(this, pos);
                    fcKeepTooltipInside(this);
                };
                L.Tooltip.prototype._fcInside = true;
            }
            var size = map.getSize(), left = 12, right = 12;
            var side = document.getElementById('fc-side');
            if (side) { left = side.getBoundingClientRect().right + 12; }
            var ctl = document.querySelector('.leaflet-control-layers');
            if (ctl) { right = size.x - ctl.getBoundingClientRect().left + 12; }
            if (size.x - left - right < 0.3 * size.x) { right = 12; }
            if (size.x - left - right < 0.25 * size.x) { left = 12; }
            map.fitBounds(bounds, {
                paddingTopLeft: [left, 12], paddingBottomRight: [right, 36], animate: false
            });
        })({{ this._parent.get_name() }}, {{ this.bounds|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "FitBounds"
        self.bounds = bounds


class SidePanel(MacroElement):
    """The title and the collapsible legend, stacked in a fixed column on the left."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div id="fc-side">
        <div id="fc-title" class="fc-box">{{ this.title }}</div>
        <div id="fc-legend" class="fc-box"><button type="button" class="fc-toggle"
          onclick="var b=document.getElementById('fc-legend');
          var c=b.classList.toggle('fc-collapsed');
          this.textContent=c?'图例 ▸ Legend':'收起 ▾ Hide';">收起 ▾ Hide</button>
        <div class="fc-legend-body">{{ this.legend }}</div></div>
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, legend: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "FcSidePanel"
        self.title = title
        self.legend = legend
