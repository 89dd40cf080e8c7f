"""The timeline page: one row per camera whose archive the member may watch."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    pattern = r'<script id="timeline-rows" type="application/json">(.*?)</script>'
    data = re.search(pattern, response.content.decode())
    return [row["camera"] for row in json.loads(data.group(1))]


def test_rows_are_the_cameras_whose_archive_the_member_may_watch(client, world):
    client.force_login(world.alice)
    everything = ["a-desk", "a-granted", "a-lobby", "a-loose", "a-vault"]
    assert rows(client.get("/recordings/timeline/")) == everything
    assert rows(client.get("/recordings/timeline/?camera=a-vault&camera=a-lobby&camera=b-gate")) == [
        "a-lobby",
        "a-vault",
    ]
    client.force_login(world.bob)  # the archive of a-desk only
    assert rows(client.get("/recordings/timeline/?camera=a-lobby&camera=a-desk")) == ["a-desk"]
    client.force_login(world.carol)
    assert rows(client.get("/recordings/timeline/?camera=a-lobby")) == []
