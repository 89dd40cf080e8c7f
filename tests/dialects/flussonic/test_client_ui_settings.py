"""`ui_settings_get` (§6.20): the map block always carries `provider` and `url` strings."""

import pytest

from organizations.models import SiteSettings


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({}, {"provider": "osm", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png"}),
        (
            {"provider": None, "url": None},
            {"provider": "osm", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png"},
        ),
        ({"provider": "yandex", "api_key": "k"}, {"provider": "yandex", "url": "", "api_key": "k"}),
        (
            {"provider": "custom", "url": "https://tiles.example/{z}/{x}/{y}.png", "center": {"latitude": 1}},
            {"provider": "custom", "url": "https://tiles.example/{z}/{x}/{y}.png", "center": {"latitude": 1}},
        ),
    ],
)
def test_the_map_always_carries_provider_and_url_strings(db, api, stored, expected):
    site = SiteSettings.load()
    site.map_settings = stored
    site.save()
    response = api("GET", "/ui_settings")
    assert response.status_code == 200
    assert response.json()["map"] == expected
