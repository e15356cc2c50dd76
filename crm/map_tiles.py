"""Where the maps' background tiles come from, chosen by ``CRM_MAP_TILES`` (settings.CRM["MAP_TILES"]).

Pure data and small functions (the settings import this module to open the CSP to the chosen tile host).
Each source says the datum it draws in, so that markers are moved onto it (crm.coordinates):

- ``osm``: OpenStreetMap's standard tiles, or any server of the same kind (``CRM_MAP_TILE_URL``, e.g. a
  tile server of your own; tile.openstreetmap.org asks heavy users to run their own). WGS-84.
- ``amap``: 高德 Amap's raster road map (no key needed for these tiles). GCJ-02.
- ``tianditu``: 天地图, the national map service; needs a key (``CRM_MAP_TIANDITU_KEY``). CGCS2000, which
  is within a metre of WGS-84: no shift.
- ``none``: no tiles at all; markers on a plain background (the tests, and a machine with no network).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from crm.coordinates import GCJ02, WGS84

OSM_DEFAULT_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
AMAP_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
# Tianditu's web-Mercator ("_w") vector map and its Chinese labels, two layers.
TIANDITU_URLS = (
    "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default"
    "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
    "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva&STYLE=default"
    "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
)
CHOICES = ("osm", "amap", "tianditu", "none")


@dataclass(frozen=True)
class TileSource:
    name: str
    datum: str  # crm.coordinates.WGS84 or GCJ02: what the tiles are drawn in
    layers: tuple[str, ...]  # Leaflet URL templates, drawn one above the other
    subdomains: str
    attribution: str
    max_zoom: int

    def hosts(self) -> list[str]:
        """The origins the browser loads tiles from, for the CSP's img-src."""
        origins = []
        for template in self.layers:
            for subdomain in self.subdomains or " ":
                parts = urlsplit(template.replace("{s}", subdomain.strip()))
                origin = f"{parts.scheme}://{parts.netloc}"
                if parts.netloc and origin not in origins:
                    origins.append(origin)
        return origins

    def as_leaflet(self) -> dict:
        """What the page's script needs to draw the layers (no key is secret here: the browser sends it)."""
        return {
            "name": self.name,
            "datum": self.datum,
            "layers": list(self.layers),
            "subdomains": self.subdomains,
            "attribution": self.attribution,
            "maxZoom": self.max_zoom,
        }


class TileSettingsError(ValueError):
    """The tile settings cannot work; the message says which setting to change."""


def tile_source(name: str, *, tile_url: str = "", tianditu_key: str = "") -> TileSource:
    """The source named by ``CRM_MAP_TILES``."""
    if name == "osm":
        url = tile_url or OSM_DEFAULT_URL
        attribution = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
        return TileSource("osm", WGS84, (url,), "abc" if "{s}" in url else "", attribution, 19)
    if name == "amap":
        return TileSource("amap", GCJ02, (AMAP_URL,), "1234", "&copy; 高德地图 AutoNavi", 18)
    if name == "tianditu":
        if not tianditu_key:
            raise TileSettingsError("CRM_MAP_TILES=tianditu needs CRM_MAP_TIANDITU_KEY (a key from tianditu.gov.cn).")
        layers = tuple(template.replace("{key}", tianditu_key) for template in TIANDITU_URLS)
        # CGCS2000 and WGS-84 differ by centimetres: drawn as WGS-84, unshifted.
        return TileSource("tianditu", WGS84, layers, "01234567", "&copy; 天地图 Tianditu", 18)
    if name == "none":
        return TileSource("none", WGS84, (), "", "", 19)
    raise TileSettingsError(f"CRM_MAP_TILES must be one of {', '.join(CHOICES)}, not {name!r}.")
