"""WGS-84 ⇄ GCJ-02 (crm/coordinates.py) against coordinate pairs published by three projects, and the
tile sources that use it (crm/map_tiles.py).

Sources of the pairs (WGS-84 latitude, longitude → GCJ-02 latitude, longitude):
- googollee/eviltransform, go/transform_test.go (`tests`: Shanghai, Shenzhen, Beijing); the same pairs are in
  its python/test.py and php/EvilTransformTest.php. Its exact inverse is held to 0.5 m there.
- wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915) = [116.41024449916938, 39.91640428150164].
- hujiulong/gcoord, test/unit/transform.spec.ts: WGS84 [123, 45] → GCJ02 [123.00607541, 45.00197815] (to 8
  decimals), and test/unit/crs/GCJ02.spec.ts: GCJ02 [123, 45] → WGS84 [122.99395597, 44.99804071] (to 5
  decimals: gcoord's inverse is one step, ours iterates); test/fixtures/china-cities.json: city centres of
  Guangdong quoted to 7 decimals, which gcoord's own test holds to 4 decimals (10 m).
"""

import math
from decimal import Decimal

import pytest

from crm.coordinates import (
    GCJ02,
    WGS84,
    InvalidPosition,
    from_wgs84,
    gcj02_to_wgs84,
    in_china,
    parse_position,
    to_wgs84,
    wgs84_to_gcj02,
)
from crm.map_tiles import TileSettingsError, tile_source


def metres(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance, unrounded (visits.geo rounds to whole metres)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


EVILTRANSFORM = [
    # wgsLat, wgsLng, gcjLat, gcjLng
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # beijing
]
COORDTRANSFORM = [(39.915, 116.404, 39.91640428150164, 116.41024449916938)]
GCOORD_CITIES = [
    # china-cities.json, Guangdong: 梅州市, 汕头市, 汕尾市, 河源市
    (24.2912377, 116.1174053, 24.2886182, 116.1222426),
    (23.3567569, 116.6775114, 23.3540964, 116.6819735),
    (22.7888255, 115.3702248, 22.7861903, 115.3751647),
    (23.7463448, 114.6962648, 23.7436914, 114.7009627),
]


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), EVILTRANSFORM + COORDTRANSFORM)
def test_forward_gives_the_published_gcj02_point(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    lat, lng = wgs84_to_gcj02(wgs_lat, wgs_lng)

    assert lat == pytest.approx(gcj_lat, abs=1e-9)
    assert lng == pytest.approx(gcj_lng, abs=1e-9)


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), EVILTRANSFORM + COORDTRANSFORM)
def test_inverse_comes_back_within_half_a_metre_of_the_published_wgs84_point(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    lat, lng = gcj02_to_wgs84(gcj_lat, gcj_lng)

    assert metres(lat, lng, wgs_lat, wgs_lng) < 0.5
    assert metres(lat, lng, wgs_lat, wgs_lng) < 0.01  # in fact within a centimetre


def test_gcoord_points_at_123_45():
    assert wgs84_to_gcj02(45, 123) == pytest.approx((45.00197815, 123.00607541), abs=1e-8)
    assert gcj02_to_wgs84(45, 123) == pytest.approx((44.99804071, 122.99395597), abs=1e-5)


@pytest.mark.parametrize(("wgs_lat", "wgs_lng", "gcj_lat", "gcj_lng"), GCOORD_CITIES)
def test_guangdong_city_centres_of_gcoord_within_a_metre_both_ways(wgs_lat, wgs_lng, gcj_lat, gcj_lng):
    assert metres(*wgs84_to_gcj02(wgs_lat, wgs_lng), gcj_lat, gcj_lng) < 1
    assert metres(*gcj02_to_wgs84(gcj_lat, gcj_lng), wgs_lat, wgs_lng) < 1


def test_the_inverse_undoes_the_forward_across_foshan_to_a_centimetre():
    worst = 0.0
    for i in range(21):
        for j in range(21):
            lat, lng = 22.6 + i * 0.03, 112.7 + j * 0.04  # Foshan's five districts and around
            back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lng))
            worst = max(worst, metres(*back, lat, lng))

    assert worst < 0.01


def test_the_shift_in_foshan_is_a_few_hundred_metres():
    """Why it matters: a marker drawn unconverted on Amap stands across the street."""
    nanhai = (23.0288, 113.1430)

    assert 250 < metres(*wgs84_to_gcj02(*nanhai), *nanhai) < 700


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(51.5007, -0.1246), (35.6586, 139.7454), (-33.8568, 151.2153), (0.5, 100.0), (60.0, 100.0)],
    ids=["london", "tokyo", "sydney", "south of china's box", "north of china's box"],
)
def test_outside_china_nothing_moves(lat, lng):
    assert not in_china(lat, lng)
    assert wgs84_to_gcj02(lat, lng) == (lat, lng)
    assert gcj02_to_wgs84(lat, lng) == (lat, lng)


def test_datums_by_name():
    assert from_wgs84(Decimal("22.543847"), Decimal("113.912316"), datum=GCJ02) == pytest.approx(
        (22.540796131694766, 113.9171764808363), abs=1e-9
    )
    assert from_wgs84(22.5, 113.9, datum=WGS84) == (22.5, 113.9)
    assert to_wgs84(22.5, 113.9, datum=WGS84) == (22.5, 113.9)
    with pytest.raises(ValueError, match="unknown datum 'bd09'"):
        to_wgs84(22.5, 113.9, datum="bd09")


# --- parse_position ------------------------------------------------------------------------------------


def test_a_position_is_kept_to_six_decimals():
    assert parse_position("23.0301004", 113.14) == (Decimal("23.030100"), Decimal("113.140000"))
    assert parse_position(" -90 ", "180") == (Decimal("-90.000000"), Decimal("180.000000"))


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (None, 1),
        (1, None),
        ("", "1"),
        ("abc", "1"),
        ("nan", "1"),
        (float("nan"), 1),
        ("1", "-inf"),
        (float("inf"), 1),
        ("90.0000001", "0"),
        ("0", "-180.5"),
        (True, 1),
        ("1e999", "1"),
        ([23], 113),
    ],
)
def test_what_is_not_a_point_on_the_globe_is_refused(lat, lng):
    with pytest.raises(InvalidPosition):
        parse_position(lat, lng)


# --- tile sources ------------------------------------------------------------------------------------------


def test_each_source_says_its_datum_and_hosts():
    assert tile_source("osm").datum == WGS84
    assert tile_source("osm").hosts() == ["https://tile.openstreetmap.org"]
    amap = tile_source("amap")
    assert amap.datum == GCJ02
    assert amap.hosts() == [f"https://webrd0{n}.is.autonavi.com" for n in (1, 2, 3, 4)]
    tianditu = tile_source("tianditu", tianditu_key="k123")
    assert tianditu.datum == WGS84  # CGCS2000: no shift
    assert tianditu.hosts() == [f"https://t{n}.tianditu.gov.cn" for n in range(8)]
    assert all(layer.endswith("&tk=k123") for layer in tianditu.layers)
    assert tile_source("none").layers == ()
    assert tile_source("none").hosts() == []


def test_an_own_tile_server_replaces_openstreetmaps():
    source = tile_source("osm", tile_url="https://tiles.example.cn/{z}/{x}/{y}.png")

    assert source.layers == ("https://tiles.example.cn/{z}/{x}/{y}.png",)
    assert source.hosts() == ["https://tiles.example.cn"]


def test_tianditu_without_a_key_and_an_unknown_source_are_refused():
    with pytest.raises(TileSettingsError, match="CRM_MAP_TIANDITU_KEY"):
        tile_source("tianditu")
    with pytest.raises(TileSettingsError, match="osm, amap, tianditu, none"):
        tile_source("google")


def test_the_csp_lets_the_browser_load_the_configured_tiles_only(settings):
    # The tests run with CRM_MAP_TILES=none (pyproject.toml): no tile host is allowed.
    assert settings.CRM["MAP_TILES"] == "none"
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] == ["'self'", "data:", "blob:"]
