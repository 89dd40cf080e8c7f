"""ONVIF client of one camera: identity, imaging, encoder quality, PTZ moves and firmware upgrade.

Plain values in and out, no Django (cameras/services/device.py resolves a camera's endpoint and
records what happened). Every call opens its own `ONVIFCamera` (onvif-zeep-async and its bundled
WSDLs), discovers the service addresses, does its work within TIMEOUT_S (a firmware upload within
UPLOAD_TIMEOUT_S) and closes the sockets.
Whatever goes wrong on the way becomes one of the `DeviceError`s below, never a raw aiohttp or zeep
exception, so a caller can tell "nobody answered" from "wrong password" from "the camera said no".
"""

import asyncio
import datetime as dt
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields

import aiohttp
import zeep.exceptions
from lxml import etree
from onvif import ONVIFCamera
from onvif.exceptions import ONVIFAuthError, ONVIFError
from zeep.helpers import serialize_object

TIMEOUT_S = 5.0  # a request waits on the camera: an unreachable one must fail fast
UPLOAD_TIMEOUT_S = 120.0  # a firmware image is megabytes over a camera's slow HTTP server
MAX_UPLOAD_DELAY_S = 5.0  # StartFirmwareUpgrade's UploadDelay, capped so a request cannot hang on it

# media_quality tiers: target (pixels, frames/s, kbit/s); the device's nearest offer is used.
QUALITY = {
    "low": (640 * 360, 10, 512),
    "medium": (1280 * 720, 15, 2048),
    "high": (1920 * 1080, 25, 4096),
}


class DeviceError(Exception):
    """The camera could not do what was asked; `str()` is a sentence for the user."""


class DeviceUnsupported(DeviceError):
    """The camera has no such ONVIF service (no PTZ, no imaging, no firmware upgrade)."""


class DeviceUnreachable(DeviceError):
    """Nothing answered at the camera's ONVIF address in time."""


class DeviceAuthFailed(DeviceError):
    """The camera refused the ONVIF user name or password."""


class DeviceRefused(DeviceError):
    """The camera answered with a SOAP fault or an HTTP error."""


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom to reach a camera's ONVIF device service."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    profile: str = ""  # media profile token; empty: the device's first profile


@dataclass
class ImageSettings:
    """Sensor settings in device-independent terms; None means "unknown" (read) or "keep" (write).

    Levels are percentages of the range the device reports in its imaging options.
    """

    brightness: int | None = None
    contrast: int | None = None
    sharpness: int | None = None
    saturation: int | None = None
    wide_dynamic_range: int | None = None  # 0 switches WDR off
    backlight_compensation: bool | None = None
    ir_cut_filter: str | None = None  # on | off | auto
    upside_down: bool | None = None


@dataclass
class DeviceConfig:
    image: ImageSettings = field(default_factory=ImageSettings)
    quality: str | None = None  # low | medium | high
    firmware: str = ""
    model: str = ""
    manufacturer: str = ""
    serial_number: str = ""


LEVELS = {  # ImageSettings field -> ONVIF ImagingSettings20 element
    "brightness": "Brightness",
    "contrast": "Contrast",
    "sharpness": "Sharpness",
    "saturation": "ColorSaturation",
}


def _fault_is_auth(fault: zeep.exceptions.Fault) -> bool:
    names = [str(getattr(s, "localname", s)) for s in (fault.subcodes or [])]
    return any("NotAuthorized" in n for n in names) or "not authorized" in (fault.message or "").lower()


@asynccontextmanager
async def _device(endpoint: Endpoint) -> AsyncIterator[ONVIFCamera]:
    """A connected camera whose service addresses are known; errors become DeviceErrors.

    Discovery gets TIMEOUT_S; the caller bounds its own calls (a firmware upload takes longer).
    """
    # Empty strings, not None: zeep's UsernameToken cannot build a header from None, and a camera
    # without accounts ignores an empty one.
    camera = ONVIFCamera(endpoint.host, endpoint.port, endpoint.username, endpoint.password, no_cache=True)
    try:
        async with asyncio.timeout(TIMEOUT_S):
            await camera.update_xaddrs()
        yield camera
    except DeviceError:
        raise
    except TimeoutError:
        raise DeviceUnreachable("the camera did not answer in time") from None
    except ONVIFAuthError as exc:
        raise DeviceAuthFailed("the camera refused the ONVIF user name or password") from exc
    except zeep.exceptions.Fault as exc:
        if _fault_is_auth(exc):
            raise DeviceAuthFailed("the camera refused the ONVIF user name or password") from exc
        raise DeviceRefused(f"the camera refused: {exc.message}") from exc
    except zeep.exceptions.TransportError as exc:
        if exc.status_code == 401:
            raise DeviceAuthFailed("the camera refused the ONVIF user name or password") from exc
        raise DeviceRefused(f"the camera answered HTTP {exc.status_code}") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise DeviceUnreachable(f"the camera cannot be reached: {exc}") from exc
    except (zeep.exceptions.Error, ONVIFError) as exc:
        cause = exc.__cause__ or exc
        if isinstance(cause, aiohttp.ClientError | OSError):
            raise DeviceUnreachable(f"the camera cannot be reached: {cause}") from exc
        if "support service" in str(exc):
            raise DeviceUnsupported("the camera does not offer this ONVIF service") from exc
        raise DeviceRefused(f"the camera's answer cannot be used: {exc}") from exc
    finally:
        await camera.close()


async def _service(camera: ONVIFCamera, name: str):
    try:
        return await camera.create_onvif_service(name)
    except ONVIFError as exc:
        raise DeviceUnsupported(f"the camera has no ONVIF {name} service") from exc


async def _profile(camera: ONVIFCamera, endpoint: Endpoint):
    """The configured media profile, or the device's first one."""
    media = await _service(camera, "media")
    profiles = await media.GetProfiles()
    if not profiles:
        raise DeviceRefused("the camera has no media profile")
    if endpoint.profile:
        chosen = next((p for p in profiles if p.token == endpoint.profile), None)
        if chosen is None:
            raise DeviceRefused(f"the camera has no media profile {endpoint.profile!r}")
        return media, chosen
    return media, profiles[0]


# --- levels and quality tiers -----------------------------------------------------------------


def _range(options, name: str) -> tuple[float, float]:
    found = getattr(options, name, None) if options is not None else None
    low, high = getattr(found, "Min", None), getattr(found, "Max", None)
    return (0.0, 100.0) if low is None or high is None or high <= low else (float(low), float(high))


def _to_percent(value, bounds: tuple[float, float]) -> int | None:
    if value is None:
        return None
    low, high = bounds
    return max(0, min(100, round((float(value) - low) * 100 / (high - low))))


def _from_percent(percent: int, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return low + (high - low) * percent / 100


def _quality_of(encoder) -> str | None:
    resolution = getattr(encoder, "Resolution", None)
    if resolution is None or not resolution.Width or not resolution.Height:
        return None
    pixels = resolution.Width * resolution.Height
    return min(QUALITY, key=lambda tier: abs(math.log(pixels / QUALITY[tier][0])))


def _plain(configuration) -> dict:
    """A configuration as dicts to send back, without the raw `xs:any` copies zeep keeps.

    Those copies (`_value_1`, …) repeat elements such as `Extension`; sent back, the device would
    read the old value before ours.
    """
    if isinstance(configuration, dict):
        return {k: _plain(v) for k, v in configuration.items() if not k.startswith("_value_")}
    if isinstance(configuration, list):
        return [_plain(v) for v in configuration]
    return configuration


def _upside_down(source) -> bool:
    """Rotated by 180°: `Extension/Rotate`, parsed or (when zeep's `xs:any` took it) raw XML."""
    rotate = getattr(getattr(source, "Extension", None), "Rotate", None)
    if rotate is not None:
        mode, degree = rotate.Mode, rotate.Degree
    else:
        raw = next((e for e in getattr(source, "_value_1", None) or [] if hasattr(e, "iter")), None)
        found = {} if raw is None else {etree.QName(e).localname: e.text for e in raw.iter()}
        mode, degree = found.get("Mode"), found.get("Degree")
    return mode == "ON" and int(degree or 180) % 360 == 180


def _clamp(value: int, bounds) -> int:
    if bounds is None or bounds.Min is None or bounds.Max is None:
        return value
    return max(bounds.Min, min(bounds.Max, value))


def _encoder_for_quality(encoder, options, quality: str):
    """The encoder configuration (a dict) at `quality`, within what the device offers."""
    pixels, fps, kbps = QUALITY[quality]
    config = _plain(serialize_object(encoder, dict))
    codec = getattr(options, config.get("Encoding") or "H264", None) or getattr(options, "H264", None)
    offered = list(getattr(codec, "ResolutionsAvailable", None) or [])
    if offered:
        best = min(offered, key=lambda r: abs(math.log(r.Width * r.Height / pixels)))
        config["Resolution"] = {"Width": best.Width, "Height": best.Height}
    rate = dict(config.get("RateControl") or {})
    rate["FrameRateLimit"] = _clamp(fps, getattr(codec, "FrameRateRange", None))
    rate["BitrateLimit"] = kbps
    rate.setdefault("EncodingInterval", 1)
    config["RateControl"] = rate
    if config.get("H264") is not None:
        gop = _clamp(2 * rate["FrameRateLimit"], getattr(codec, "GovLengthRange", None))
        config["H264"] = {**config["H264"], "GovLength": gop}
    return config


# --- operations -------------------------------------------------------------------------------


async def _read(camera: ONVIFCamera, endpoint: Endpoint) -> DeviceConfig:
    device = await _service(camera, "devicemgmt")
    info = await device.GetDeviceInformation()
    config = DeviceConfig(
        firmware=info.FirmwareVersion or "",
        model=info.Model or "",
        manufacturer=info.Manufacturer or "",
        serial_number=info.SerialNumber or "",
    )
    _, profile = await _profile(camera, endpoint)
    config.quality = _quality_of(profile.VideoEncoderConfiguration)
    source = profile.VideoSourceConfiguration
    if source is None:
        return config
    config.image.upside_down = _upside_down(source)
    if not camera.xaddrs.get("http://www.onvif.org/ver20/imaging/wsdl"):
        return config  # no imaging service: the sensor stays unknown
    imaging = await _service(camera, "imaging")
    settings = await imaging.GetImagingSettings({"VideoSourceToken": source.SourceToken})
    options = await imaging.GetOptions({"VideoSourceToken": source.SourceToken})
    for name, element in LEVELS.items():
        setattr(config.image, name, _to_percent(getattr(settings, element, None), _range(options, element)))
    wdr = settings.WideDynamicRange
    if wdr is not None:
        level = _to_percent(wdr.Level, _range(getattr(options, "WideDynamicRange", None), "Level"))
        config.image.wide_dynamic_range = (level or 0) if wdr.Mode == "ON" else 0
    if settings.BacklightCompensation is not None:
        config.image.backlight_compensation = settings.BacklightCompensation.Mode == "ON"
    if settings.IrCutFilter is not None:
        config.image.ir_cut_filter = settings.IrCutFilter.lower()
    return config


async def _write(camera: ONVIFCamera, endpoint: Endpoint, image: ImageSettings, quality: str | None):
    media, profile = await _profile(camera, endpoint)
    source = profile.VideoSourceConfiguration
    if image.upside_down is not None:
        if source is None:
            raise DeviceUnsupported("the camera has no video source to rotate")
        configuration = _plain(serialize_object(source, dict))
        extension = dict(configuration.get("Extension") or {})
        extension["Rotate"] = {"Mode": "ON" if image.upside_down else "OFF", "Degree": 180}
        configuration["Extension"] = extension
        await media.SetVideoSourceConfiguration({"Configuration": configuration, "ForcePersistence": True})
    sensor = {f.name: getattr(image, f.name) for f in fields(image) if f.name != "upside_down"}
    if any(v is not None for v in sensor.values()):
        if source is None:
            raise DeviceUnsupported("the camera has no video source to adjust")
        await _write_imaging(camera, source.SourceToken, image)
    if quality is not None:
        encoder = profile.VideoEncoderConfiguration
        if encoder is None:
            raise DeviceUnsupported("the camera's profile has no video encoder")
        options = await media.GetVideoEncoderConfigurationOptions(
            {"ConfigurationToken": encoder.token, "ProfileToken": profile.token}
        )
        configuration = _encoder_for_quality(encoder, options, quality)
        await media.SetVideoEncoderConfiguration({"Configuration": configuration, "ForcePersistence": True})


async def _write_imaging(camera: ONVIFCamera, source_token: str, image: ImageSettings) -> None:
    imaging = await _service(camera, "imaging")
    options = await imaging.GetOptions({"VideoSourceToken": source_token})
    settings = {}
    for name, element in LEVELS.items():
        if (percent := getattr(image, name)) is not None:
            settings[element] = _from_percent(percent, _range(options, element))
    if image.wide_dynamic_range is not None:
        bounds = _range(getattr(options, "WideDynamicRange", None), "Level")
        settings["WideDynamicRange"] = (
            {"Mode": "ON", "Level": _from_percent(image.wide_dynamic_range, bounds)}
            if image.wide_dynamic_range
            else {"Mode": "OFF"}
        )
    if image.backlight_compensation is not None:
        settings["BacklightCompensation"] = {"Mode": "ON" if image.backlight_compensation else "OFF"}
    if image.ir_cut_filter is not None:
        settings["IrCutFilter"] = image.ir_cut_filter.upper()
    await imaging.SetImagingSettings(
        {"VideoSourceToken": source_token, "ImagingSettings": settings, "ForcePersistence": True}
    )


async def config_read(endpoint: Endpoint) -> DeviceConfig:
    """Identity (GetDeviceInformation), sensor (GetImagingSettings) and quality (encoder) of a camera."""
    async with _device(endpoint) as camera, asyncio.timeout(TIMEOUT_S):
        return await _read(camera, endpoint)


async def config_write(endpoint: Endpoint, *, image: ImageSettings, quality: str | None) -> DeviceConfig:
    """Apply the given settings (None fields are kept) and read the result back."""
    async with _device(endpoint) as camera, asyncio.timeout(2 * TIMEOUT_S):  # writes, then reads back
        await _write(camera, endpoint, image, quality)
        return await _read(camera, endpoint)


async def ptz_move(endpoint: Endpoint, *, pan: float, tilt: float, zoom: float) -> None:
    """ContinuousMove at these speeds (-1..1; positive is right, up, in); all zero sends Stop."""
    async with _device(endpoint) as camera, asyncio.timeout(TIMEOUT_S):
        ptz = await _service(camera, "ptz")
        token = endpoint.profile or (await _profile(camera, endpoint))[1].token
        if pan == tilt == zoom == 0:
            await ptz.Stop({"ProfileToken": token, "PanTilt": True, "Zoom": True})
            return
        velocity = {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}
        await ptz.ContinuousMove({"ProfileToken": token, "Velocity": velocity})


def _seconds(duration) -> float:
    if isinstance(duration, dt.timedelta):
        return duration.total_seconds()
    total = getattr(duration, "total_seconds", None)
    return float(total()) if callable(total) else 0.0


async def firmware_upgrade(endpoint: Endpoint, image: bytes) -> float:
    """StartFirmwareUpgrade, then POST the image to the upload URI the camera gave.

    Returns the camera's expected down time in seconds (it reboots into the new firmware).
    """
    async with _device(endpoint) as camera:
        device = await _service(camera, "devicemgmt")
        async with asyncio.timeout(TIMEOUT_S):
            started = await device.StartFirmwareUpgrade()
        await asyncio.sleep(min(_seconds(started.UploadDelay), MAX_UPLOAD_DELAY_S))
        middlewares = ()
        if endpoint.username:
            middlewares = (aiohttp.DigestAuthMiddleware(endpoint.username, endpoint.password),)
        timeout = aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT_S, connect=TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout, middlewares=middlewares) as session:
            headers = {"Content-Type": "application/octet-stream"}
            async with session.post(started.UploadUri, data=image, headers=headers) as response:
                if response.status == 401:
                    raise DeviceAuthFailed("the camera refused the ONVIF user name or password")
                if response.status >= 300:
                    raise DeviceRefused(f"the camera refused the firmware image (HTTP {response.status})")
        return _seconds(started.ExpectedDownTime)
