"""The folder tree page: what each persona sees, moving cameras and folders, create, rename, delete."""

import re

from django.urls import reverse

from cameras.models import Camera
from organizations.choices import AuditKind
from organizations.models import AuditEvent, Folder
from tests.factories import MembershipFactory, UserFactory

TREE_URL = reverse("cameras:folder_tree")
MOVE_URL = reverse("cameras:folder_move")
CREATE_URL = reverse("cameras:folder_create")
HTMX = {"HX-Request": "true"}
ALL_CAMERAS = {"a-lobby", "a-desk", "a-vault", "a-loose", "a-granted", "b-gate"}


def _cameras_in(response) -> set[str]:
    return set(re.findall(r'data-camera="([^"]+)"', response.content.decode()))


def _folders_in(response) -> set[str]:
    return set(re.findall(r'class="ft-title">([^<]+)<', response.content.decode())) - {"No folder"}


def _movable_in(response) -> set[str]:
    return set(re.findall(r'data-camera="([^"]+)" draggable="true"', response.content.decode()))


def test_alice_sees_every_folder_and_camera_of_org_a_and_nothing_of_org_b(client, world):
    client.force_login(world.alice)

    response = client.get(TREE_URL)

    assert response.status_code == 200
    assert _folders_in(response) == {"Lobby", "Desk", "Vault"}
    assert _cameras_in(response) == ALL_CAMERAS - {"b-gate"}
    assert _movable_in(response) == ALL_CAMERAS - {"b-gate"}
    assert "Create folder" in response.content.decode()


def test_bob_sees_only_his_cameras_and_the_folders_that_lead_to_them(client, world):
    client.force_login(world.bob)

    response = client.get(TREE_URL)
    content = response.content.decode()

    assert _cameras_in(response) == {"a-lobby", "a-desk", "a-granted"}
    # Vault is not granted to bob, but holds a-granted: it is shown as the path to it, not as a target.
    assert _folders_in(response) == {"Lobby", "Desk", "Vault"}
    assert f'data-folder-id="{world.folders.vault.id}"' in content
    assert f'data-drop-folder="{world.folders.vault.id}"' not in content
    assert "Path only" in content
    assert _movable_in(response) == set()
    assert "Create folder" not in content and 'draggable="true"' not in content


def test_each_folder_counts_the_cameras_in_its_subtree_and_badges_carry_the_camera_name(client, world):
    Camera.objects.filter(name="a-desk").update(status="running")
    client.force_login(world.alice)

    content = client.get(TREE_URL).content.decode()

    assert re.search(r'class="ft-title">Lobby</span>\s*<span class="ft-count"[^>]*>2<', content)
    assert "1/2 running" in content
    assert 'data-status-for="a-desk"' in content and "badge-running" in content


def test_htmx_asks_for_the_tree_fragment_only(client, world):
    client.force_login(world.alice)

    response = client.get(TREE_URL, headers=HTMX)

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="folder-tree"')
    assert "<html" not in content


def test_an_admin_moves_a_camera_to_another_folder_and_gets_the_new_tree(client, world):
    client.force_login(world.alice)

    response = client.post(MOVE_URL, {"camera": "a-loose", "to": world.folders.desk.id}, headers=HTMX)

    assert response.status_code == 200
    assert Camera.objects.get(name="a-loose").folder == world.folders.desk
    content = response.content.decode()
    assert "Moved “" in content and "to “Desk”" in content
    assert content.lstrip().startswith('<div id="folder-tree"')
    assert AuditEvent.objects.filter(kind=AuditKind.CONFIG_CHANGE, object_id="a-loose").exists()


def test_a_camera_moved_to_no_folder_leaves_its_folder(client, world):
    client.force_login(world.alice)

    response = client.post(MOVE_URL, {"camera": "a-desk", "to": ""}, headers=HTMX)

    assert response.status_code == 200
    assert Camera.objects.get(name="a-desk").folder is None


def test_without_javascript_a_move_redirects_back_with_a_message(client, world):
    client.force_login(world.alice)

    response = client.post(MOVE_URL, {"camera": "a-loose", "to": world.folders.vault.id}, follow=True)

    assert response.redirect_chain[-1][0] == TREE_URL
    assert "to “Vault”" in response.content.decode()


def test_a_viewer_may_not_move_cameras(client, world):
    client.force_login(world.bob)

    response = client.post(MOVE_URL, {"camera": "a-lobby", "to": world.folders.desk.id}, headers=HTMX)

    assert response.status_code == 403
    assert "edit cameras" in response.content.decode()
    assert Camera.objects.get(name="a-lobby").folder == world.folders.lobby


def test_a_viewer_may_not_move_folders(client, world):
    client.force_login(world.bob)

    response = client.post(MOVE_URL, {"folder": world.folders.desk.id, "to": ""}, headers=HTMX)

    assert response.status_code == 403
    assert "Only organization administrators" in response.content.decode()
    assert Folder.objects.get(pk=world.folders.desk.pk).parent == world.folders.lobby


def test_a_camera_editor_who_is_not_admin_moves_cameras_but_not_folders(client, world):
    editor = UserFactory(login="erin")
    MembershipFactory(user=editor, organization=world.org_a, can_edit_cameras=True)
    world.folders.lobby.grants.create(user=editor, can_view=True, can_manage=True)
    client.force_login(editor)

    moved = client.post(MOVE_URL, {"camera": "a-lobby", "to": world.folders.desk.id}, headers=HTMX)
    refused = client.post(MOVE_URL, {"folder": world.folders.desk.id, "to": ""}, headers=HTMX)

    assert moved.status_code == 200
    assert Camera.objects.get(name="a-lobby").folder == world.folders.desk
    assert refused.status_code == 403


def test_an_editor_cannot_move_a_camera_into_a_folder_not_granted_to_them(client, world):
    editor = UserFactory(login="erin")
    MembershipFactory(user=editor, organization=world.org_a, can_edit_cameras=True)
    world.folders.lobby.grants.create(user=editor, can_view=True, can_manage=True)
    client.force_login(editor)

    response = client.post(MOVE_URL, {"camera": "a-lobby", "to": world.folders.vault.id}, headers=HTMX)

    assert response.status_code == 404
    assert Camera.objects.get(name="a-lobby").folder == world.folders.lobby


def test_another_organizations_camera_or_folder_is_not_found(client, world):
    client.force_login(world.alice)

    foreign_camera = client.post(MOVE_URL, {"camera": "b-gate", "to": ""}, headers=HTMX)
    foreign_target = client.post(MOVE_URL, {"camera": "a-loose", "to": world.folders.gate.id}, headers=HTMX)
    foreign_folder = client.post(MOVE_URL, {"folder": world.folders.gate.id, "to": ""}, headers=HTMX)
    foreign_rename = client.post(
        reverse("cameras:folder_rename", args=[world.folders.gate.id]), {"title": "x"}
    )
    foreign_delete = client.post(reverse("cameras:folder_delete", args=[world.folders.gate.id]))

    assert [
        r.status_code
        for r in (foreign_camera, foreign_target, foreign_folder, foreign_rename, foreign_delete)
    ] == [404] * 5
    assert Camera.objects.get(name="b-gate").folder == world.folders.gate
    assert Camera.objects.get(name="a-loose").folder is None
    assert Folder.objects.get(pk=world.folders.gate.pk).title == "Gate"


def test_carol_does_not_see_org_a_in_her_tree(client, world):
    client.force_login(world.carol)

    response = client.get(TREE_URL)

    assert _folders_in(response) == {"Gate"}
    assert _cameras_in(response) == {"b-gate"}


def test_an_admin_nests_a_folder_under_another(client, world):
    client.force_login(world.alice)

    response = client.post(
        MOVE_URL, {"folder": world.folders.vault.id, "to": world.folders.desk.id}, headers=HTMX
    )

    assert response.status_code == 200
    assert Folder.objects.get(pk=world.folders.vault.pk).parent == world.folders.desk
    assert "Moved folder “Vault” into “Desk”." in response.content.decode()


def test_a_folder_moved_to_the_top_level_loses_its_parent(client, world):
    client.force_login(world.alice)

    client.post(MOVE_URL, {"folder": world.folders.desk.id, "to": ""}, headers=HTMX)

    assert Folder.objects.get(pk=world.folders.desk.pk).parent is None


def test_moving_a_folder_into_its_own_subfolder_is_refused_with_a_message(client, world):
    client.force_login(world.alice)

    response = client.post(
        MOVE_URL, {"folder": world.folders.lobby.id, "to": world.folders.desk.id}, headers=HTMX
    )

    assert response.status_code == 422
    content = response.content.decode()
    assert "“Lobby” cannot move into “Desk”: a folder cannot move into itself or its subfolders." in content
    assert 'id="folder-tree"' in content  # the tree comes back unchanged, with the message
    assert Folder.objects.get(pk=world.folders.lobby.pk).parent is None


def test_an_admin_creates_a_folder_inside_another(client, world):
    client.force_login(world.alice)

    response = client.post(CREATE_URL, {"title": "Back door", "parent": world.folders.lobby.id}, headers=HTMX)

    assert response.status_code == 200
    folder = Folder.objects.get(title="Back door")
    assert (folder.organization, folder.parent) == (world.org_a, world.folders.lobby)
    assert "Back door" in _folders_in(response)


def test_a_folder_needs_a_name(client, world):
    client.force_login(world.alice)

    response = client.post(CREATE_URL, {"title": "  ", "parent": ""}, headers=HTMX)

    assert response.status_code == 422
    assert "Folder name:" in response.content.decode()
    assert Folder.objects.filter(organization=world.org_a).count() == 3


def test_a_viewer_may_not_create_folders(client, world):
    client.force_login(world.bob)

    response = client.post(CREATE_URL, {"title": "Mine"}, headers=HTMX)

    assert response.status_code == 403
    assert not Folder.objects.filter(title="Mine").exists()


def test_an_admin_renames_a_folder(client, world):
    client.force_login(world.alice)

    response = client.post(
        reverse("cameras:folder_rename", args=[world.folders.vault.id]),
        {"title": "Strong room"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert Folder.objects.get(pk=world.folders.vault.pk).title == "Strong room"
    assert "Renamed “Vault” to “Strong room”." in response.content.decode()


def test_deleting_a_folder_that_holds_cameras_or_subfolders_is_refused_and_says_why(client, world):
    client.force_login(world.alice)

    with_child = client.post(reverse("cameras:folder_delete", args=[world.folders.lobby.id]), headers=HTMX)
    with_cameras = client.post(reverse("cameras:folder_delete", args=[world.folders.vault.id]), headers=HTMX)

    assert with_child.status_code == with_cameras.status_code == 422
    assert "“Lobby” still holds 1 subfolder and 1 camera; move them out first." in with_child.content.decode()
    assert "“Vault” still holds 2 cameras" in with_cameras.content.decode()
    assert Folder.objects.filter(pk__in=[world.folders.lobby.pk, world.folders.vault.pk]).count() == 2


def test_an_empty_folder_is_deleted(client, world):
    client.force_login(world.alice)
    Camera.objects.filter(folder=world.folders.desk).update(folder=None)

    response = client.post(reverse("cameras:folder_delete", args=[world.folders.desk.id]), headers=HTMX)

    assert response.status_code == 200
    assert not Folder.objects.filter(pk=world.folders.desk.pk).exists()
    assert "Folder “Desk” deleted." in response.content.decode()


def test_a_viewer_may_not_delete_folders(client, world):
    client.force_login(world.bob)
    Camera.objects.filter(folder=world.folders.desk).update(folder=None)

    response = client.post(reverse("cameras:folder_delete", args=[world.folders.desk.id]))

    assert response.status_code == 403
    assert Folder.objects.filter(pk=world.folders.desk.pk).exists()


def test_the_sidebar_links_to_the_folders_page(client, world):
    client.force_login(world.bob)

    content = client.get(reverse("cameras:camera_list")).content.decode()

    assert f'href="{TREE_URL}"' in content
