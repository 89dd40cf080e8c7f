"""Organizations writes, members and presets of the Client API (catalog §5.9.2-5.9.10, §5.10, §8)."""

import json

import pytest
from django.utils import timezone

from accounts.choices import Role
from cameras.models import Mosaic
from organizations.models import AuditEvent, Folder, Membership, Organization
from recordings.models import Job
from tests.factories import (
    CameraFactory,
    FolderFactory,
    JobFactory,
    MembershipFactory,
    MosaicFactory,
    OrganizationFactory,
    PresetFactory,
    UserFactory,
)

from .registry import JSON

pytestmark = pytest.mark.django_db


@pytest.fixture
def dora(world):
    """A domain administrator who belongs to no organization."""
    return UserFactory(login="dora", role=Role.ADMIN)


def send(api, method, path, login, body):
    return api(method, path, login=login, data=json.dumps(body), content_type=JSON)


def pointers(response) -> list[str]:
    return [e["source"]["pointer"] for e in response.json()["errors"]]


# --- organization_create ------------------------------------------------------------------------


def test_only_a_domain_administrator_creates_organizations(world, api):
    response = send(api, "POST", "/organizations", "alice", {"title": "Mine"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "forbidden"
    assert not Organization.objects.filter(title="Mine").exists()


def test_creator_without_owner_becomes_owner_and_administrator(dora, api):
    response = send(api, "POST", "/organizations", "dora", {"title": "  Fresh  "})
    assert response.status_code == 200, response.content
    org = response.json()
    assert org["title"] == "Fresh" and org["owner"] == {"id": dora.id, "name": "dora"}
    assert org["limits"] == {} and org["stats"] == {"streams": 0, "users": 1, "mosaics": 0}
    assert all(org["user_permissions"].values())  # is_member and every right
    assert Membership.objects.get(user=dora, organization_id=org["id"]).is_admin


def test_create_reports_each_bad_field_by_pointer(dora, api):
    body = {"limits": {"streams": -1, "users": "ten"}, "owner": {"id": "carol"}}
    response = send(api, "POST", "/organizations", "dora", body)
    assert response.status_code == 400
    assert pointers(response) == ["/title", "/limits/streams", "/limits/users", "/owner/id"]


def test_create_with_an_unknown_owner_is_a_400(dora, api):
    response = send(api, "POST", "/organizations", "dora", {"title": "X", "owner": {"id": 999999}})
    assert response.status_code == 400 and pointers(response) == ["/owner/id"]


# --- organization_save --------------------------------------------------------------------------


def test_member_who_is_not_an_administrator_cannot_save(world, api):
    response = send(api, "PUT", f"/organizations/{world.org_a.id}", "bob", {"title": "Bob's"})
    assert response.status_code == 403
    world.org_a.refresh_from_db()
    assert world.org_a.title == "Org A"


def test_save_needs_a_title(world, api):
    response = send(api, "PUT", f"/organizations/{world.org_a.id}", "alice", {"limits": {}})
    assert response.status_code == 400 and pointers(response) == ["/title"]


def test_organization_administrator_cannot_raise_own_limits(world, api):
    world.org_a.max_cameras = 10
    world.org_a.save()
    body = {"title": "Org A", "limits": {"streams": 1000}}
    response = send(api, "PUT", f"/organizations/{world.org_a.id}", "alice", body)
    assert response.status_code == 403
    world.org_a.refresh_from_db()
    assert world.org_a.max_cameras == 10
    same = send(
        api, "PUT", f"/organizations/{world.org_a.id}", "alice", {"title": "A", "limits": {"streams": 10}}
    )
    assert same.status_code == 200  # sending the current value back is not a change


def test_domain_administrator_sets_and_clears_limits(world, dora, api):
    path = f"/organizations/{world.org_a.id}"
    response = send(api, "PUT", path, "dora", {"title": "Org A", "limits": {"streams": 7, "users": 3}})
    assert response.status_code == 200 and response.json()["limits"] == {"streams": 7, "users": 3}
    response = send(api, "PUT", path, "dora", {"title": "Org A", "limits": {"users": None}})
    assert response.json()["limits"] == {"streams": 7}  # partial: streams kept, users unlimited again


def test_only_the_owner_hands_the_organization_over(world, api):
    path = f"/organizations/{world.org_a.id}"
    response = send(api, "PUT", path, "alice", {"title": "Org A", "owner": {"id": world.bob.id}})
    assert response.status_code == 403  # alice administers org A but does not own it
    world.org_a.owner = world.alice
    world.org_a.save()
    response = send(api, "PUT", path, "alice", {"title": "Org A", "owner": {"id": world.bob.id}})
    assert response.status_code == 200 and response.json()["owner"] == {"id": world.bob.id, "name": "bob"}
    bob = api("GET", path, login="bob").json()
    assert bob["user_permissions"]["can_edit_users"] is True


def test_owner_cannot_hand_over_to_another_tenants_user(world, api):
    world.org_a.owner = world.alice
    world.org_a.save()
    response = send(
        api,
        "PUT",
        f"/organizations/{world.org_a.id}",
        "alice",
        {"title": "A", "owner": {"id": world.carol.id}},
    )
    assert response.status_code == 400 and pointers(response) == ["/owner/id"]


# --- organization_delete ------------------------------------------------------------------------


def test_organization_with_streams_is_not_deleted(world, dora, api):
    response = api("DELETE", f"/organizations/{world.org_a.id}", login="dora")
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert "5 streams" in error["title"]
    assert Organization.objects.filter(pk=world.org_a.pk).exists()


def test_administrator_who_is_not_the_owner_cannot_delete(world, api):
    spare = OrganizationFactory(owner=world.carol)
    MembershipFactory(user=world.alice, organization=spare, is_admin=True)
    assert api("DELETE", f"/organizations/{spare.id}", login="alice").status_code == 403
    MembershipFactory(user=world.bob, organization=spare)
    assert api("DELETE", f"/organizations/{spare.id}", login="bob").status_code == 403
    assert Organization.objects.filter(pk=spare.pk).exists()


def test_the_default_organization_is_not_deleted(dora, api):
    default = OrganizationFactory(is_default=True)
    assert api("DELETE", f"/organizations/{default.id}", login="dora").status_code == 409


def test_delete_removes_what_only_the_organization_used(
    world, dora, api, settings, django_capture_on_commit_callbacks
):
    spare = OrganizationFactory(title="Spare")
    MembershipFactory(user=world.bob, organization=spare)
    top = FolderFactory(organization=spare)
    FolderFactory(organization=spare, parent=top)
    MosaicFactory(organization=spare)
    export = settings.NVR_MEDIA_ROOT / "exports" / "spare.mp4"
    export.parent.mkdir(parents=True, exist_ok=True)
    export.write_bytes(b"mp4")
    JobFactory(organization=spare, file_path="exports/spare.mp4", expires_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = api("DELETE", f"/organizations/{spare.id}", login="dora")
    assert response.status_code == 204, response.content
    assert not Folder.objects.filter(organization_id=spare.id).exists()
    assert not Mosaic.objects.filter(organization_id=spare.id).exists()
    assert not Job.objects.filter(organization_id=spare.id).exists() and not export.exists()
    assert Membership.objects.filter(user=world.bob).count() == 1  # bob stays, in org A
    assert AuditEvent.objects.filter(object_type="organization", object_id=str(spare.id)).exists()


# --- organization members -----------------------------------------------------------------------


def test_member_without_can_edit_users_cannot_list_members(world, api):
    response = api("GET", f"/organizations/{world.org_a.id}/users", login="bob")
    assert response.status_code == 403


def test_member_reads_own_entry_but_not_others(world, api):
    own = api("GET", f"/organizations/{world.org_a.id}/users/{world.bob.id}", login="bob")
    assert own.status_code == 200 and own.json()["permissions"]["organization"]["can_edit_users"] is False
    other = api("GET", f"/organizations/{world.org_a.id}/users/{world.alice.id}", login="bob")
    assert other.status_code == 403


def test_a_user_who_is_not_a_member_is_not_found(world, api):
    response = api("GET", f"/organizations/{world.org_a.id}/users/{world.carol.id}", login="alice")
    assert response.status_code == 404


def test_members_filter_by_effective_permission(world, api):
    path = f"/organizations/{world.org_a.id}/users?permissions.organization.can_edit_users=true"
    body = api("GET", path, login="alice").json()
    assert [u["name"] for u in body["users"]] == ["alice"] and body["estimated_count"] == 1


def test_save_adds_a_user_and_keeps_flags_not_sent(world, api):
    erin = UserFactory(login="erin")
    MembershipFactory(user=erin, organization=world.org_a, can_view_stats=True)
    other = OrganizationFactory(title="Org C")
    MembershipFactory(user=world.alice, organization=other, is_admin=True)
    path = f"/organizations/{other.id}/users/{erin.id}"
    response = send(api, "PUT", path, "alice", {"can_edit_streams": True})
    assert response.status_code == 200, response.content
    assert Membership.objects.get(user=erin, organization=other).can_edit_cameras
    response = send(api, "PUT", path, "alice", {"can_view_stats": True})
    flags = response.json()["permissions"]["organization"]
    assert flags["can_edit_streams"] is True and flags["can_view_stats"] is True


def test_another_tenants_user_cannot_be_added_by_an_organization_admin(world, api):
    response = send(api, "PUT", f"/organizations/{world.org_a.id}/users/{world.carol.id}", "alice", {})
    assert response.status_code == 404
    assert not Membership.objects.filter(user=world.carol, organization=world.org_a).exists()


def test_domain_administrator_adds_anyone_within_the_users_limit(world, dora, api):
    world.org_a.max_users = 2  # alice and bob already
    world.org_a.save()
    path = f"/organizations/{world.org_a.id}/users/{world.carol.id}"
    response = send(api, "PUT", path, "dora", {"can_view_stats": True})
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "limit_reached"
    world.org_a.max_users = 3
    world.org_a.save()
    response = send(api, "PUT", path, "dora", {"can_view_stats": True})
    assert response.status_code == 200
    assert world.org_a.id in [
        o["id"] for o in api("GET", "/organizations", login="carol").json()["organizations"]
    ]


def test_viewer_cannot_change_permissions(world, api):
    path = f"/organizations/{world.org_a.id}/users/{world.bob.id}"
    response = send(api, "PUT", path, "bob", {"can_edit_users": True})
    assert response.status_code == 403
    assert not Membership.objects.get(user=world.bob, organization=world.org_a).can_edit_users


def test_member_flags_must_be_booleans(world, api):
    path = f"/organizations/{world.org_a.id}/users/{world.bob.id}"
    response = send(api, "PUT", path, "alice", {"can_edit_users": "yes", "can_view_stats": 1})
    assert response.status_code == 400 and pointers(response) == ["/can_view_stats", "/can_edit_users"]


# --- presets ------------------------------------------------------------------------------------


def test_organization_administrator_cannot_attach_presets(world, api):
    preset = PresetFactory()
    response = send(api, "PUT", f"/organizations/{world.org_a.id}/presets", "alice", {"preset_id": preset.id})
    assert response.status_code == 403
    assert not preset.organizations.exists()


def test_a_deleted_or_missing_preset_cannot_be_attached(world, dora, api):
    deleted = PresetFactory(deleted_at=timezone.now())
    path = f"/organizations/{world.org_a.id}/presets"
    for body in ({"preset_id": deleted.id}, {"preset_id": "1"}, {}):
        response = send(api, "PUT", path, "dora", body)
        assert response.status_code == 400 and pointers(response) == ["/preset_id"]


def test_a_preset_used_by_streams_stays_attached(world, dora, api):
    preset = PresetFactory(title="Gold")
    preset.organizations.add(world.org_a)
    CameraFactory(organization=world.org_a, preset=preset)
    response = api("DELETE", f"/organizations/{world.org_a.id}/presets/{preset.id}", login="dora")
    assert response.status_code == 409 and "Gold" in response.json()["errors"][0]["title"]
    assert preset.organizations.filter(pk=world.org_a.pk).exists()


def test_detaching_a_preset_that_is_not_attached_is_a_404(world, dora, api):
    preset = PresetFactory()
    response = api("DELETE", f"/organizations/{world.org_a.id}/presets/{preset.id}", login="dora")
    assert response.status_code == 404


def test_presets_list_hides_deleted_presets_and_checks_organization_id(world, api):
    PresetFactory(title="Old", is_default=True, deleted_at=timezone.now())
    assert api("GET", "/presets", login="alice").json()["presets"] == []
    response = api("GET", "/presets?organization_id=abc", login="alice")
    assert response.status_code == 400 and response.json()["errors"][0]["source"] == {
        "parameter": "organization_id"
    }
