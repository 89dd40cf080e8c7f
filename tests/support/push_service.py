"""A web push service on 127.0.0.1 (RFC 8030) and browser subscriptions that can read what it receives.

A test asks for ``push_service``, makes a subscription as a browser would, hands its JSON to the
API, and reads back what our server pushed::

    pytest_plugins = ["tests.support.push_service"]

    def test_push_arrives(push_service):
        browser = push_service.subscription()            # .json(): {"endpoint", "keys": {...}}
        ...                                              # subscribe, trigger a push
        (push,) = push_service.wait_for(1)
        assert browser.decrypt(push.body) == b'{"title": ...}'
        claims = push_service.vapid_claims(push, public_key=...)

``push_service.subscription(status=410)`` makes one whose pushes are answered 410 Gone, as a push
service does for a subscription the browser dropped.
"""

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Push:
    """One request the push service received."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class BrowserSubscription:
    """What `PushManager.subscribe()` gives a page, plus the browser's private half to decrypt with."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    @classmethod
    def create(cls, endpoint: str) -> "BrowserSubscription":
        """A subscription with fresh keys at `endpoint` (which need not be served by anything)."""
        return cls(endpoint, ec.generate_private_key(ec.SECP256R1()))

    @property
    def keys(self) -> dict:
        point = self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"p256dh": b64url(point), "auth": b64url(self.auth_secret)}

    def json(self) -> dict:
        return {"endpoint": self.endpoint, "keys": self.keys}

    def decrypt(self, body: bytes) -> bytes:
        """The plaintext of an aes128gcm push (RFC 8291), as the browser would read it."""
        return http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )


class PushService:
    """A threaded HTTP server that records every push and answers 201, or a status set per path."""

    def __init__(self):
        self.received: list[Push] = []
        self.statuses: dict[str, int] = {}
        self._arrived = threading.Condition()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with service._arrived:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    service.received.append(Push(self.path, headers, body))
                    service._arrived.notify_all()
                self.send_response(service.statuses.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "PushService":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def subscription(self, status: int = 201) -> BrowserSubscription:
        path = f"/push/{secrets.token_urlsafe(12)}"
        self.statuses[path] = status
        return BrowserSubscription.create(self.origin + path)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Push]:
        """The first `count` pushes, waiting up to `timeout` seconds for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
            assert len(self.received) >= count, f"{len(self.received)} pushes arrived, not {count}"
            return list(self.received[:count])

    def vapid_claims(self, push: Push, *, public_key: str) -> dict:
        """The claims of the push's VAPID token (RFC 8292 `vapid t=…,k=…`), checked against `public_key`.

        Raises if the scheme, the key or the ES256 signature is wrong, or the token is for another
        audience or expired.
        """
        scheme, _, params = push.headers["authorization"].partition(" ")
        assert scheme == "vapid"
        parts = dict(p.split("=", 1) for p in params.split(","))
        assert parts["k"] == public_key
        verifier = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
        return jwt.decode(parts["t"], key=verifier, algorithms=["ES256"], audience=self.origin)


@pytest.fixture
def push_service(settings):
    """A push service on 127.0.0.1 and a free port, for one test (which may then push to loopback)."""
    settings.NVR_PUSH_ALLOW_PRIVATE = True
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def celery_eager():
    """Celery tasks run in the caller's thread, so a push leaves as soon as its transaction commits."""
    from nvr_project.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
