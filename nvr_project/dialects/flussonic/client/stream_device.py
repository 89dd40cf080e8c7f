"""Stream import and the camera device: config, firmware, PTZ (catalog §5.2.5-5.2.9, §6.9, §6.21).

The device operations reach the physical camera through ONVIF (cameras/services/device.py). What
the camera does wrong is not the client's fault, so it never answers 401 (that would send a
client to log in again): a stream without ONVIF or PTZ is 409, as a disabled feature is in the
Admin API (§4 there); an unreachable, refusing or failing camera is 502.
"""

import base64
import binascii

from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from cameras import onvif
from cameras.access import camera_actions, can_add_cameras
from cameras.models import Camera
from cameras.services import (
    OnvifUnavailable,
    PtzDisabled,
    camera_device_config_read,
    camera_device_config_write,
    camera_firmware_upgrade,
    camera_ptz_move,
)
from nvr_project.dialects.common.json_body import CheckedJSONParser
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound

from ..errors import BadParameter, InvalidBody, WatcherError
from ..openapi import TEXT, component, obj, responses
from .base import WatcherClientView
from .stream_import import StreamImportView

LEVELS = {  # CameraConfig sensor key -> ImageSettings field
    "brightness_correction": "brightness",
    "contrast_correction": "contrast",
    "sharpness": "sharpness",
    "saturation": "saturation",
    "wide_dynamic_range": "wide_dynamic_range",
}
ON_OFF = ("on", "off")
IR_MODES = ("on", "off", "auto")
ORIENTATIONS = ("normal", "upside_down")
QUALITIES = ("low", "medium", "high")
FIRMWARE_PROTOCOLS = ("iris", "isapi", "xm", "sputnik")
PTZ_SPEEDS = ("up", "down", "left", "right", "in", "out")

_LEVEL = {"type": "integer", "minimum": 0, "maximum": 100}
CAMERA_CONFIG_SCHEMA = component(
    "CameraConfig",
    obj(
        sensor=obj(
            **dict.fromkeys(LEVELS, _LEVEL),
            blacklight_compensation=obj(mode={"type": "string", "enum": list(ON_OFF)}),
            infrared_cutoff_filter=obj(mode={"type": "string", "enum": list(IR_MODES)}),
            image_orientation={"type": "string", "enum": list(ORIENTATIONS)},
        ),
        camera_info=obj(firmware=TEXT, model=TEXT, manufacturer=TEXT, serial_number=TEXT),
        media_quality={"type": "string", "enum": list(QUALITIES)},
    ),
)
PTZ_COMMAND_SCHEMA = component(
    "PtzCommand",
    obj(
        "command",
        command={"type": "string", "enum": ["move_continuous"]},
        **dict.fromkeys(PTZ_SPEEDS, _LEVEL),
    ),
)
FIRMWARE_SCHEMA = obj(
    "image",
    image={"type": "string", "format": "byte"},
    proto={"type": "string", "enum": list(FIRMWARE_PROTOCOLS)},
)
# Besides success, a device operation may answer 409 (a stream without ONVIF or PTZ) and 502 (the
# camera's own failure), as well as the usual 400, 403 and 404.
DEVICE_STATUSES = (400, 403, 404, 409, 502)

DEVICE_ERRORS = (  # most specific first: (exception, HTTP status, code)
    (OnvifUnavailable, 409, "onvif_unavailable"),
    (PtzDisabled, 409, "ptz_disabled"),
    (onvif.DeviceUnsupported, 409, "onvif_unsupported"),
    (onvif.DeviceAuthFailed, 502, "camera_unauthorized"),
    (onvif.DeviceUnreachable, 502, "camera_unreachable"),
    (onvif.DeviceError, 502, "camera_error"),
)


def device_error(exc: onvif.DeviceError) -> WatcherError:
    http_status, code = next((s, c) for cls, s, c in DEVICE_ERRORS if isinstance(exc, cls))
    return WatcherError(str(exc), http_status=http_status, code=code)


def serialize_camera_config(config: onvif.DeviceConfig) -> dict:
    """CameraConfig (§6.9); a setting the camera does not report is left out."""
    image = config.image
    sensor = {key: getattr(image, name) for key, name in LEVELS.items() if getattr(image, name) is not None}
    if image.backlight_compensation is not None:
        sensor["blacklight_compensation"] = {"mode": "on" if image.backlight_compensation else "off"}
    if image.ir_cut_filter is not None:
        sensor["infrared_cutoff_filter"] = {"mode": image.ir_cut_filter}
    if image.upside_down is not None:
        sensor["image_orientation"] = "upside_down" if image.upside_down else "normal"
    body = {
        "sensor": sensor,
        "camera_info": {
            "firmware": config.firmware,
            "model": config.model,
            "manufacturer": config.manufacturer,
            "serial_number": config.serial_number,
        },
    }
    if config.quality is not None:
        body["media_quality"] = config.quality
    return body


def _mode(value, pointer: str, allowed: tuple, problems: list):
    if not isinstance(value, dict):
        problems.append((pointer, "must be an object"))
    elif "mode" in value:
        if value["mode"] not in allowed:
            problems.append((f"{pointer}/mode", f"must be one of {', '.join(allowed)}"))
        else:
            return value["mode"]
    return None


def parse_camera_config(body) -> tuple[onvif.ImageSettings, str | None]:
    """The settings a partial CameraConfig asks to change; `camera_info` is read-only (ignored)."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems: list[tuple[str, str]] = []
    image, quality = onvif.ImageSettings(), None
    sensor = body.get("sensor", {})
    if not isinstance(sensor, dict):
        problems.append(("/sensor", "must be an object"))
        sensor = {}
    for key, name in LEVELS.items():
        if key in sensor:
            value = sensor[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                problems.append((f"/sensor/{key}", "must be an integer from 0 to 100"))
            else:
                setattr(image, name, value)
    if "blacklight_compensation" in sensor:
        mode = _mode(sensor["blacklight_compensation"], "/sensor/blacklight_compensation", ON_OFF, problems)
        image.backlight_compensation = None if mode is None else mode == "on"
    if "infrared_cutoff_filter" in sensor:
        image.ir_cut_filter = _mode(
            sensor["infrared_cutoff_filter"], "/sensor/infrared_cutoff_filter", IR_MODES, problems
        )
    if "image_orientation" in sensor:
        if sensor["image_orientation"] not in ORIENTATIONS:
            problems.append(("/sensor/image_orientation", "must be normal or upside_down"))
        else:
            image.upside_down = sensor["image_orientation"] == "upside_down"
    if "media_quality" in body:
        if body["media_quality"] not in QUALITIES:
            problems.append(("/media_quality", "must be low, medium or high"))
        else:
            quality = body["media_quality"]
    if problems:
        raise InvalidBody(problems)
    return image, quality


class _DeviceView(WatcherClientView):
    """A stream's camera; reading or changing the device needs `can_edit_streams` (§5.2.6-5.2.8)."""

    def camera(self, name: str, action: str = Action.MANAGE) -> Camera:
        """The visible stream (else 404) if the caller may `action` on it (else 403)."""
        camera = self.get_queryset().filter(name=name).select_related("organization").first()
        if camera is None:
            raise ObjectNotFound("stream not found")
        if action == Action.MANAGE:
            allowed = can_add_cameras(self.user, camera.organization)
        else:
            allowed = action in camera_actions(self.user, camera)
        if not allowed:
            raise PermissionDenied(
                f"you may not {'use PTZ on' if action == Action.PTZ else 'edit'} this stream"
            )
        return camera


class CameraConfigView(_DeviceView):
    """/streams/{name}/camera_config: `camera_config_get` and `camera_config_save`."""

    @extend_schema(
        operation_id="camera_config_get", responses=responses(CAMERA_CONFIG_SCHEMA, *DEVICE_STATUSES)
    )
    def get(self, request, name: str):
        camera = self.camera(name)
        try:
            config = camera_device_config_read(camera=camera)
        except onvif.DeviceError as exc:
            raise device_error(exc) from exc
        return Response(serialize_camera_config(config))

    @extend_schema(
        operation_id="camera_config_save",
        request={"application/json": CAMERA_CONFIG_SCHEMA},
        responses=responses(CAMERA_CONFIG_SCHEMA, *DEVICE_STATUSES),
    )
    def put(self, request, name: str):
        camera = self.camera(name)
        image, quality = parse_camera_config(request.data)
        try:
            config = camera_device_config_write(camera=camera, actor=self.user, image=image, quality=quality)
        except onvif.DeviceError as exc:
            raise device_error(exc) from exc
        return Response(serialize_camera_config(config))


class FirmwareParser(BaseParser):
    """A raw firmware file as the whole body (§5.2.8)."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read() if stream is not None else b""


class FirmwareUpdateView(_DeviceView):
    """/streams/{name}/firmware_update: `stream_firmware_update`; other media types are 415."""

    parser_classes = [CheckedJSONParser, FirmwareParser]

    @extend_schema(
        operation_id="stream_firmware_update",
        parameters=[OpenApiParameter("proto", str, enum=list(FIRMWARE_PROTOCOLS))],
        request={
            "application/json": FIRMWARE_SCHEMA,
            "application/octet-stream": {"type": "string", "format": "binary"},
        },
        responses=responses(None, *DEVICE_STATUSES, 415, status=204),
    )
    def put(self, request, name: str):
        camera = self.camera(name)
        image = self._image(request)
        try:
            camera_firmware_upgrade(camera=camera, actor=self.user, image=image)
        except onvif.DeviceError as exc:
            raise device_error(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _image(self, request) -> bytes:
        """The firmware bytes; `proto` is checked, though ONVIF is what talks to the camera."""
        data = request.data
        if isinstance(data, bytes):
            if request.query_params.get("proto", "iris") not in FIRMWARE_PROTOCOLS:
                raise BadParameter("proto", f"proto must be one of {', '.join(FIRMWARE_PROTOCOLS)}")
            if not data:
                raise InvalidBody([("", "the firmware file is empty")])
            return data
        if not isinstance(data, dict):
            raise InvalidBody([("", "the body must be a JSON object")])
        problems = []
        if data.get("proto", "iris") not in FIRMWARE_PROTOCOLS:
            problems.append(("/proto", f"must be one of {', '.join(FIRMWARE_PROTOCOLS)}"))
        image = b""
        if not isinstance(data.get("image"), str) or not data["image"]:
            problems.append(("/image", "is required: the firmware file in base64"))
        else:
            try:
                image = base64.b64decode(data["image"], validate=True)
            except (binascii.Error, ValueError):
                problems.append(("/image", "must be valid base64"))
        if problems:
            raise InvalidBody(problems)
        return image


def parse_ptz_command(body) -> tuple[float, float, float]:
    """Pan, tilt and zoom speeds (-1..1) of a PTZ command (§6.21; up/down tilt, left/right pan)."""
    if not isinstance(body, dict):
        raise InvalidBody([("", "the body must be a JSON object")])
    problems = []
    if body.get("command") != "move_continuous":
        problems.append(("/command", "must be move_continuous"))
    speeds = {}
    for key in PTZ_SPEEDS:
        value = body.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            problems.append((f"/{key}", "must be an integer from 0 to 100"))
        speeds[key] = value
    if problems:
        raise InvalidBody(problems)
    return (
        (speeds["right"] - speeds["left"]) / 100,
        (speeds["up"] - speeds["down"]) / 100,
        (speeds["in"] - speeds["out"]) / 100,
    )


class PtzView(_DeviceView):
    """/streams/{name}/ptz: `stream_ptz_execute` (folder permission `can_use_ptz`)."""

    @extend_schema(
        operation_id="stream_ptz_execute",
        request={"application/json": PTZ_COMMAND_SCHEMA},
        responses=responses(None, *DEVICE_STATUSES, status=204),
    )
    def post(self, request, name: str):
        camera = self.camera(name, Action.PTZ)
        pan, tilt, zoom = parse_ptz_command(request.data)
        try:
            camera_ptz_move(camera=camera, pan=pan, tilt=tilt, zoom=zoom)
        except onvif.DeviceError as exc:
            raise device_error(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


# Ahead of `streams/<path:name>` (§9): `import` is a reserved stream name, and the sub-resources
# end a path whose stream name may itself contain `/`.
urlpatterns: list = [
    path("streams/import", StreamImportView.as_view(), name="streams_import"),
    path("streams/<path:name>/camera_config", CameraConfigView.as_view(), name="camera_config_get"),
    path("streams/<path:name>/firmware_update", FirmwareUpdateView.as_view(), name="stream_firmware_update"),
    path("streams/<path:name>/ptz", PtzView.as_view(), name="stream_ptz_execute"),
]
