"""The physical camera behind a camera record: read and change its settings, move it, upgrade it.

Each service resolves where the camera's ONVIF device service is and talks to it through
cameras/onvif.py; a camera without ONVIF raises OnvifUnavailable before any network call. Failures
of the device itself are cameras.onvif.DeviceError subclasses.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync
from django.utils import timezone

from cameras import onvif
from cameras.models import Camera
from organizations.choices import AuditKind
from organizations.services import audit_event_record


class OnvifUnavailable(onvif.DeviceError):
    """The camera is not set up for ONVIF (or has no address to reach it at)."""


class PtzDisabled(onvif.DeviceError):
    """PTZ control is switched off for this camera (Watcher `onvif.ptz: false`)."""


def camera_onvif_endpoint(*, camera: Camera) -> onvif.Endpoint:
    """Host, port and credentials of the camera's ONVIF service.

    `onvif_url` may be a bare host, host:port or a full URL; without it the host of the first
    input is used. `onvif_port` wins over a port in the URL; 80 is ONVIF's default. Credentials
    fall back to the first input's, as most cameras share one account.
    """
    if not camera.is_onvif:
        raise OnvifUnavailable("this stream's camera is not set up for ONVIF")
    first = camera.inputs.order_by("position").first()
    address = camera.onvif_url.strip() or (first.url if first else "")
    parts = urlsplit(address if "://" in address else f"http://{address}")
    try:
        url_port = parts.port
    except ValueError:
        url_port = None
    if not parts.hostname:
        raise OnvifUnavailable("this stream's camera has no ONVIF address")
    username, password = camera.onvif_username, camera.onvif_password
    if not username and first is not None:
        username, password = first.username, first.password
    port = camera.onvif_port or (url_port if camera.onvif_url.strip() else None) or 80
    return onvif.Endpoint(parts.hostname, port, username, password, camera.onvif_profile)


def _remember(camera: Camera, config: onvif.DeviceConfig) -> None:
    camera.device_config = {
        "image": vars(config.image),
        "quality": config.quality,
        "firmware": config.firmware,
        "model": config.model,
        "manufacturer": config.manufacturer,
        "serial_number": config.serial_number,
    }
    camera.save(update_fields=["device_config", "updated_at"])


def _audit(camera: Camera, actor, message: str) -> None:
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=actor,
        organization=camera.organization,
        object_type="camera",
        object_id=camera.name,
        message=message,
    )


def camera_device_config_read(*, camera: Camera) -> onvif.DeviceConfig:
    """The camera's identity, sensor settings and quality tier, as the device reports them now.

    Kept in `device_config` as the last known state. Raises OnvifUnavailable or a DeviceError.
    """
    config = async_to_sync(onvif.config_read)(camera_onvif_endpoint(camera=camera))
    _remember(camera, config)
    return config


def camera_device_config_write(
    *, camera: Camera, actor, image: onvif.ImageSettings, quality: str | None
) -> onvif.DeviceConfig:
    """Change the given sensor settings and quality tier on the device (None keeps a setting).

    Returns what the device reports afterwards; audited. The device applies each Set* call on its
    own, so a failure part-way can leave earlier settings applied (a device has no transaction).
    """
    endpoint = camera_onvif_endpoint(camera=camera)
    config = async_to_sync(onvif.config_write)(endpoint, image=image, quality=quality)
    _remember(camera, config)
    _audit(camera, actor, f"changed the device settings of {camera.name}")
    return config


def camera_ptz_move(*, camera: Camera, pan: float, tilt: float, zoom: float) -> None:
    """Start moving at these speeds (-1..1: right, up, in are positive), or stop when all are 0."""
    if not camera.ptz_enabled:
        raise PtzDisabled("PTZ is not enabled for this stream")
    async_to_sync(onvif.ptz_move)(camera_onvif_endpoint(camera=camera), pan=pan, tilt=tilt, zoom=zoom)


MIN_DOWN_TIME_S = 60  # a camera that announces no down time still reboots


def camera_firmware_upgrade(*, camera: Camera, actor, image: bytes) -> None:
    """Upload a firmware image to the camera, which then installs it and reboots.

    `firmware_update_started_at` marks the update as running from the moment the upload starts
    (Watcher shows `firmware_update_duration` meanwhile) until `firmware_update_ends_at`, the end
    of the down time the camera announces once it has the image; a failed upload clears both.
    """
    endpoint = camera_onvif_endpoint(camera=camera)
    camera.firmware_update_started_at = timezone.now()
    camera.firmware_update_ends_at = None
    camera.save(update_fields=["firmware_update_started_at", "firmware_update_ends_at", "updated_at"])
    try:
        down_s = async_to_sync(onvif.firmware_upgrade)(endpoint, image)
    except onvif.DeviceError:
        camera.firmware_update_started_at = None
        camera.save(update_fields=["firmware_update_started_at", "updated_at"])
        raise
    camera.firmware_update_ends_at = timezone.now() + timedelta(seconds=max(down_s, MIN_DOWN_TIME_S))
    camera.save(update_fields=["firmware_update_ends_at", "updated_at"])
    _audit(camera, actor, f"uploaded firmware ({len(image)} bytes) to {camera.name}")
