"""What an administrator sets as the domain appearance (Admin API `domain_config_save`) is what the
sign-in page and the dashboard show."""

import base64
import io
import json
import struct
import zlib

import av
import pytest

from accounts.choices import Role
from tests.dialects.flussonic.conftest import ADMIN_BASE, basic
from tests.factories import UserFactory

from .test_camera_page import screenshot, sign_in

pytestmark = pytest.mark.slow


def png_data_url(color: tuple[int, int, int], width: int = 64, height: int = 32) -> str:
    """A solid-colour PNG, written by hand (no imaging library needed for a test picture)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(color) * width for _ in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def centre_colour(png: bytes) -> tuple[int, int, int]:
    with av.open(io.BytesIO(png)) as container:
        pixels = next(container.decode(video=0)).to_ndarray(format="rgb24")
    return tuple(int(v) for v in pixels[pixels.shape[0] // 2, pixels.shape[1] // 2])


def test_the_domain_appearance_brands_the_sign_in_page_and_the_dashboard(page, asgi_server, world):
    from django.test import Client

    UserFactory(login="root", role=Role.ADMIN)
    body = {
        "appearance": {
            "title": "Harbour Watch",
            "logo_auth": png_data_url((255, 0, 0)),
            "logo": png_data_url((0, 0, 255)),
            "colors": {"secondary": "#00aa00"},
        }
    }
    saved = Client().put(f"{ADMIN_BASE}/domain_config", json.dumps(body), "application/json", **basic("root"))
    assert saved.status_code == 200

    page.goto(f"{asgi_server.url}/accounts/login/")
    assert page.title().endswith("Harbour Watch")
    logo = page.locator(".auth-card .brand-logo")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 64
    assert centre_colour(logo.screenshot()) == (255, 0, 0)  # the login-page logo
    assert "Harbour Watch" in page.locator(".auth-card .brand").inner_text()
    screenshot(page, "branding-sign-in")

    sign_in(page, asgi_server, "alice")
    sidebar_logo = page.locator(".sidebar .brand-logo")
    assert centre_colour(sidebar_logo.screenshot()) == (0, 0, 255)  # the sidebar logo
    accent = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent == "#00aa00"
