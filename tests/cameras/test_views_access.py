"""The camera access page: every member's effective rights and their source, and camera grants."""

import re

import pytest
from django.urls import reverse

from cameras.models import Camera, CameraGrant
from cameras.views.permissions import camera_access_list
from organizations.choices import Action, AuditKind
from organizations.models import AuditEvent
from tests.factories import MembershipFactory, UserFactory

HTMX = {"HX-Request": "true"}


def _url(name):
    return reverse("cameras:camera_access", args=[name])


def _row(content: str, login: str) -> str:
    match = re.search(rf'<tr class="access-row[^"]*" data-member="{login}">(.*?)</tr>', content, re.S)
    assert match, f"no row for {login}"
    return match.group(1)


def _shown_rights(row: str) -> set[str]:
    return set(re.findall(r'data-right="(\w+)" data-allowed="true"', row))


def _reaches(user, camera, action) -> bool:
    return Camera.objects.for_user(user, action).filter(pk=camera.pk).exists()


def _effective(user, camera) -> set[str]:
    return {action for action in Action.values if _reaches(user, camera, action)}


def test_bob_on_a_desk_has_the_rights_of_the_nearest_folder_grant(client, world):
    client.force_login(world.alice)

    response = client.get(_url("a-desk"))

    assert response.status_code == 200
    row = _row(response.content.decode(), "bob")
    assert _shown_rights(row) == {"view", "live", "archive"} == _effective(world.bob, world.cameras.desk)
    assert "Folder “Desk”" in row
    assert "Remove camera grant" not in row


def test_bob_on_a_lobby_inherits_from_the_lobby_folder(client, world):
    client.force_login(world.alice)

    row = _row(client.get(_url("a-lobby")).content.decode(), "bob")

    assert _shown_rights(row) == {"view", "live"} == _effective(world.bob, world.cameras.lobby)
    assert "Folder “Lobby”" in row


def test_bob_on_a_granted_has_his_camera_grant(client, world):
    client.force_login(world.alice)

    row = _row(client.get(_url("a-granted")).content.decode(), "bob")

    assert _shown_rights(row) == {"view", "live", "export"} == _effective(world.bob, world.cameras.granted)
    assert "Camera grant" in row
    assert "Without it: no access" in row  # Vault has no grant for bob
    assert "Remove camera grant" in row


def test_alice_has_everything_as_the_organization_administrator(client, world):
    client.force_login(world.alice)

    row = _row(client.get(_url("a-vault")).content.decode(), "alice")

    assert _shown_rights(row) == set(Action.values)
    assert "Organization administrator" in row
    assert 'type="checkbox"' not in row  # nothing to set: administrators reach every camera


def test_a_member_without_grants_has_nothing(client, world):
    client.force_login(world.alice)

    row = _row(client.get(_url("a-vault")).content.decode(), "bob")

    assert _shown_rights(row) == set() == _effective(world.bob, world.cameras.vault)
    assert "No grant" in row


@pytest.mark.parametrize("camera", ["a-lobby", "a-desk", "a-vault", "a-loose", "a-granted"])
def test_the_page_agrees_with_for_user_for_every_member_and_camera(world, camera):
    dave = UserFactory(login="dave", allowed_tags="outdoor")
    MembershipFactory(user=dave, organization=world.org_a, is_admin=True)
    eve = UserFactory(login="eve")
    MembershipFactory(user=eve, organization=world.org_a, can_view_cameras=False)
    world.folders.lobby.grants.create(user=eve, can_view=True)
    camera = Camera.objects.get(name=camera)

    for member in camera_access_list(camera=camera):
        shown = {right.action for right in member.rights if right.allowed}
        assert shown == _effective(member.user, camera), (member.user, member.source)


def test_saving_a_camera_grant_changes_what_bob_reaches(client, world):
    client.force_login(world.alice)
    assert not _reaches(world.bob, world.cameras.desk, Action.EXPORT)

    response = client.post(
        _url("a-desk"), {"user": world.bob.pk, "can_view": "on", "can_export": "on"}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Camera grant for bob saved." in response.content.decode()
    assert _effective(world.bob, world.cameras.desk) == {"view", "export"}  # live and archive are gone
    row = _row(response.content.decode(), "bob")
    assert "Camera grant" in row and "Without it: folder “Desk”" in row
    event = AuditEvent.objects.filter(kind=AuditKind.CONFIG_CHANGE, object_type="camera_grant").get()
    assert (event.actor, event.object_id) == (world.alice, "a-desk")


def test_a_grant_with_nothing_ticked_closes_the_camera_despite_the_folder(client, world):
    client.force_login(world.alice)

    client.post(_url("a-lobby"), {"user": world.bob.pk}, headers=HTMX)

    assert _effective(world.bob, world.cameras.lobby) == set()
    assert CameraGrant.objects.filter(camera=world.cameras.lobby, user=world.bob).exists()


def test_removing_the_camera_grant_falls_back_to_the_folder(client, world):
    client.force_login(world.alice)
    CameraGrant.objects.create(camera=world.cameras.desk, user=world.bob, can_view=True, can_ptz=True)

    response = client.post(_url("a-desk"), {"user": world.bob.pk, "remove": "1"}, headers=HTMX)

    assert response.status_code == 200
    assert not CameraGrant.objects.filter(camera=world.cameras.desk, user=world.bob).exists()
    assert _effective(world.bob, world.cameras.desk) == {"view", "live", "archive"}
    assert "Folder “Desk”" in _row(response.content.decode(), "bob")


def test_without_javascript_saving_redirects_back_with_a_message(client, world):
    client.force_login(world.alice)

    response = client.post(_url("a-vault"), {"user": world.bob.pk, "can_live": "on"}, follow=True)

    assert response.redirect_chain[-1][0] == _url("a-vault")
    assert "Camera grant for bob saved." in response.content.decode()
    assert _reaches(world.bob, world.cameras.vault, Action.LIVE)


def test_an_administrator_gets_no_camera_grant(client, world):
    client.force_login(world.alice)

    response = client.post(_url("a-vault"), {"user": world.alice.pk, "can_view": "on"}, headers=HTMX)

    assert response.status_code == 422
    assert not CameraGrant.objects.filter(user=world.alice).exists()


def test_a_user_outside_the_organization_cannot_be_granted(client, world):
    client.force_login(world.alice)

    response = client.post(_url("a-vault"), {"user": world.carol.pk, "can_view": "on"}, headers=HTMX)

    assert response.status_code == 404
    assert not CameraGrant.objects.filter(user=world.carol).exists()


def test_bob_may_not_open_the_access_page_of_a_camera_he_sees(client, world):
    client.force_login(world.bob)

    response = client.get(_url("a-desk"))

    assert response.status_code == 403
    assert "Only organization administrators" in response.content.decode()


def test_bob_gets_404_for_a_camera_he_does_not_see(client, world):
    client.force_login(world.bob)

    assert client.get(_url("a-vault")).status_code == 404


def test_bob_cannot_grant_himself_more(client, world):
    client.force_login(world.bob)

    response = client.post(_url("a-desk"), {"user": world.bob.pk, "can_export": "on"}, headers=HTMX)

    assert response.status_code == 403
    assert not CameraGrant.objects.filter(user=world.bob, camera=world.cameras.desk).exists()


def test_carol_gets_404_for_org_a_cameras(client, world):
    client.force_login(world.carol)

    assert client.get(_url("a-desk")).status_code == 404
    assert client.post(_url("a-desk"), {"user": world.bob.pk, "can_view": "on"}).status_code == 404


def test_admins_see_access_links_in_the_list_and_on_the_edit_form(client, world):
    client.force_login(world.alice)

    listing = client.get(reverse("cameras:camera_list")).content.decode()
    form = client.get(reverse("cameras:camera_edit", args=["a-desk"])).content.decode()

    assert _url("a-desk") in listing and _url("a-desk") in form


def test_others_see_no_access_links(client, world):
    editor = UserFactory(login="erin")
    MembershipFactory(user=editor, organization=world.org_a, can_edit_cameras=True)
    world.folders.lobby.grants.create(user=editor, can_view=True, can_manage=True)
    client.force_login(editor)

    listing = client.get(reverse("cameras:camera_list")).content.decode()
    form = client.get(reverse("cameras:camera_edit", args=["a-desk"])).content.decode()

    assert "/access/" not in listing and "/access/" not in form
