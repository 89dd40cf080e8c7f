"""A simulated ONVIF camera on 127.0.0.1: a small SOAP server that answers what our client asks.

It keeps a little device state (imaging levels, encoder, rotation), checks the WS-Security
UsernameToken digest of every call (a wrong password gets the ONVIF `ter:NotAuthorized` fault),
records each call (operation name and parsed body) and accepts a firmware upload by HTTP POST.
Tests get it from the `onvif_device` fixture (tests/support/fixtures.py is not ours to edit, so
the fixture is defined where it is used; see `running_device`).
"""

import base64
import contextlib
import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
NS = {
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "timg": "http://www.onvif.org/ver20/imaging/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
}
PREFIX = {  # operation -> namespace prefix of its response
    "GetServices": "tds",
    "GetDeviceInformation": "tds",
    "StartFirmwareUpgrade": "tds",
    "GetProfiles": "trt",
    "GetVideoEncoderConfigurationOptions": "trt",
    "SetVideoEncoderConfiguration": "trt",
    "SetVideoSourceConfiguration": "trt",
    "GetImagingSettings": "timg",
    "GetOptions": "timg",
    "SetImagingSettings": "timg",
    "ContinuousMove": "tptz",
    "Stop": "tptz",
}
RESOLUTIONS = [(640, 360), (1280, 720), (1920, 1080), (2560, 1440)]


@dataclass
class Call:
    operation: str
    body: etree._Element  # the operation element of the SOAP body

    def find(self, path: str) -> str | None:
        """The text of the first element at `path` (`tt:`/`tptz:`… prefixes) in the request."""
        found = self.body.find(path, NS)
        return None if found is None else found.text

    def attribute(self, path: str, name: str) -> str | None:
        found = self.body.find(path, NS)
        return None if found is None else found.get(name)


@dataclass
class DeviceState:
    """What the camera holds; tests read and set it directly."""

    username: str = "admin"
    password: str = "secret"
    brightness: float = 128.0  # device range 0..255, so 50 %
    contrast: float = 50.0
    saturation: float = 40.0
    sharpness: float = 30.0
    wdr_mode: str = "ON"
    wdr_level: float = 70.0
    backlight: str = "OFF"
    ir_cut: str = "AUTO"
    rotate: str = "OFF"
    width: int = 1920
    height: int = 1080
    fps: int = 25
    bitrate: int = 4096
    gov_length: int = 50
    has_ptz: bool = True
    has_imaging: bool = True
    firmware_status: int = 200  # HTTP status of the upload endpoint
    calls: list[Call] = field(default_factory=list)
    firmware: list[bytes] = field(default_factory=list)

    def operations(self) -> list[str]:
        return [c.operation for c in self.calls]

    def last(self, operation: str) -> Call:
        return [c for c in self.calls if c.operation == operation][-1]


def _digest_ok(header: etree._Element | None, state: DeviceState) -> bool:
    token = None if header is None else header.find(f".//{{{WSSE}}}UsernameToken")
    if token is None:
        return False
    username = token.findtext(f"{{{WSSE}}}Username")
    password = token.findtext(f"{{{WSSE}}}Password") or ""
    nonce = base64.b64decode(token.findtext(f"{{{WSSE}}}Nonce") or "")
    created = token.findtext(f"{{{WSU}}}Created") or ""
    expected = base64.b64encode(hashlib.sha1(nonce + created.encode() + state.password.encode()).digest())
    return username == state.username and password.encode() == expected


def _envelope(body: str) -> bytes:
    namespaces = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{SOAP}" {namespaces}'
        f' xmlns:ter="http://www.onvif.org/ver10/error"><s:Body>{body}</s:Body></s:Envelope>'
    ).encode()


def _fault(subcode: str, reason: str) -> bytes:
    return _envelope(
        f"<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>{subcode}</s:Value>"
        f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">{reason}</s:Text></s:Reason></s:Fault>'
    )


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args):  # quiet test output
        pass

    def _answer(self, status: int, payload: bytes, content_type="application/soap+xml; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        state = self.server.state
        if self.path == "/firmware":
            state.firmware.append(data)
            return self._answer(state.firmware_status, b"", "text/plain")
        envelope = etree.fromstring(data)
        operation_element = envelope.find(f"{{{SOAP}}}Body")[0]
        operation = etree.QName(operation_element).localname
        if not _digest_ok(envelope.find(f"{{{SOAP}}}Header"), state):
            return self._answer(400, _fault("ter:NotAuthorized", "Sender not authorized"))
        state.calls.append(Call(operation, operation_element))
        handler = getattr(self.server.device, operation, None)
        if handler is None:
            return self._answer(400, _fault("ter:ActionNotSupported", f"{operation} is not supported"))
        body = handler(Call(operation, operation_element))
        prefix = PREFIX[operation]
        self._answer(200, _envelope(f"<{prefix}:{operation}Response>{body}</{prefix}:{operation}Response>"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, device: "SimulatedDevice"):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.device, self.state = device, device.state


class SimulatedDevice:
    """The operations the camera answers; each returns the inner XML of its response."""

    def __init__(self, state: DeviceState):
        self.state = state
        self.server = _Server(self)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def GetServices(self, call):
        services = [("tds", "device_service"), ("trt", "media_service")]
        if self.state.has_imaging:
            services.append(("timg", "imaging_service"))
        if self.state.has_ptz:
            services.append(("tptz", "ptz_service"))
        return "".join(
            f"<tds:Service><tds:Namespace>{NS[p]}</tds:Namespace>"
            f"<tds:XAddr>{self.url}/onvif/{path}</tds:XAddr>"
            f"<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
            for p, path in services
        )

    def GetDeviceInformation(self, call):
        return (
            "<tds:Manufacturer>Simulated</tds:Manufacturer><tds:Model>SIM-1080</tds:Model>"
            "<tds:FirmwareVersion>1.2.3</tds:FirmwareVersion><tds:SerialNumber>SN0042</tds:SerialNumber>"
            "<tds:HardwareId>HW1</tds:HardwareId>"
        )

    def GetProfiles(self, call):
        s = self.state
        ptz = (
            '<tt:PTZConfiguration token="ptz1"><tt:Name>ptz</tt:Name><tt:UseCount>1</tt:UseCount>'
            "<tt:NodeToken>node1</tt:NodeToken></tt:PTZConfiguration>"
            if s.has_ptz
            else ""
        )
        return (
            '<trt:Profiles token="main" fixed="true"><tt:Name>Main</tt:Name>'
            '<tt:VideoSourceConfiguration token="vsc1"><tt:Name>src</tt:Name><tt:UseCount>1</tt:UseCount>'
            '<tt:SourceToken>source1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/>'
            f"<tt:Extension><tt:Rotate><tt:Mode>{s.rotate}</tt:Mode><tt:Degree>180</tt:Degree></tt:Rotate>"
            "</tt:Extension></tt:VideoSourceConfiguration>"
            '<tt:VideoEncoderConfiguration token="vec1"><tt:Name>enc</tt:Name><tt:UseCount>1</tt:UseCount>'
            "<tt:Encoding>H264</tt:Encoding>"
            f"<tt:Resolution><tt:Width>{s.width}</tt:Width><tt:Height>{s.height}</tt:Height></tt:Resolution>"
            "<tt:Quality>5</tt:Quality>"
            f"<tt:RateControl><tt:FrameRateLimit>{s.fps}</tt:FrameRateLimit>"
            f"<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>{s.bitrate}</tt:BitrateLimit>"
            f"</tt:RateControl><tt:H264><tt:GovLength>{s.gov_length}</tt:GovLength>"
            "<tt:H264Profile>Main</tt:H264Profile></tt:H264>"
            "<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address>"
            "</tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart>"
            "</tt:Multicast><tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>"
            f"{ptz}</trt:Profiles>"
        )

    def GetVideoEncoderConfigurationOptions(self, call):
        resolutions = "".join(
            f"<tt:ResolutionsAvailable><tt:Width>{w}</tt:Width><tt:Height>{h}</tt:Height>"
            "</tt:ResolutionsAvailable>"
            for w, h in RESOLUTIONS
        )
        return (
            "<trt:Options><tt:QualityRange><tt:Min>1</tt:Min><tt:Max>10</tt:Max></tt:QualityRange>"
            f"<tt:H264>{resolutions}"
            "<tt:GovLengthRange><tt:Min>1</tt:Min><tt:Max>40</tt:Max></tt:GovLengthRange>"
            "<tt:FrameRateRange><tt:Min>1</tt:Min><tt:Max>20</tt:Max></tt:FrameRateRange>"
            "<tt:EncodingIntervalRange><tt:Min>1</tt:Min><tt:Max>1</tt:Max></tt:EncodingIntervalRange>"
            "<tt:H264ProfilesSupported>Main</tt:H264ProfilesSupported></tt:H264></trt:Options>"
        )

    def SetVideoEncoderConfiguration(self, call):
        s = self.state
        s.width = int(call.find(".//tt:Resolution/tt:Width"))
        s.height = int(call.find(".//tt:Resolution/tt:Height"))
        s.fps = int(call.find(".//tt:RateControl/tt:FrameRateLimit"))
        s.bitrate = int(call.find(".//tt:RateControl/tt:BitrateLimit"))
        s.gov_length = int(call.find(".//tt:H264/tt:GovLength"))
        return ""

    def SetVideoSourceConfiguration(self, call):
        self.state.rotate = call.find(".//tt:Rotate/tt:Mode")
        return ""

    def GetImagingSettings(self, call):
        s = self.state
        return (
            "<timg:ImagingSettings>"
            f"<tt:BacklightCompensation><tt:Mode>{s.backlight}</tt:Mode></tt:BacklightCompensation>"
            f"<tt:Brightness>{s.brightness}</tt:Brightness><tt:ColorSaturation>{s.saturation}"
            f"</tt:ColorSaturation><tt:Contrast>{s.contrast}</tt:Contrast>"
            f"<tt:IrCutFilter>{s.ir_cut}</tt:IrCutFilter><tt:Sharpness>{s.sharpness}</tt:Sharpness>"
            f"<tt:WideDynamicRange><tt:Mode>{s.wdr_mode}</tt:Mode><tt:Level>{s.wdr_level}</tt:Level>"
            "</tt:WideDynamicRange></timg:ImagingSettings>"
        )

    def GetOptions(self, call):
        level = "<tt:Min>0</tt:Min><tt:Max>100</tt:Max>"
        return (
            "<timg:ImagingOptions><tt:BacklightCompensation><tt:Mode>OFF</tt:Mode><tt:Mode>ON</tt:Mode>"
            "</tt:BacklightCompensation><tt:Brightness><tt:Min>0</tt:Min><tt:Max>255</tt:Max></tt:Brightness>"
            f"<tt:ColorSaturation>{level}</tt:ColorSaturation><tt:Contrast>{level}</tt:Contrast>"
            "<tt:IrCutFilterModes>ON</tt:IrCutFilterModes><tt:IrCutFilterModes>OFF</tt:IrCutFilterModes>"
            f"<tt:IrCutFilterModes>AUTO</tt:IrCutFilterModes><tt:Sharpness>{level}</tt:Sharpness>"
            "<tt:WideDynamicRange><tt:Mode>OFF</tt:Mode><tt:Mode>ON</tt:Mode>"
            f"<tt:Level>{level}</tt:Level></tt:WideDynamicRange></timg:ImagingOptions>"
        )

    def SetImagingSettings(self, call):
        s = self.state
        for element, name in (
            ("Brightness", "brightness"),
            ("Contrast", "contrast"),
            ("ColorSaturation", "saturation"),
            ("Sharpness", "sharpness"),
        ):
            if (value := call.find(f".//timg:ImagingSettings/tt:{element}")) is not None:
                setattr(s, name, float(value))
        if (mode := call.find(".//tt:WideDynamicRange/tt:Mode")) is not None:
            s.wdr_mode = mode
            s.wdr_level = float(call.find(".//tt:WideDynamicRange/tt:Level") or s.wdr_level)
        if (mode := call.find(".//tt:BacklightCompensation/tt:Mode")) is not None:
            s.backlight = mode
        if (mode := call.find(".//tt:IrCutFilter")) is not None:
            s.ir_cut = mode
        return ""

    def ContinuousMove(self, call):
        return ""

    def Stop(self, call):
        return ""

    def StartFirmwareUpgrade(self, call):
        return (
            f"<tds:UploadUri>{self.url}/firmware</tds:UploadUri>"
            "<tds:UploadDelay>PT0S</tds:UploadDelay><tds:ExpectedDownTime>PT90S</tds:ExpectedDownTime>"
        )


@contextlib.contextmanager
def running_device(state: DeviceState | None = None):
    """A SimulatedDevice serving on a free 127.0.0.1 port until the block ends."""
    device = SimulatedDevice(state or DeviceState())
    thread = threading.Thread(target=device.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield device
    finally:
        device.server.shutdown()
        device.server.server_close()
        thread.join(timeout=5)


def attach(camera, device: SimulatedDevice, *, password: str | None = None, ptz: bool = True) -> None:
    """Point a Camera row at the simulated device, as an admin would set it up."""
    camera.is_onvif = True
    camera.onvif_url = device.url
    camera.onvif_username = device.state.username
    camera.onvif_password = device.state.password if password is None else password
    camera.ptz_enabled = ptz
    camera.save()
