"""Forms of the recordings pages: the episode list's filters (shape only; selectors decide)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms

from cameras.models import Camera
from recordings.choices import EpisodeType


class CameraChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_title


class EpisodeFilterForm(forms.Form):
    """The episode list's filters, read from the query string. Dates are the organization's local days."""

    camera = CameraChoiceField(
        queryset=Camera.objects.none(), required=False, to_field_name="name", empty_label="All cameras"
    )
    type = forms.ChoiceField(choices=[("", "Any type"), *EpisodeType.choices], required=False)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, max_length=200)
    protected = forms.BooleanField(required=False, label="Protected only")

    def __init__(self, *args, cameras, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["camera"].queryset = cameras
        self.zone = ZoneInfo(time_zone)

    def filters(self) -> dict:
        """Keyword arguments for `episode_list`; an unknown camera or a malformed date is ignored."""
        self.is_valid()
        data = self.cleaned_data
        day_from, day_to = data.get("date_from"), data.get("date_to")
        return {
            "camera": data.get("camera"),
            "episode_type": data.get("type", ""),
            "start": self._midnight(day_from) if day_from else None,
            # The "to" day is included: the range ends at the next local midnight.
            "end": self._midnight(day_to + dt.timedelta(days=1)) if day_to else None,
            "q": data.get("q", "").strip(),
            "protected": bool(data.get("protected")),
        }

    def _midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.zone).astimezone(dt.UTC)
