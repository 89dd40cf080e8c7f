"""Forms of the camera pages: list filters and the create/edit form (shape only; services decide)."""

from decimal import Decimal
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from cameras.choices import CameraStatus, Transport
from cameras.models import Camera, CameraInput
from cameras.models.cameras import camera_name_validator
from organizations.models import Folder

SECONDS_PER_DAY = 24 * 3600
BYTES_PER_GB = 10**9  # storage vendors' GB, as disks are labelled

# Form fields that are Camera fields of the same name and meaning.
CAMERA_FIELDS = (
    "title",
    "comment",
    "folder",
    "rtsp_transport",
    "enabled",
    "record",
    "record_audio",
    "segment_duration",
    "latitude",
    "longitude",
    "postal_address",
    "tags",
)
# Model field -> form field, for errors raised by the services' full_clean().
ERROR_FIELDS = {"dvr_depth": "dvr_depth_days", "dvr_space_limit": "dvr_space_limit_gb"}
INPUT_FIELDS = {"url", "username", "password"}


class FolderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.title} / {obj.title}" if obj.parent_id else obj.title


class CameraFilterForm(forms.Form):
    """The camera list's search box and filters, read from the query string."""

    q = forms.CharField(required=False, max_length=200)
    folder = FolderChoiceField(queryset=Folder.objects.none(), required=False, empty_label="All folders")
    status = forms.ChoiceField(choices=[("", "Any status"), *CameraStatus.choices], required=False)

    def __init__(self, *args, folders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].queryset = folders.select_related("parent")

    def filters(self) -> dict:
        """Keyword arguments for `camera_list`; a stale or unreachable folder id is ignored."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "q": data.get("q", "").strip(),
            "folder": data.get("folder"),
            "status": data.get("status", ""),
        }


def _scaled(value, factor: int) -> Decimal | None:
    """Seconds or bytes shown in days or GB, without trailing zeros."""
    if value is None:
        return None
    return (Decimal(value) / factor).quantize(Decimal("0.01")).normalize()


class CameraForm(forms.Form):
    """Create or edit a camera and its main input. The stored password is never sent back to the page."""

    name = forms.CharField(
        max_length=255,
        validators=[camera_name_validator],
        help_text="The key every API and URL uses; it cannot change later.",
    )
    title = forms.CharField(max_length=200, required=False)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    folder = FolderChoiceField(queryset=Folder.objects.none(), required=False, empty_label="— No folder —")
    url = forms.CharField(
        label="Main input URL",
        max_length=1000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "rtsp://192.0.2.10:554/stream1", "spellcheck": "false"}),
        help_text="Credentials typed as user:password@ are moved to the fields below.",
    )
    username = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        max_length=200,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the stored password.",
    )
    rtsp_transport = forms.ChoiceField(label="RTSP transport", choices=Transport.choices)
    enabled = forms.BooleanField(required=False)
    record = forms.BooleanField(required=False, label="Record to archive")
    record_audio = forms.BooleanField(required=False, label="Record audio")
    segment_duration = forms.IntegerField(min_value=2, max_value=3600, help_text="Seconds per archive file.")
    dvr_depth_days = forms.DecimalField(
        label="Archive depth",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        help_text="Days. Blank inherits the preset or organization setting.",
    )
    dvr_space_limit_gb = forms.DecimalField(
        label="Archive space limit",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="GB. Blank inherits.",
    )
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    postal_address = forms.CharField(max_length=500, required=False)
    tags = forms.CharField(max_length=500, required=False, help_text="Comma-separated.")

    def __init__(
        self, *args, folders, camera: Camera | None = None, inputs: list[CameraInput] = (), **kwargs
    ):
        self.camera = camera
        self.inputs = list(inputs)
        self.main_input = self.inputs[0] if self.inputs else None
        kwargs.setdefault("initial", self._initial())
        super().__init__(*args, **kwargs)
        if camera is not None:
            # The name is the camera's key; enabling has its own toggle on the edit page.
            del self.fields["name"], self.fields["enabled"]
            if camera.folder_id is not None:
                # Keep the current folder even when this user cannot see it, or saving would move the camera.
                folders = folders | Folder.objects.filter(pk=camera.folder_id)
        self.fields["folder"].queryset = folders.select_related("parent")

    def _initial(self) -> dict:
        camera = self.camera or Camera()
        initial = {name: getattr(camera, name) for name in CAMERA_FIELDS}
        initial["dvr_depth_days"] = _scaled(camera.dvr_depth, SECONDS_PER_DAY)
        initial["dvr_space_limit_gb"] = _scaled(camera.dvr_space_limit, BYTES_PER_GB)
        if self.main_input is not None:
            initial.update(url=self.main_input.url, username=self.main_input.username)
        return initial

    def clean_url(self):
        return _clean_url(self.cleaned_data["url"])

    def clean(self):
        data = super().clean()
        url, username, password = data.get("url", ""), data.get("username", ""), data.get("password", "")
        if password and not username.strip() and url and urlsplit(url).username is None:
            self.add_error("username", "Enter the username that goes with this password.")
        stored = getattr(self, "main_input", None)
        moved = stored is not None and url and _endpoint(url) != _endpoint(stored.url)
        if moved and stored.password and username.strip() and not password and urlsplit(url).username is None:
            # The stored password belongs to the old address; never send it to another server.
            self.add_error("password", "The address changed: enter the password for the new one.")
        return data

    def camera_fields(self) -> dict:
        """Keyword arguments for camera_create/camera_update, in the model's units."""
        data = self.cleaned_data
        fields = {name: data[name] for name in CAMERA_FIELDS if name in self.fields}
        depth, space = data["dvr_depth_days"], data["dvr_space_limit_gb"]
        fields["dvr_depth"] = None if depth is None else int(depth * SECONDS_PER_DAY)
        fields["dvr_space_limit"] = None if space is None else int(space * BYTES_PER_GB)
        return fields

    def input_urls(self) -> list[str] | None:
        """The input URLs for the services, or None to leave the stored inputs untouched.

        The main input gets its credentials back in the URL (the services move them out again), so a
        blank password field keeps the stored password. Other inputs follow unchanged.
        """
        if self.camera is not None and not INPUT_FIELDS & set(self.changed_data):
            return None
        data = self.cleaned_data
        others = [camera_input.source_url() for camera_input in self.inputs[1:]]
        url = data["url"]
        if not url:
            return others
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            return [url, *others]
        username = data["username"].strip()
        stored = self.main_input
        same_server = stored is not None and _endpoint(url) == _endpoint(stored.url)
        password = data["password"] or (stored.password if same_server else "")
        main = CameraInput(url=url, username=username, password=password if username else "")
        return [main.source_url(), *others]

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names, the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for model_field, messages in error.message_dict.items():
            field = ERROR_FIELDS.get(model_field, model_field)
            if field in self.fields:
                self.add_error(field, messages)
            elif model_field == NON_FIELD_ERRORS:
                self.add_error(None, messages)
            else:
                self.add_error(None, [f"{model_field.replace('_', ' ').capitalize()}: {m}" for m in messages])


def _clean_url(url: str) -> str:
    url = url.strip()
    if url and ("://" not in url or not urlsplit(url).scheme):
        raise ValidationError("Enter a full URL, such as rtsp://192.0.2.10:554/stream1.")
    return url


def _endpoint(url: str) -> tuple:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class CameraProbeForm(forms.Form):
    """The camera form's source fields, for "Test connection" (shape only; the probe decides)."""

    url = forms.CharField(max_length=1000, error_messages={"required": "Enter the URL to test."})
    username = forms.CharField(max_length=200, required=False)
    password = forms.CharField(max_length=200, required=False, strip=False)
    rtsp_transport = forms.ChoiceField(choices=Transport.choices, required=False)

    def __init__(self, *args, main_input: CameraInput | None = None, **kwargs):
        self.main_input = main_input
        super().__init__(*args, **kwargs)

    def clean_url(self):
        return _clean_url(self.cleaned_data["url"])

    def transport(self) -> str:
        return self.cleaned_data["rtsp_transport"] or Transport.TCP

    def source_url(self) -> str:
        """The URL with credentials, as saving the form would store them.

        A blank password means the stored one, but only for the stored input's own scheme, host and
        port: pointing the URL elsewhere must not send the stored password to another server.
        """
        data = self.cleaned_data
        url = data["url"]
        if urlsplit(url).username is not None:
            return url
        username, password = data["username"].strip(), data["password"]
        stored = self.main_input
        if not password and stored is not None and _endpoint(url) == _endpoint(stored.url):
            password = stored.password
        return CameraInput(url=url, username=username, password=password if username else "").source_url()
