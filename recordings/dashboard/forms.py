"""Forms of the daily playback and export pages (shape only; selectors and services decide)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django import forms

from recordings.playback.exports import EXPORT_MAX_RANGE

MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
# The calendar links a month before and after the one shown; keep both representable.
FIRST_YEAR, LAST_YEAR = 1970, 9998


class DailyQueryForm(forms.Form):
    """The daily playback page's query string: which camera, month and (optionally) day."""

    camera = forms.CharField(required=False, max_length=200)
    month = forms.CharField(required=False, max_length=7)
    day = forms.CharField(required=False, max_length=10)

    def clean_month(self) -> tuple[int, int] | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        if MONTH_RE.match(value):
            year, month = int(value[:4]), int(value[5:])
            if 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR:
                return year, month
        raise forms.ValidationError(f"“{value}” is not a month: give it as YYYY-MM, for example 2026-05.")

    def clean_day(self) -> dt.date | None:
        value = self.cleaned_data["day"].strip()
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value) if DAY_RE.match(value) else None
        except ValueError:
            day = None
        if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                f"“{value}” is not a day: give it as YYYY-MM-DD, for example 2026-05-14."
            )
        return day

    def error_messages(self) -> list[str]:
        return [error for errors in self.errors.values() for error in errors]


class LocalDateTimeField(forms.CharField):
    """A `datetime-local` input read as wall-clock time in the organization's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1})

    def __init__(self, *, zone: str = "UTC", **kwargs):
        self.zone = zone
        super().__init__(**kwargs)

    def to_python(self, value) -> dt.datetime | None:
        value = super().to_python(value).strip()
        if not value:
            return None
        for pattern in LOCAL_FORMATS:
            try:
                naive = dt.datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        else:
            raise forms.ValidationError("Enter a date and time, for example 2026-05-14 10:30.")
        tz = ZoneInfo(self.zone)
        local = naive.replace(tzinfo=tz)  # in a repeated (fall-back) hour: its first occurrence
        if local.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != naive:
            raise forms.ValidationError(
                f"{naive:%Y-%m-%d %H:%M} does not exist in {self.zone}: the clocks skip it (daylight saving)."
            )
        return local.astimezone(dt.UTC)


class ExportForm(forms.Form):
    """A clip export request: camera name and a local time range; the service checks the footage."""

    camera = forms.CharField(max_length=200, widget=forms.Select)
    start = LocalDateTimeField(label="From")
    end = LocalDateTimeField(label="To")

    def __init__(self, *args, cameras, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["camera"].widget.choices = [(c.name, c.display_title) for c in cameras]
        for name in ("start", "end"):
            self.fields[name].zone = zone
            self.fields[name].help_text = f"Local time ({zone})"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end <= start:
                self.add_error("end", "The end must be after the start.")
            elif end - start > EXPORT_MAX_RANGE:
                hours = EXPORT_MAX_RANGE.total_seconds() / 3600
                self.add_error("end", f"An export may span at most {hours:g} hours; choose a shorter range.")
        return data
