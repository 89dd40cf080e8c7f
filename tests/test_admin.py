"""The admin: every page opens for a domain administrator, edits and actions go through the services."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.forms import FileField, MultiWidget
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.choices import Role
from accounts.models import (
    AuthSession,
    DeviceToken,
    KnownAddress,
    LoginFailure,
    SpentRefreshToken,
    TotpDevice,
    TrustedDevice,
    User,
    WebPushSubscription,
)
from accounts.services import notifications as notification_services
from cameras.choices import CameraStatus
from cameras.models import (
    Agent,
    AgentActivationToken,
    Camera,
    CameraInput,
    CameraPlacement,
    DetectionZone,
    EventSubscription,
    MosaicSlot,
    NodeEgress,
    NvrResource,
    RtmpStream,
)
from organizations.models import AuditEvent, Folder, Message, SiteSettings
from recordings.models import Detection, Gap, Job, Person, PersonList, RetentionPolicy, Segment, SegmentTag
from tests import factories

APP_LABELS = ["accounts", "organizations", "cameras", "recordings"]
MODELS = [model for label in APP_LABELS for model in apps.get_app_config(label).get_models()]


def url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


@pytest.fixture
def domain_admin(client):
    user = factories.UserFactory(login="root", role=Role.ADMIN)
    client.force_login(user)
    return user


def populate(actor, n: int = 1) -> Camera:
    """One row of every model in the four apps; `n` keeps the unique names of a second set apart."""
    org = factories.OrganizationFactory(title=f"Org {n}")
    member = factories.UserFactory(login=f"member{n}")
    factories.MembershipFactory(user=member, organization=org)
    folder = factories.FolderFactory(organization=org, title="Lobby")
    factories.FolderGrantFactory(folder=folder, user=member)
    Message.objects.create(organization=org, recipient=member, sender=actor, title="Hello")
    AuditEvent.objects.create(kind="login", actor=actor, organization=org, message="logged in")
    SiteSettings.load()
    notification_services.vapid_key_get()  # a migration makes it, but a transactional test's flush drops it

    soon = timezone.now() + timedelta(days=1)
    account_services.api_key_create(user=member, name="ci")
    account_services.totp_device_start(user=member)
    account_services.trusted_device_create(user=member, ip_address="10.0.0.1", user_agent="Firefox")
    session = AuthSession.objects.create(key=f"s{n}", user=member, dialect="watcher", expires_at=soon)
    SpentRefreshToken.objects.create(session=session, token_hash=f"{n:064d}")
    LoginFailure.objects.create(login=member.login, ip_address="10.0.0.2")
    KnownAddress.objects.create(user=member, ip_address="10.0.0.3")
    DeviceToken.objects.create(user=member, token=f"token-{n}", platform="ios")
    WebPushSubscription.objects.create(user=member, endpoint=f"https://push.test/{n}", p256dh="k", auth="a")

    streamer = factories.StreamerFactory(last_heartbeat_at=timezone.now())
    preset = factories.PresetFactory()
    camera = factories.CameraFactory(
        organization=org, folder=folder, name=f"lobby-{n}", streamer=streamer, preset=preset
    )
    factories.CameraInputFactory(camera=camera)
    factories.CameraGrantFactory(camera=camera, user=member)
    DetectionZone.objects.create(camera=camera, zone_id="z1", name="Door")
    EventSubscription.objects.create(user=member, camera=camera)
    MosaicSlot.objects.create(mosaic=factories.MosaicFactory(organization=org), position=0, camera=camera)
    RtmpStream.objects.create(stream_id=f"v{n}", stream_node_number=1, streamer=streamer, camera=camera)
    NvrResource.objects.create(
        stream_id=f"v{n}",
        stream_node_number=1,
        nvr_original_url="rtsp://nvr/1",
        cam_original_url="rtsp://cam/1",
        streamer=streamer,
        camera=camera,
    )
    Agent.objects.create(agent_id=f"agent-{n}", organization=org)
    AgentActivationToken.objects.create(
        token_hash=f"{n:064d}", organization=org, created_by=actor, camera=camera, expires_at=soon
    )
    CameraPlacement.objects.create(camera=camera, streamer=streamer)
    NodeEgress.objects.create(hostname=streamer.hostname, process=f"web-{n}", bytes_total=10)

    segment = factories.SegmentFactory(camera=camera, bytes=5 * 2**20)
    SegmentTag.objects.create(segment=segment, tag="evidence")
    factories.GapFactory(camera=camera)
    factories.RunFactory(camera=camera, run_id=segment.run_id)
    episode = factories.EpisodeFactory(camera=camera)
    Detection.objects.create(
        camera=camera, episode=episode, segment=segment, label="person", detected_at=timezone.now()
    )
    person_list = PersonList.objects.create(organization=org, name="Staff")
    Person.objects.create(organization=org, person_list=person_list, name="Ann")
    RetentionPolicy.objects.create(scope="organization", organization=org, max_age=86400)
    factories.JobFactory(organization=org, camera=camera, created_by=actor)
    return camera


@pytest.fixture
def everything(domain_admin):
    return populate(domain_admin)


def form_data(response) -> dict:
    """The POST body that resubmits an admin change page unchanged (main form and inlines)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(field.field, FileField):
                continue  # nothing to upload; an empty file input keeps the stored file
            if isinstance(field.field.widget, MultiWidget):
                parts = enumerate(field.field.widget.decompress(value))
                data.update({f"{field.html_name}_{i}": part for i, part in parts if part is not None})
            elif value is True:
                data[field.html_name] = "on"
            elif value is not None and value is not False:
                data[field.html_name] = value
    return data


def run_action(client, model, action, objects, **extra):
    data = {"action": action, "_selected_action": [obj.pk for obj in objects], **extra}
    return client.post(url(model, "changelist"), data, follow=True)


@pytest.mark.django_db
def test_every_model_of_the_four_apps_is_registered():
    assert [m._meta.label for m in MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_open_for_a_domain_administrator(client, everything, domain_admin, model):
    assert client.get(url(model, "changelist")).status_code == 200
    obj = model._default_manager.first()
    assert obj is not None, "the fixture must create one of each model"
    assert client.get(url(model, "change", obj.pk)).status_code == 200
    request = RequestFactory().get("/")
    request.user = domain_admin
    can_add = admin.site.get_model_admin(model).has_add_permission(request)
    assert client.get(url(model, "add")).status_code == (200 if can_add else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_queries_do_not_grow_with_rows(client, everything, domain_admin, model):
    with CaptureQueriesContext(connection) as one_set:
        assert client.get(url(model, "changelist")).status_code == 200
    populate(domain_admin, n=2)
    with CaptureQueriesContext(connection) as two_sets:
        assert client.get(url(model, "changelist")).status_code == 200
    assert len(two_sets) == len(one_set), [q["sql"] for q in two_sets.captured_queries]


@pytest.mark.django_db
def test_read_only_models_refuse_add_change_and_delete(everything, domain_admin):
    request = RequestFactory().get("/")
    request.user = domain_admin
    for model in (AuditEvent, Segment, Gap):
        model_admin = admin.site.get_model_admin(model)
        obj = model.objects.first()
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_delete_permission(request, obj)
    audit_admin = admin.site.get_model_admin(AuditEvent)
    assert not audit_admin.has_change_permission(request, AuditEvent.objects.first())
    assert not admin.site.get_model_admin(SiteSettings).has_add_permission(request)


@pytest.mark.django_db
def test_non_admin_user_is_sent_to_the_admin_login(client):
    client.force_login(factories.UserFactory(role=Role.USER))
    response = client.get(reverse("admin:cameras_camera_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_camera_input_inline_moves_credentials_out_of_the_url(client, domain_admin):
    camera = factories.CameraFactory(name="door", onvif_password="onvif-secret")
    page = client.get(url(Camera, "change", camera.pk))
    assert b"onvif-secret" not in page.content
    data = form_data(page)
    data.update(
        {
            "inputs-TOTAL_FORMS": "1",
            "inputs-0-position": "0",
            "inputs-0-purpose": "main",
            "inputs-0-url": "rtsp://u:p%40ss@10.0.0.9:554/x",
            "inputs-0-camera": camera.pk,
        }
    )
    response = client.post(url(Camera, "change", camera.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = CameraInput.objects.get(camera=camera)
    assert (row.url, row.username, row.password) == ("rtsp://10.0.0.9:554/x", "u", "p@ss")
    camera.refresh_from_db()
    assert camera.onvif_password == "onvif-secret"  # a blank write-only field keeps the secret

    page = client.get(url(Camera, "change", camera.pk))
    assert b"p@ss" not in page.content
    data = form_data(page)
    data["inputs-0-url"] = "rtsp://10.0.0.10/x"
    assert client.post(url(Camera, "change", camera.pk), data).status_code == 302
    row.refresh_from_db()
    assert (row.url, row.password) == ("rtsp://10.0.0.10/x", "p@ss")  # a blank password keeps the stored one


@pytest.mark.django_db
def test_disable_action_disables_cameras(client, domain_admin):
    cameras = [factories.CameraFactory(), factories.CameraFactory()]
    run_action(client, Camera, "disable_cameras", cameras)
    assert set(Camera.objects.values_list("enabled", "status")) == {(False, CameraStatus.DISABLED)}
    run_action(client, Camera, "enable_cameras", cameras)
    assert set(Camera.objects.values_list("enabled", flat=True)) == {True}


@pytest.mark.django_db
def test_move_action_refuses_a_folder_of_another_organization(client, domain_admin):
    mine, theirs = factories.CameraFactory(), factories.CameraFactory()
    folder = factories.FolderFactory(organization=mine.organization)
    response = run_action(client, Camera, "move_to_folder", [mine, theirs], folder=str(folder.pk))
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert (mine.folder, theirs.folder) == (folder, None)
    levels = {m.level_tag for m in response.context["messages"]}
    assert levels == {"info", "error"}


@pytest.mark.django_db
def test_protect_action_protects_segments(client, domain_admin):
    segments = [factories.SegmentFactory() for _ in range(2)]
    response = run_action(client, Segment, "protect", segments)
    assert set(Segment.objects.values_list("protected", flat=True)) == {True}
    assert "Protected 2 segments." in [str(m) for m in response.context["messages"]]
    assert AuditEvent.objects.filter(object_type="segment").exists()


@pytest.mark.django_db
def test_user_is_created_with_a_confirmed_password_and_the_hash_is_never_shown(client, domain_admin):
    data = {
        "login": "newbie",
        "password1": factories.PASSWORD,
        "password2": factories.PASSWORD,
        "role": Role.USER,
        "is_active": "on",
    }
    assert client.post(url(User, "add"), data).status_code == 302
    user = User.objects.get(login="newbie")
    assert user.check_password(factories.PASSWORD) and user.password_changed_at is not None

    page = client.get(url(User, "change", user.pk))
    assert user.password.encode() not in page.content
    data = form_data(page)
    assert client.post(url(User, "change", user.pk), data).status_code == 302
    user.refresh_from_db()
    assert user.check_password(factories.PASSWORD)  # a blank new password keeps the old one

    mismatch = {**data, "login": "other", "password1": factories.PASSWORD, "password2": "something else"}
    assert client.post(url(User, "add"), mismatch).status_code == 200
    assert not User.objects.filter(login="other").exists()


@pytest.mark.django_db
def test_camera_added_in_the_admin_goes_through_the_service_with_its_inputs(client, domain_admin):
    org = factories.OrganizationFactory(max_cameras=1)
    data = form_data(client.get(url(Camera, "add")))
    data.update(
        {
            "organization": org.pk,
            "name": "gate",
            "inputs-TOTAL_FORMS": "1",
            "inputs-0-position": "0",
            "inputs-0-purpose": "main",
            "inputs-0-url": "rtsp://admin:1234@cam.test/main",
        }
    )
    assert client.post(url(Camera, "add"), data).status_code == 302
    camera = Camera.objects.get(name="gate")
    assert camera.last_change_user == domain_admin
    assert camera.inputs.get().source_url() == "rtsp://admin:1234@cam.test/main"
    assert AuditEvent.objects.filter(object_type="camera", object_id="gate").exists()

    data["name"] = "gate-2"
    response = client.post(url(Camera, "add"), data)
    assert response.status_code == 200  # over max_cameras: a form error, not a 500
    assert "at most 1 cameras" in str(response.context["adminform"].form.non_field_errors())


@pytest.mark.django_db
def test_folder_cannot_take_a_parent_from_its_subtree_or_another_organization(client, domain_admin):
    top = factories.FolderFactory(title="Top")
    child = factories.FolderFactory(organization=top.organization, parent=top, title="Child")
    foreign = factories.FolderFactory(title="Foreign")
    data = form_data(client.get(url(Folder, "change", top.pk)))
    for parent in (child, foreign):
        response = client.post(url(Folder, "change", top.pk), {**data, "parent": parent.pk})
        assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
    top.refresh_from_db()
    assert top.parent is None


@pytest.mark.django_db
def test_site_settings_mask_the_mail_password_and_keep_it(client, domain_admin):
    site = SiteSettings.load()
    site.mail = {"host": "smtp.test", "password": "mail-secret"}
    site.save()
    page = client.get(url(SiteSettings, "change", site.pk))
    assert b"mail-secret" not in page.content
    assert client.post(url(SiteSettings, "change", site.pk), form_data(page)).status_code == 302
    site.refresh_from_db()
    assert site.mail["password"] == "mail-secret"


@pytest.mark.django_db
def test_user_actions_disable_others_and_revoke_their_api_sessions(client, domain_admin):
    member = factories.UserFactory()
    tomorrow = timezone.now() + timedelta(days=1)
    AuthSession.objects.create(key="s", user=member, dialect="lightnvr", expires_at=tomorrow)
    run_action(client, User, "disable_users", [member, domain_admin])
    assert list(User.objects.filter(is_active=False)) == [member]  # never locks the acting administrator out
    run_action(client, User, "revoke_api_sessions", [member])
    assert AuthSession.objects.get().revoked_at is not None
    run_action(client, User, "enable_users", [member])
    assert User.objects.filter(is_active=False).count() == 0


@pytest.mark.django_db
def test_job_cancel_is_requested_only_for_unfinished_jobs(client, domain_admin):
    running, done = factories.JobFactory(status="running"), factories.JobFactory(status="done")
    run_action(client, Job, "request_cancel", [running, done])
    assert list(Job.objects.filter(cancel_requested=True)) == [running]


@pytest.mark.django_db
def test_segment_change_form_protects_through_the_service(client, domain_admin):
    segment = factories.SegmentFactory()
    data = form_data(client.get(url(Segment, "change", segment.pk)))
    assert client.post(url(Segment, "change", segment.pk), {**data, "protected": "on"}).status_code == 302
    segment.refresh_from_db()
    assert segment.protected
    assert AuditEvent.objects.filter(object_type="segment", object_id=str(segment.pk)).exists()


@pytest.mark.django_db
def test_admin_login_goes_through_the_dashboard_login_so_two_factor_applies(client):
    response = client.get(reverse("admin:login"), {"next": "/admin/cameras/"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:login") + "?next=/admin/cameras/"
    client.force_login(factories.UserFactory(role=Role.USER))
    assert client.get(reverse("admin:login")).status_code == 403
    client.force_login(factories.UserFactory(role=Role.ADMIN))
    assert client.get(reverse("admin:login")).url == reverse("admin:index")


@pytest.mark.django_db
def test_deleting_a_totp_device_resets_two_factor_login_with_its_trusted_devices(client, domain_admin):
    member = factories.UserFactory()
    device = account_services.totp_device_start(user=member)
    account_services.trusted_device_create(user=member, ip_address=None, user_agent="Firefox")
    response = client.post(url(TotpDevice, "delete", device.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not TotpDevice.objects.exists() and not TrustedDevice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_retention_can_be_run_now_and_a_check_and_sync_queued_from_the_policies(
    client, domain_admin, settings, monkeypatch
):
    from recordings import tasks
    from recordings.choices import JobKind
    from recordings.models import Job, RetentionPolicy

    monkeypatch.setattr(tasks.sync_run_task, "delay", lambda job_id: None)
    camera = factories.CameraFactory(dvr_depth=1)  # days
    old = factories.SegmentFactory(camera=camera, started_at=timezone.now() - timedelta(days=3))
    policy = RetentionPolicy.objects.create(scope="default")
    response = run_action(client, RetentionPolicy, "run_retention_now", [policy])
    assert "Retention ran: 1 segments" in " ".join(str(m) for m in response.context["messages"])
    assert not Segment.objects.filter(pk=old.pk).exists()

    run_action(client, RetentionPolicy, "check_and_sync_now", [policy])
    job = Job.objects.get(kind=JobKind.SYNC)
    assert job.params == {"cameras": [camera.pk]}
