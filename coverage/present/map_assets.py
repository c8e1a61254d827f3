"""Page pieces of the coverage maps: vendored Leaflet inlined, and small Leaflet elements.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs (the
``default_js``/``default_css`` lists of ``folium.Map``). The coverage maps need
none but Leaflet: the lists are emptied on the map instance and Leaflet's
JavaScript and CSS (``coverage/assets/leaflet``, BSD-2-Clause) are written
into the page head instead, with the CSS images as data URIs.

The elements (compact point layers, labels, boxes, a metric scale, a fit to
bounds without animation) write a few lines of JavaScript each, instead of one
folium element per point.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Template

_LEAFLET = ("assets", "leaflet")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_IMAGE = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


def _asset_bytes(*parts: str) -> bytes:
    node = resources.files(__package__ or "facility_coverage")
    for part in (*_LEAFLET, *parts):
        node = node.joinpath(part)
    return node.read_bytes()


@functools.cache
def leaflet_js() -> str:
    """Leaflet's minified JavaScript, without its source-map comment."""
    text = _asset_bytes("leaflet.js").decode("utf-8")
    return _SOURCE_MAP.sub("", text).replace("</script", "<\\/script")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's CSS with its ``url(images/...)`` references turned into data URIs."""
    text = _asset_bytes("leaflet.css").decode("utf-8")

    def _data_uri(match: re.Match[str]) -> str:
        data = base64.b64encode(_asset_bytes(*match.group(1).split("/"))).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_IMAGE.sub(_data_uri, text)


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


def inline_leaflet(m: folium.Map) -> None:
    """Replace the CDN links of ``m`` with inlined Leaflet (JS and CSS) in the page head.

    Only this map instance is changed (folium's class-level lists stay as they are).
    The map must not use folium features that need jQuery, Bootstrap or Font Awesome
    (HTML popups built from elements, awesome-marker icons).
    """
    m.default_js = []
    m.default_css = []
    header = m.get_root().header  # type: ignore[attr-defined]
    header.add_child(
        RawHTML("<!-- Leaflet 1.9.4, (c) Volodymyr Agafonkin, BSD-2-Clause -->"),
        name="leaflet_licence",
    )
    header.add_child(RawHTML(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
    header.add_child(RawHTML(f"<script>{leaflet_js()}</script>"), name="leaflet")


class PointLayer(folium.FeatureGroup):
    """A toggleable layer of circle markers drawn from compact rows in one script.

    ``rows`` are ``[lat, lon, radius, ...]``; ``tooltip_js`` is a JavaScript
    function ``(row, labels) -> html`` (``labels`` is a list of pre-escaped strings
    rows can index into). Far smaller than one folium element per point.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup({{ this.options|tojavascript }});
        (function (group) {
            var rows = {{ this.rows|tojson }};
            var labels = {{ this.labels|tojson }};
            var style = {{ this.style|tojson }};
            var tip = {{ this.tooltip_js }};
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                var o = Object.assign({}, style, {radius: r[2]});
                if (style.colorIndex !== undefined) { o.fillColor = labels[r[style.colorIndex]]; }
                L.circleMarker([r[0], r[1]], o).bindTooltip(tip(r, labels)).addTo(group);
            }
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
    ) -> None:
        super().__init__(name=name, show=show)
        self.rows = rows
        self.style = dict(style)
        self.tooltip_js = tooltip_js
        self.labels = list(labels)


class LabelLayer(folium.FeatureGroup):
    """Text labels (e.g. 街道 names) as Leaflet div icons, readable without tiles."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup({{ this.options|tojavascript }});
        (function (group) {
            var rows = {{ this.rows|tojson }};
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
.fc-box { position: fixed; z-index: 1000; background: rgba(255,255,255,0.93);
  border: 1px solid #888; border-radius: 4px; padding: 6px 9px; font: 12px/1.45 "Noto Sans CJK SC",
  "Microsoft YaHei", "PingFang SC", sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
#fc-title { top: 10px; left: 60px; max-width: 40vw; }
.leaflet-control-layers-expanded { max-width: 44vw; max-height: 70vh; overflow-y: auto; }
#fc-title .fc-study { font-size: 15px; font-weight: bold; }
#fc-legend { bottom: 24px; left: 10px; max-width: 380px; max-height: 55%; overflow-y: auto;
  overflow-x: hidden; }
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
    """Fit the view to the study area at once (no zoom animation on opening)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "FitBounds"
        self.bounds = bounds


class Box(MacroElement):
    """A fixed HTML box (title or legend) written into the page body."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div id="{{ this.element_id }}" class="fc-box">{{ this.content }}</div>
        {% endmacro %}
        """
    )

    def __init__(self, element_id: str, content: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "FcBox"
        self.element_id = element_id
        self.content = content
