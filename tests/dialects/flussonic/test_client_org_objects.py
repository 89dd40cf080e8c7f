"""Organizations, their folders and mosaics on the Watcher Client API (catalog §5.9, §5.12, §5.14)."""

from accounts.choices import Role
from tests.factories import CameraFactory, MembershipFactory, MosaicFactory, UserFactory


def test_member_sees_their_organizations_with_their_own_permissions(world, api):
    MembershipFactory(user=world.bob, organization=world.org_b, can_edit_users=True, can_view_cameras=False)
    body = api("GET", "/organizations", login="bob").json()
    assert body["estimated_count"] == 2
    a, b = body["organizations"]
    assert (a["title"], b["title"]) == ("Org A", "Org B")
    assert a["user_permissions"] == {
        "is_member": True,
        "can_view_stats": False,
        "can_edit_streams": False,
        "can_edit_users": False,
        "can_view_persons_lists": False,
        "can_edit_persons_lists": False,
    }
    assert b["user_permissions"]["can_edit_users"] is True


def test_organization_administrator_holds_every_right(world, api):
    (org,) = api("GET", "/organizations", login="alice").json()["organizations"]
    assert all(org["user_permissions"].values())


def test_domain_administrator_sees_every_organization_as_a_non_member(world, api):
    UserFactory(login="root", role=Role.ADMIN)
    body = api("GET", "/organizations", login="root").json()
    assert [o["title"] for o in body["organizations"]] == ["Org A", "Org B"]
    assert all(o["user_permissions"]["is_member"] is False for o in body["organizations"])


def test_stats_and_limits_count_what_the_organization_holds(world, api):
    world.org_a.max_cameras = 50
    world.org_a.save()
    MosaicFactory(organization=world.org_a)
    CameraFactory(organization=world.org_b)
    org = api("GET", f"/organizations/{world.org_a.id}", login="alice").json()
    assert org["stats"] == {"streams": 5, "users": 2, "mosaics": 1}
    assert org["limits"] == {"streams": 50}
    assert "owner" not in org


def test_organization_filters_and_sort(world, api):
    UserFactory(login="root", role=Role.ADMIN)
    body = api("GET", "/organizations?sort=-stats.streams&select=title", login="root").json()
    assert body["organizations"] == [
        {"id": world.org_a.id, "title": "Org A"},
        {"id": world.org_b.id, "title": "Org B"},
    ]
    body = api("GET", "/organizations?title_like=b", login="root").json()
    assert [o["title"] for o in body["organizations"]] == ["Org B"]


def test_folder_of_another_organization_under_my_organization_is_404(world, api):
    path = f"/organizations/{world.org_a.id}/folders/{world.folders.gate.id}"
    assert api("GET", path, login="alice").status_code == 404


def test_viewer_cannot_reach_an_ungranted_folder(world, api):
    path = f"/organizations/{world.org_a.id}/folders/{world.folders.vault.id}"
    assert api("GET", path, login="bob").status_code == 404
    assert api("GET", path, login="alice").json()["streams_count"] == 2


def test_folder_list_counts_only_cameras_the_caller_sees(world, api):
    body = api("GET", f"/organizations/{world.org_a.id}/folders?sort=title", login="alice").json()
    assert {f["title"]: f["streams_count"] for f in body["folders"]} == {"Desk": 1, "Lobby": 1, "Vault": 2}
    assert [f["title"] for f in body["folders"]] == ["Desk", "Lobby", "Vault"]


def test_another_users_own_mosaic_is_404(world, api):
    own = MosaicFactory(organization=world.org_a, owner=world.alice, title="Mine")
    assert api("GET", f"/mosaics/{own.id}", login="bob").status_code == 404
    assert api("GET", f"/mosaics/{own.id}", login="alice").json()["streams"] == []
