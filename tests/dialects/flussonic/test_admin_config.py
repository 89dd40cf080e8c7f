"""Admin API domain and system settings: secrets never echoed, patches merged, bad input pointed at."""

import json

import pytest

from organizations.models import AuditEvent, SiteSettings

from .registry import JSON


def put(admin_api, body):
    return admin_api("PUT", "/domain_config", login="root", data=json.dumps(body), content_type=JSON)


def test_a_masked_mail_password_sent_back_keeps_the_stored_one(root, admin_api):
    first = {
        "mail": {
            "sending_method": "SMTP",
            "host": "smtp.a.test",
            "port": 465,
            "password": "pw-1",
            "security": "tls",
        }
    }
    assert put(admin_api, first).status_code == 200
    shown = admin_api("GET", "/domain_config", login="root").json()
    assert shown["mail"]["password"] == "***" and "pw-1" not in json.dumps(shown)
    shown["mail"]["host"] = "smtp.b.test"
    saved = put(admin_api, shown)  # GET, edit, PUT back with the mask
    assert saved.status_code == 200 and saved.json()["mail"]["host"] == "smtp.b.test"
    assert SiteSettings.load().mail["password"] == "pw-1"
    assert AuditEvent.objects.filter(object_type="domain_config").count() == 2


def test_switching_to_sendgrid_drops_the_smtp_secrets(root, admin_api):
    put(admin_api, {"mail": {"sending_method": "SMTP", "host": "smtp.a.test", "password": "pw-1"}})
    response = put(admin_api, {"mail": {"sending_method": "SendGrid", "api_key": "SG.key"}})
    assert response.json()["mail"] == {"sending_method": "SendGrid", "api_key": "***"}
    assert SiteSettings.load().mail == {"sending_method": "SendGrid", "api_key": "SG.key"}


def test_appearance_is_what_the_client_api_ui_settings_show(root, admin_api, client):
    put(admin_api, {"appearance": {"title": "Guard post", "colors": {"background": "#000000"}}})
    ui = client.get("/watcher/client-api/v3/ui_settings").json()
    assert ui["title"] == "Guard post" and ui["colors"]["background"] == "#000000"
    assert ui["colors"]["primary"] == "#444951"  # untouched by the patch


@pytest.mark.parametrize(
    "body, pointer",
    [
        ({"mail": {"sending_method": "Pigeon"}}, "/mail/sending_method"),
        ({"mail": {"sending_method": "SMTP", "port": 70000}}, "/mail/port"),
        ({"mail": {"sending_method": "SMTP", "security": "ssl3"}}, "/mail/security"),
        ({"mail": {"host": "smtp.a.test"}}, "/mail/sending_method"),  # nothing stored to merge into
        ({"mail": {"sending_method": "SMTP", "sender": {"email": "nobody"}}}, "/mail/sender/email"),
        ({"appearance": {"colors": {"primary": "red"}}}, "/appearance/colors/primary"),
        ({"appearance": {"logo": "http://example.test/logo.png"}}, "/appearance/logo"),
        ({"appearance": []}, "/appearance"),
    ],
)
def test_bad_domain_config_is_400_pointing_at_the_field(body, pointer, root, admin_api):
    before = SiteSettings.load().mail
    response = put(admin_api, body)
    assert response.status_code == 400
    assert [e["source"]["pointer"] for e in response.json()["errors"]] == [pointer]
    assert SiteSettings.load().mail == before


def test_system_config_masks_the_database_password(root, admin_api, settings):
    settings.DATABASE_URL = "postgres://central:hunter2@db.example.test:5432/central"
    body = admin_api("GET", "/system_config", login="root").json()
    assert body["database"]["url"] == "postgres://central:***@db.example.test:5432/central"


def test_cluster_stats_in_an_unknown_format_is_a_catalog_404(root, admin_api):
    response = admin_api("GET", "/cluster/stats?format=xml", login="root")
    assert response.status_code == 404 and response.json()["errors"][0]["status"] == "404"


def test_the_appearance_favicon_serves_every_size_in_ui_settings(root, admin_api, client):
    icon = "data:image/png;base64,iVBORw0KGgo="
    put(admin_api, {"appearance": {"favicon": icon}})
    favicons = client.get("/watcher/client-api/v3/ui_settings").json()["favicons"]
    assert favicons == {size: icon for size in ("16", "32", "48", "64", "128")}
