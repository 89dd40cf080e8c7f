"""Timelines: coverage, ranges with gaps, and availability in local days and hours across DST."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from recordings.models import Gap, Run
from recordings.playback import timeline
from tests.factories import EpisodeFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def run(camera, start: str, end: str) -> Run:
    return Run.objects.create(camera=camera, run_id=uuid.uuid4(), started_at=at(start), ended_at=at(end))


def test_coverage_buckets_show_recorded_shares_and_touching_runs_merge(world, django_assert_num_queries):
    lobby, desk = world.cameras.lobby, world.cameras.desk
    run(lobby, "2026-05-01T10:00:00+00:00", "2026-05-01T10:20:00+00:00")
    run(lobby, "2026-05-01T10:20:00+00:00", "2026-05-01T10:30:00+00:00")  # a new run, no gap between
    run(lobby, "2026-05-01T10:45:00+00:00", "2026-05-01T11:30:00+00:00")
    run(desk, "2026-05-01T10:50:00+00:00", "2026-05-01T10:55:00+00:00")
    Gap.objects.create(
        camera=lobby,
        started_at=at("2026-05-01T10:30:00+00:00"),
        ended_at=at("2026-05-01T10:45:00+00:00"),
        reason="connect_failed",
        detail="rtsp://cam: connection refused",
    )
    start, end = at("2026-05-01T10:00:00+00:00"), at("2026-05-01T11:00:00+00:00")
    with django_assert_num_queries(1):
        buckets = timeline.coverage([lobby.pk, desk.pk], start, end, dt.timedelta(minutes=15))
    assert [b.fraction for b in buckets[lobby.pk]] == [1.0, 1.0, 0.0, 1.0]
    assert [round(b.fraction, 3) for b in buckets[desk.pk]] == [0.0, 0.0, 0.0, 0.333]
    assert timeline.recorded_ranges([lobby.pk], start, end)[lobby.pk] == [
        (start, at("2026-05-01T10:30:00+00:00")),
        (at("2026-05-01T10:45:00+00:00"), end),  # clipped to the range asked
    ]
    (gap,) = timeline.gaps([lobby.pk], start, end)[lobby.pk]
    assert gap["reason"] == "connect_failed" and gap["started_at"] == at("2026-05-01T10:30:00+00:00")


@pytest.mark.parametrize(
    ("zone", "spring", "autumn"),
    [
        ("Europe/Berlin", dt.date(2026, 3, 29), dt.date(2026, 10, 25)),
        ("America/New_York", dt.date(2026, 3, 8), dt.date(2026, 11, 1)),
    ],
)
def test_local_days_and_hours_are_right_on_dst_days(world, zone, spring, autumn):
    camera = world.cameras.lobby
    run(camera, "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00")  # recorded all year

    march = timeline.daily_availability([camera.pk], 2026, spring.month, zone)[camera.pk]
    lengths = {b.start.astimezone(dt.UTC).date(): (b.end - b.start) for b in march}
    short_day = next(b for b in march if (b.end - b.start) == dt.timedelta(hours=23))
    assert short_day.start == dt.datetime.combine(spring, dt.time(), tzinfo=ZoneInfo(zone))
    assert sum(1 for d in lengths.values() if d != dt.timedelta(hours=24)) == 1
    assert all(b.fraction == 1.0 for b in march) and short_day.recorded_seconds == 23 * 3600

    hours = timeline.hourly_availability([camera.pk], spring, zone)[camera.pk]
    labels = [timeline.local_label(b.start, zone)[11:16] for b in hours]
    assert len(hours) == 23 and "02:00" not in labels and labels[:4] == ["00:00", "01:00", "03:00", "04:00"]

    hours = timeline.hourly_availability([camera.pk], autumn, zone)[camera.pk]
    labels = [timeline.local_label(b.start, zone) for b in hours]
    assert len(hours) == 25
    clock = [label[11:16] for label in labels]
    (twice,) = {hour for hour in clock if clock.count(hour) == 2}  # 02:00 in Berlin, 01:00 in New York
    repeated = [label for label in labels if label[11:16] == twice]
    assert repeated[0][-6:] != repeated[1][-6:]  # told apart by the offset
    assert all(b.fraction == 1.0 for b in hours)


def test_hours_count_only_what_was_recorded_in_them(world):
    camera = world.cameras.lobby
    run(camera, "2026-10-25T00:30:00+02:00", "2026-10-25T02:30:00+01:00")  # through the repeated hour
    hours = timeline.hourly_availability([camera.pk], dt.date(2026, 10, 25), "Europe/Berlin")[camera.pk]
    shares = {timeline.local_label(b.start, "Europe/Berlin")[11:]: b.fraction for b in hours if b.fraction}
    assert shares == {"00:00+02:00": 0.5, "01:00+02:00": 1.0, "02:00+02:00": 1.0, "02:00+01:00": 0.5}


def test_steps_and_bucket_counts_are_bounded(world):
    start = at("2026-05-01T00:00:00+00:00")
    with pytest.raises(timeline.TimelineError, match="between 1 second and 1 day"):
        timeline.coverage([1], start, start + dt.timedelta(days=1), dt.timedelta(days=2))
    with pytest.raises(timeline.TimelineError, match="at most 10000 buckets"):
        timeline.coverage([1], start, start + dt.timedelta(days=30), dt.timedelta(seconds=1))


def test_the_timeline_and_availability_endpoints_answer_in_json(client, world):
    camera = world.cameras.lobby
    camera.organization.time_zone = "Europe/Berlin"
    camera.organization.save()
    run(camera, "2026-03-29T00:00:00+01:00", "2026-03-29T12:00:00+02:00")
    alarm = EpisodeFactory(
        camera=camera,
        opened_at=at("2026-03-29T08:00:00Z"),
        closed_at=at("2026-03-29T08:00:30Z"),
        title="door",
    )
    EpisodeFactory(camera=camera, opened_at=at("2026-03-27T08:00:00Z"), closed_at=at("2026-03-27T08:01:00Z"))
    client.force_login(world.alice)
    body = client.get(
        "/media/a-lobby/timeline.json",
        {"from": "2026-03-28T23:00:00Z", "to": "2026-03-29T23:00:00Z", "step": 3600},
    ).json()
    assert body["ranges"] == [
        {
            "from": at("2026-03-28T23:00:00+00:00").timestamp(),
            "to": at("2026-03-29T10:00:00+00:00").timestamp(),
        }
    ]
    assert body["coverage"]["values"][:12] == [1.0] * 11 + [0.0]
    # Only the episode inside the window, with its bounds, so the timeline can mark it.
    assert [(e["id"], e["from"], e["to"], e["title"]) for e in body["episodes"]] == [
        (alarm.id, at("2026-03-29T08:00:00Z").timestamp(), at("2026-03-29T08:00:30Z").timestamp(), "door")
    ]
    days = client.get("/media/a-lobby/availability.json?month=2026-03").json()
    assert days["time_zone"] == "Europe/Berlin" and len(days["days"]) == 31
    assert days["days"][28] == {
        "label": "2026-03-29",
        "from": at("2026-03-29T00:00:00+01:00").timestamp(),
        "to": at("2026-03-30T00:00:00+02:00").timestamp(),
        "recorded_seconds": 11 * 3600.0,
        "fraction": round(11 / 23, 4),
    }
    hours = client.get("/media/a-lobby/availability.json?day=2026-03-29").json()["hours"]
    assert [h["label"] for h in hours[:3]] == [
        "2026-03-29T00:00+01:00",
        "2026-03-29T01:00+01:00",
        "2026-03-29T03:00+02:00",
    ]
    assert client.get("/media/a-lobby/availability.json?month=March").status_code == 400
    assert client.get("/media/a-lobby/timeline.json?from=0&to=60&step=0.5").status_code == 400
    client.force_login(world.carol)
    assert client.get("/media/a-lobby/availability.json?month=2026-03").status_code == 404
