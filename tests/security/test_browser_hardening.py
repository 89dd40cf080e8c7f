"""Browser hardening (issue 13, item 5): what a hostile upload or page can make a browser do.

An organization admin's SVG floor plan with a script must never run in a domain admin's browser:
a new one is refused, and one stored before the fix is served as a sandboxed download. Every page
sends a CSP that runs only our own scripts, and the dashboard, Django admin and Swagger UI still
work under it (no violation in Chromium). NVR_HTTPS=1 gives HSTS and Secure cookies.
"""

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image

from accounts.choices import Role
from organizations.models import Folder
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
JSON = "application/json"
SCRIPTED_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>console.log('svg-script-ran'); fetch('/svg-script-ran');</script>"
    b'<rect width="10" height="10"/></svg>'
)


def picture(fmt: str, size=(6, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def folder_url(world, folder) -> str:
    return f"/watcher/client-api/v3/organizations/{world.org_a.id}/folders/{folder.id}"


def put_floor_plan(api, world, content: bytes, mime_type: str):
    body = {
        "floor_plan": {"file": {"b64_content": base64.b64encode(content).decode(), "mime_type": mime_type}}
    }
    return api(
        "PUT", folder_url(world, world.folders.vault).removeprefix("/watcher/client-api/v3"),
        login="alice", data=json.dumps(body), content_type=JSON,
    )  # fmt: skip


def stored_svg(folder) -> str:
    """An SVG floor plan as an upload stored before uploads were checked left it; its URL."""
    folder.floor_plan.save("legacy.svg", ContentFile(SCRIPTED_SVG))
    return folder.floor_plan.url


# --- uploads ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "mime_type"),
    [
        (SCRIPTED_SVG, "image/svg+xml"),  # the finding itself
        (SCRIPTED_SVG, "image/png"),  # the same, labelled as a picture
        (b"\x89PNG\r\n\x1a\n" + SCRIPTED_SVG, "image/png"),  # a PNG signature over a script
        (b"GIF89a" + SCRIPTED_SVG, "image/gif"),  # GIF is not on the list
    ],
)
def test_an_upload_that_is_not_a_raster_picture_is_refused_with_the_dialects_400(
    world, api, settings, tmp_path, content, mime_type
):
    settings.MEDIA_ROOT = tmp_path
    response = put_floor_plan(api, world, content, mime_type)
    assert response.status_code == 400, response.content
    assert [e["source"]["pointer"] for e in response.json()["errors"]] == ["/floor_plan/file"]
    assert not Folder.objects.get(pk=world.folders.vault.pk).floor_plan
    assert not list(tmp_path.rglob("*.*"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "mime_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_a_raster_upload_is_stored_re_encoded_and_served_inline(
    world, api, client, settings, tmp_path, fmt, mime_type
):
    settings.MEDIA_ROOT = tmp_path
    trailer = b"<script>alert(1)</script>"  # bytes after the picture do not survive re-encoding
    response = put_floor_plan(api, world, picture(fmt) + trailer, mime_type)
    assert response.status_code == 200, response.content
    stored = Folder.objects.get(pk=world.folders.vault.pk).floor_plan
    assert trailer not in stored.read()
    client.force_login(world.alice)
    served = client.get(response.json()["floor_plan"]["file"]["url"])
    assert served.status_code == 200 and served["Content-Type"] == mime_type
    assert "attachment" not in served.get("Content-Disposition", "")
    assert served["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (6, 4)


@pytest.mark.django_db
def test_a_stored_svg_is_served_as_a_sandboxed_download(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = stored_svg(world.folders.vault)
    client.force_login(world.alice)
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def uploads_dir(settings, tmp_path):
    """Set before a forked server starts (asgi_server), so that server stores uploads there too."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_stored_svg_with_a_script_never_runs_in_chromium(uploads_dir, page, asgi_server):
    """A domain admin opens the stored SVG's link: the script does not run (it would log and fetch).

    Served by daphne as `scripts/nvr.py run` serves it (Django's live server answers /uploads/
    itself, bypassing our view).
    """
    from tests.factories import FolderFactory, OrganizationFactory

    folder = FolderFactory(organization=OrganizationFactory(title="Org A"), title="Plan")
    url = f"{asgi_server.url}{stored_svg(folder)}"
    sign_in(page, asgi_server, UserFactory(login="root", role=Role.ADMIN))
    logged, requested, served = [], [], []
    page.on("console", lambda message: logged.append(message.text))
    page.on("request", lambda request: requested.append(urlsplit(request.url).path))
    page.on("response", lambda response: served.append(response) if response.url == url else None)
    # Embedded in one of our pages, as a hostile page of ours would try.
    page.goto(f"{asgi_server.url}/accounts/security/")
    page.evaluate(
        "url => { const f = document.createElement('iframe'); f.src = url; document.body.append(f); }", url
    )
    page.wait_for_timeout(500)
    # Opened directly, as a domain admin following the link would.
    with page.expect_download(timeout=5_000):
        try:
            page.goto(url)
        except Exception:  # noqa: BLE001 - a navigation that turns into a download is aborted
            pass
    page.wait_for_timeout(500)
    assert served and all(r.headers["content-disposition"].startswith("attachment") for r in served)
    assert "svg-script-ran" not in " ".join(logged)
    assert "/svg-script-ran" not in requested


# --- the CSP on every page ---------------------------------------------------------------------


def sign_in(page, live_server, user) -> None:
    """Sign `user` in by handing the browser a session cookie (the login form is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    host = urlsplit(live_server.url).hostname
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": host, "path": "/"}]
    )


# Every dashboard page kind, Django admin (index, a list, a change form) and Swagger UI.
SIGNED_IN_PAGES = [
    "/cameras/",
    "/cameras/new/",
    "/cameras/live/",
    "/cameras/folders/",
    "/cameras/a-lobby/",
    "/cameras/a-lobby/edit/",
    "/cameras/a-lobby/access/",
    "/recordings/timeline/",
    "/recordings/daily/",
    "/recordings/episodes/",
    "/recordings/exports/",
    "/recordings/storage/",
    "/accounts/security/",
    "/admin/",
    "/admin/accounts/user/",
    "/admin/organizations/folder/{lobby}/change/",
    "/admin/cameras/camera/add/",
    "/api/docs/",
]
PUBLIC_PAGES = ["/accounts/login/", "/api/docs/"]
VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(
  `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip())


@pytest.fixture
def root(world):
    return UserFactory(login="root", role=Role.ADMIN)


@pytest.mark.django_db
def test_every_page_sends_a_csp_that_runs_only_our_own_scripts(world, root, client):
    client.force_login(root)
    for path in SIGNED_IN_PAGES:
        response = client.get(path.format(lobby=world.folders.lobby.pk))
        assert response.status_code == 200, path
        directives = csp_directives(response)
        assert directives["script-src"] == "'self'", path
        assert directives["object-src"] == "'none'" and directives["base-uri"] == "'self'", path
        assert (
            "unsafe-inline" not in directives["script-src"]
            and "unsafe-eval" not in response["Content-Security-Policy"]
        )
    for path in PUBLIC_PAGES:
        assert csp_directives(Client().get(path))["script-src"] == "'self'", path


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_page_loads_in_chromium_without_a_csp_violation(world, root, page, live_server):
    page.add_init_script(VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    for path in PUBLIC_PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], path
    sign_in(page, live_server, root)
    for path in SIGNED_IN_PAGES:
        page.goto(f"{live_server.url}{path.format(lobby=world.folders.lobby.pk)}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], path
    # Swagger UI really started (its start-up script is a file now): the operations are listed.
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert [m for m in console if "Content Security Policy" in m] == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_dashboards_own_scripts_still_work_under_the_csp(world, page, live_server):
    """What the inline handlers did now comes from app.js: a mosaic's delete asks first."""
    from cameras.models import Mosaic

    mosaic = Mosaic.objects.create(organization=world.org_a, owner=world.alice, title="Doors", layout="2x2")
    sign_in(page, live_server, world.alice)
    page.goto(f"{live_server.url}/cameras/live/?mosaic={mosaic.id}")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("form[data-confirm] button").click()
    page.wait_for_timeout(300)
    assert asked == ["Delete this mosaic?"]
    assert Mosaic.objects.filter(pk=mosaic.pk).exists()  # dismissed: nothing deleted


# --- NVR_HTTPS -----------------------------------------------------------------------------------


HTTPS_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory

def view(request):
    get_token(request)  # the page has a form: it sets the CSRF cookie
    return HttpResponse("ok")

# A request as the TLS-terminating proxy forwards it: plain HTTP, with the proxy's word on the scheme.
request = RequestFactory().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
response = SecurityMiddleware(CsrfViewMiddleware(view))(request)
print(json.dumps({
    "is_secure": request.is_secure(),
    "hsts": response.get("Strict-Transport-Security"),
    "csrf_cookie_secure": bool(response.cookies[settings.CSRF_COOKIE_NAME]["secure"]),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
}))
"""


def https_probe(tmp_path, **env) -> dict:
    """How a fresh process started with `env` answers a request forwarded by an HTTPS proxy."""
    base = {k: v for k, v in os.environ.items() if k != "NVR_HTTPS"}
    result = subprocess.run(
        [sys.executable, "-c", HTTPS_PROBE],
        cwd=ROOT,
        env={**base, "NVR_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "nvr_project.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nvr_https_turns_on_hsts_secure_cookies_and_the_proxy_header(tmp_path):
    on = https_probe(tmp_path, NVR_HTTPS="1")
    assert on["is_secure"] and on["hsts"].startswith("max-age=31536000")
    assert on["csrf_cookie_secure"] and on["session_cookie_secure"]
    off = https_probe(tmp_path)
    assert off == {
        "is_secure": False,
        "hsts": None,
        "csrf_cookie_secure": False,
        "session_cookie_secure": False,
    }


@pytest.mark.django_db
def test_the_django_admin_folder_form_takes_only_raster_pictures_and_re_encodes_them(
    world, root, client, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(root)
    folder = world.folders.vault
    url = f"/admin/organizations/folder/{folder.pk}/change/"
    form = {
        "organization": world.org_a.pk,
        "title": folder.title,
        "position": folder.position,
        "floor_plan_anchors": "{}",
        "grants-TOTAL_FORMS": 0,
        "grants-INITIAL_FORMS": 0,
    }

    def upload(name, content, content_type):
        data = {**form, "floor_plan": SimpleUploadedFile(name, content, content_type=content_type)}
        return client.post(url, data)

    refused = upload("plan.svg", SCRIPTED_SVG, "image/svg+xml")
    assert refused.status_code == 200 and "Upload a PNG, JPEG or WebP picture." in refused.text
    folder.refresh_from_db()
    assert not folder.floor_plan
    accepted = upload("plan.png", picture("PNG") + b"<script>alert(1)</script>", "image/png")
    assert accepted.status_code == 302, accepted.text[:2000]
    folder.refresh_from_db()
    assert folder.floor_plan.name.endswith(".png") and b"<script>" not in folder.floor_plan.read()
