"""Daily playback: a month calendar of each local day's recorded share, and one day's hours to play.

Days and hours are the organization's local ones (`recordings.playback.timeline`), so a
spring-forward day has 23 hour bars and a fall-back day 25, the repeated hour labelled with its
UTC offset. An hour with footage links to the camera page at its first recorded instant.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.shortcuts import render
from django.utils import timezone
from django.views import View

from cameras.access import access_camera
from cameras.selectors import camera_list
from cameras.views.cameras import OrganizationViewMixin, htmx_partial, render_page
from organizations.choices import Action
from recordings.choices import GapReason
from recordings.dashboard.forms import DailyQueryForm
from recordings.playback import timeline

TEMPLATE = "recordings/daily.html"


def share_label(fraction: float | None) -> str:
    """A percentage that never says 0 % of some footage or 100 % of nearly all of it."""
    if fraction is None:
        return ""
    if fraction <= 0:
        return "0%"
    if fraction < 0.01:
        return "<1%"
    if fraction < 1 and round(fraction * 100) >= 100:
        return "99%"
    return f"{round(fraction * 100)}%"


def duration_label(seconds: float) -> str:
    """`3 h 05 min`, `12 min`, `40 s`: how much footage, at a glance."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@dataclass(frozen=True)
class DayCell:
    """One calendar cell; `fraction` is None outside the month and in the future."""

    date: dt.date
    in_month: bool
    is_today: bool = False
    is_future: bool = False
    recorded_seconds: float = 0.0
    fraction: float | None = None

    @property
    def label(self) -> str:
        return share_label(self.fraction)


@dataclass(frozen=True)
class HourBar:
    """One local hour of a day: its clock label, recorded share, where in it footage is, where to play."""

    start: dt.datetime
    end: dt.datetime
    clock: str
    offset: str
    repeated: bool
    is_future: bool
    recorded_seconds: float
    fraction: float
    spans: tuple[tuple[float, float], ...]  # (left %, width %) of each recorded stretch
    outage_spans: tuple[tuple[float, float], ...]  # the same for the outages the recorder saw
    play_at: int | None  # unix seconds of the first recorded instant

    @property
    def label(self) -> str:
        return share_label(self.fraction)


def _elapsed_share(recorded: float, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> float:
    """The share of the part of `[start, end)` that has happened: today counts until now."""
    length = (min(end, now) - start).total_seconds()
    return min(1.0, recorded / length) if length > 0 else 0.0


def month_calendar(*, camera, year: int, month: int, zone: str, now: dt.datetime) -> dict:
    """Weeks (Monday first) of day cells with each day's recorded share, and the month's totals."""
    buckets = timeline.daily_availability([camera.id], year, month, zone)[camera.id]
    by_date = {dt.date(year, month, number): bucket for number, bucket in enumerate(buckets, start=1)}
    today = now.astimezone(ZoneInfo(zone)).date()
    weeks = []
    for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(year, month):
        row = []
        for date in week:
            bucket = by_date.get(date)
            if bucket is None or bucket.start >= now:
                row.append(DayCell(date, in_month=bucket is not None, is_future=bucket is not None))
                continue
            share = _elapsed_share(bucket.recorded_seconds, bucket.start, bucket.end, now)
            row.append(DayCell(date, True, date == today, False, bucket.recorded_seconds, share))
        weeks.append(row)
    past = [b for b in buckets if b.start < now]
    elapsed = sum((min(b.end, now) - b.start).total_seconds() for b in past)
    recorded = sum(b.recorded_seconds for b in past)
    return {
        "weeks": weeks,
        "recorded": duration_label(recorded),
        "days_recorded": sum(1 for b in past if b.recorded_seconds > 0),
        "share": share_label(recorded / elapsed if elapsed else None),
    }


def _clip(ranges: list, start: dt.datetime, end: dt.datetime) -> list:
    return [(max(a, start), min(b, end)) for a, b in ranges if a < end and b > start]


def _spans(stretches: list, start: dt.datetime, end: dt.datetime) -> tuple[tuple[float, float], ...]:
    """(left %, width %) of each stretch within `[start, end)`, for drawing it on a bar."""
    length = (end - start).total_seconds()
    return tuple(
        (
            round((a - start).total_seconds() / length * 100, 3),
            round((b - a).total_seconds() / length * 100, 3),
        )
        for a, b in stretches
    )


def _hour_bar(
    bucket: timeline.Bucket, ranges: list, outages: list, clocks: list[str], zone: str, now
) -> HourBar:
    """One hour's bar: where in it footage and outages are, and its first recorded instant to play from."""
    inside = _clip(ranges, bucket.start, bucket.end)
    label = timeline.local_label(bucket.start, zone)
    return HourBar(
        start=bucket.start,
        end=bucket.end,
        clock=label[11:16],
        offset=label[16:],
        repeated=clocks.count(label[11:16]) > 1,  # the fall-back hour, told apart by its offset
        is_future=bucket.start >= now,
        recorded_seconds=bucket.recorded_seconds,
        fraction=_elapsed_share(bucket.recorded_seconds, bucket.start, bucket.end, now),
        spans=_spans(inside, bucket.start, bucket.end),
        outage_spans=_spans(_clip(outages, bucket.start, bucket.end), bucket.start, bucket.end),
        play_at=int(inside[0][0].timestamp()) if inside else None,
    )


def day_hours(*, camera, day: dt.date, zone: str, now: dt.datetime) -> dict:
    """The local hours of `day` (23, 24 or 25) with recorded stretches, and the day's outages."""
    buckets = timeline.hourly_availability([camera.id], day, zone)[camera.id]
    start, end = buckets[0].start, buckets[-1].end
    ranges = timeline.recorded_ranges([camera.id], start, end)[camera.id]
    reasons = dict(GapReason.choices)
    outages = [
        {**gap, "reason_label": reasons.get(gap["reason"], gap["reason"])}
        for gap in timeline.gaps([camera.id], start, end)[camera.id]
    ]
    dark = [(gap["started_at"], gap["ended_at"] or now) for gap in outages]  # an open outage lasts until now
    clocks = [timeline.local_label(b.start, zone)[11:16] for b in buckets]
    hours = [_hour_bar(bucket, ranges, dark, clocks, zone, now) for bucket in buckets]
    recorded = sum(b.recorded_seconds for b in buckets)
    return {
        "hours": hours,
        "recorded": duration_label(recorded),
        "share": share_label(_elapsed_share(recorded, start, end, now) if start < now else None),
        "first_play_at": next((h.play_at for h in hours if h.play_at is not None), None),
        "outages": outages,
    }


def _month_after(year: int, month: int, step: int) -> str:
    index = year * 12 + (month - 1) + step
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class DailyPlaybackView(OrganizationViewMixin, View):
    """`?camera=&month=YYYY-MM&day=YYYY-MM-DD`; htmx asks for the day's hours (`day-hours`)."""

    def get(self, request):
        organization, user = self.organization, request.user
        if organization is None:
            return render(request, TEMPLATE, {"no_organization": True})
        query = DailyQueryForm(request.GET)
        query.is_valid()
        cameras = camera_list(user=user, organization=organization, action=Action.ARCHIVE)
        name = query.cleaned_data.get("camera")
        camera = (
            access_camera(user, name, action=Action.ARCHIVE, organization=organization)
            if name
            else cameras.first()
        )
        zone, now = organization.time_zone, timezone.now()
        today = now.astimezone(ZoneInfo(zone)).date()
        context = {"cameras": cameras, "camera": camera, "zone": zone, "today": today}
        if camera is None:
            return render(request, TEMPLATE, context)
        if query.errors:
            context["errors"] = query.error_messages()
            return render_page(request, TEMPLATE, "day-hours", context, status=400)
        day = query.cleaned_data["day"]
        year, month = query.cleaned_data["month"] or (day or today).timetuple()[:2]
        context.update(
            month=dt.date(year, month, 1),
            month_value=f"{year:04d}-{month:02d}",
            previous_month=_month_after(year, month, -1),
            next_month=_month_after(year, month, 1),
            calendar=month_calendar(camera=camera, year=year, month=month, zone=zone, now=now),
            day=day,
            hours=day_hours(camera=camera, day=day, zone=zone, now=now) if day else None,
            oob=htmx_partial(request),
        )
        return render_page(request, TEMPLATE, "day-hours", context)
