"""Users (catalog §5.13, §6.12, §8, §10 `user_delete`): who sees and manages whom, bodies, side effects."""

import json

from accounts.choices import Role
from accounts.models import AuthSession, User
from organizations.models import Membership
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

from .conftest import basic

JSON = "application/json"
GOOD_PASSWORD = "a long enough passphrase"


def send(api, method, path, body, login="alice"):
    return api(method, path, login=login, data=json.dumps(body), content_type=JSON)


def pointers(response) -> list[str]:
    return sorted(e["source"]["pointer"] for e in response.json()["errors"])


def names(response) -> list[str]:
    return [u["name"] for u in response.json()["users_list"]]


def domain_admin(login="root"):
    return UserFactory(login=login, role=Role.ADMIN)


# --- users_list -----------------------------------------------------------------------------------


def test_members_without_the_right_to_edit_users_see_only_themselves(world, api):
    assert names(api("GET", "/users", login="bob")) == ["bob"]
    assert names(api("GET", "/users", login="carol")) == ["carol"]
    MembershipFactory(user=world.carol, organization=world.org_a, can_edit_users=True)
    assert names(api("GET", "/users", login="carol")) == ["alice", "bob", "carol"]


def test_a_domain_administrator_sees_every_user(world, api):
    domain_admin()
    assert names(api("GET", "/users", login="root")) == ["alice", "bob", "carol", "root"]


def test_users_list_filters_by_organization_and_hides_another_one(world, api):
    extra = OrganizationFactory(title="Org C")
    MembershipFactory(user=world.alice, organization=extra, is_admin=True)
    MembershipFactory(user=UserFactory(login="dave"), organization=extra)
    assert names(api("GET", f"/users?organization_id={extra.id}", login="alice")) == ["alice", "dave"]
    assert names(api("GET", f"/users?organization_id={world.org_a.id}&sort=-name", login="alice")) == [
        "bob",
        "alice",
    ]
    response = api("GET", f"/users?organization_id={world.org_b.id}", login="alice")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    response = api("GET", "/users?organization_id=b", login="alice")
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "organization_id"}


def test_a_user_shows_only_the_organizations_the_caller_can_see(world, api):
    MembershipFactory(user=world.bob, organization=world.org_b)
    bob = api("GET", f"/users/{world.bob.id}", login="alice").json()
    assert [o["id"] for o in bob["organizations"]] == [world.org_a.id]
    listed = api("GET", f"/users/{world.bob.id}/organization", login="alice").json()["organizations"]
    assert [o["id"] for o in listed] == [world.org_a.id]


def test_users_list_filters_on_user_fields(world, api):
    world.bob.is_active = False
    world.bob.save()
    assert names(api("GET", "/users?disabled=true", login="alice")) == ["bob"]
    assert names(api("GET", "/users?access_level=generic&name_like=LIC", login="alice")) == ["alice"]


# --- user_create ----------------------------------------------------------------------------------


def test_user_create_rejects_bad_fields_with_pointers(world, api):
    response = send(api, "POST", "/users", {"fullname": 1, "disabled": "no", "max_sessions": -2})
    assert response.status_code == 400
    assert pointers(response) == ["/disabled", "/fullname", "/max_sessions", "/name"]
    body = {"name": "BOB", "organization_id": world.org_a.id}  # logins are case-insensitive
    assert pointers(send(api, "POST", "/users", body)) == ["/name"]
    body = {"name": "dave", "password": "dave", "organization_id": world.org_a.id}
    assert set(pointers(send(api, "POST", "/users", body))) == {"/password"}  # short, and like the name
    body = {"name": "dave", "email": "nope", "access_level": "root", "organization_id": world.org_a.id}
    assert pointers(send(api, "POST", "/users", body)) == ["/access_level"]
    body = {"name": ["dave"], "access_level": ["admin"], "organization_id": "1"}
    assert pointers(send(api, "POST", "/users", body)) == ["/access_level", "/name", "/organization_id"]
    body = {"name": "dave", "email": "nope", "organization_id": world.org_a.id}
    assert pointers(send(api, "POST", "/users", body)) == ["/email"]
    assert not User.objects.filter(login="dave").exists()


def test_user_create_in_another_organization_is_an_unknown_organization(world, api):
    response = send(api, "POST", "/users", {"name": "dave", "organization_id": world.org_b.id})
    assert response.status_code == 400 and pointers(response) == ["/organization_id"]


def test_user_create_without_organization_joins_the_default_one(world, api):
    response = send(api, "POST", "/users", {"name": "dave"})
    assert response.status_code == 400 and pointers(response) == ["/organization_id"]  # none exists yet
    world.org_a.is_default = True
    world.org_a.save()
    response = send(api, "POST", "/users", {"name": "dave", "password": GOOD_PASSWORD})
    assert response.status_code == 200, response.content
    assert [o["id"] for o in response.json()["organizations"]] == [world.org_a.id]
    assert "password" not in response.json()
    assert api("GET", "/profile", headers=basic("dave", GOOD_PASSWORD)).status_code == 200
    # carol manages org B, not the default organization
    assert send(api, "POST", "/users", {"name": "erin"}, login="carol").status_code == 403


def test_user_create_takes_the_organization_from_an_organizations_list_as_watcher_clients_send(world, api):
    extra = OrganizationFactory(title="Org C")
    MembershipFactory(user=world.alice, organization=extra, is_admin=True)
    response = send(api, "POST", "/users", {"name": "dave", "organizations": [{"id": extra.id}]})
    assert response.status_code == 200, response.content
    assert [o["id"] for o in response.json()["organizations"]] == [extra.id]
    assert Membership.objects.filter(user__login="dave").get().organization == extra
    # organization_id wins when both are sent
    body = {"name": "erin", "organization_id": world.org_a.id, "organizations": [{"id": extra.id}]}
    assert [o["id"] for o in send(api, "POST", "/users", body).json()["organizations"]] == [world.org_a.id]


def test_user_create_refuses_a_bad_or_foreign_organizations_list_by_pointer(world, api):
    cases = [
        ({"organizations": [{"id": world.org_b.id}]}, "/organizations/0/id"),  # not the caller's: unknown
        ({"organizations": [{"id": "1"}]}, "/organizations/0/id"),
        ({"organizations": [{}]}, "/organizations/0/id"),
        ({"organizations": [7]}, "/organizations/0/id"),
        ({"organizations": {"id": 1}}, "/organizations"),
        ({"organizations": [{"id": world.org_a.id}, {"id": world.org_a.id}]}, "/organizations"),
    ]
    for extra, pointer in cases:
        response = send(api, "POST", "/users", {"name": "dave", **extra})
        assert response.status_code == 400 and pointers(response) == [pointer], (extra, response.content)
    assert not User.objects.filter(login="dave").exists()


def test_only_members_who_edit_users_create_users(world, api):
    body = {"name": "dave", "organization_id": world.org_a.id}
    response = send(api, "POST", "/users", body, login="bob")
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "forbidden"
    Membership.objects.filter(user=world.bob).update(can_edit_users=True)
    assert send(api, "POST", "/users", body, login="bob").status_code == 200


def test_only_a_domain_administrator_grants_access_level_admin(world, api):
    body = {"name": "dave", "access_level": "admin", "organization_id": world.org_a.id}
    assert send(api, "POST", "/users", body).status_code == 403
    domain_admin()
    created = send(api, "POST", "/users", body, login="root").json()
    assert created["access_level"] == "admin"
    assert User.objects.get(login="dave").is_domain_admin


def test_user_create_stops_at_the_organization_user_limit(world, api):
    world.org_a.max_users = 2  # alice and bob
    world.org_a.save()
    response = send(api, "POST", "/users", {"name": "dave", "organization_id": world.org_a.id})
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "limit_reached"
    assert not User.objects.filter(login="dave").exists()


# --- user_save ------------------------------------------------------------------------------------


def test_user_save_merges_a_partial_body(world, api):
    before = api("GET", f"/users/{world.bob.id}", login="alice").json()
    after = send(api, "PUT", f"/users/{world.bob.id}", {"phone": "+78007778413", "max_sessions": 1}).json()
    assert after == {**before, "phone": "+78007778413", "max_sessions": 1}
    response = send(api, "PUT", f"/users/{world.bob.id}", {"readonly": "yes", "name": ""})
    assert response.status_code == 400 and pointers(response) == ["/name", "/readonly"]
    assert pointers(send(api, "PUT", f"/users/{world.bob.id}", {"name": "Alice"})) == ["/name"]


def test_a_manager_sets_a_password_that_ends_the_users_sessions(world, api):
    token = api("POST", "/login", login="bob").json()["access_token"]
    response = send(api, "PUT", f"/users/{world.bob.id}", {"password": GOOD_PASSWORD})
    assert response.status_code == 200 and "password" not in response.json()
    assert api("GET", "/profile", login="bob").status_code == 401
    assert api("GET", "/profile", headers=basic("bob", GOOD_PASSWORD)).status_code == 200
    assert api("GET", "/profile", headers={"HTTP_AUTHORIZATION": f"Bearer {token}"}).status_code == 401


def test_disabling_a_user_blocks_their_login(world, api):
    api("POST", "/login", login="bob")
    user = send(api, "PUT", f"/users/{world.bob.id}", {"disabled": True}).json()
    assert user["disabled"] is True
    assert api("GET", "/profile", login="bob").status_code == 401
    assert not AuthSession.objects.filter(user=world.bob, revoked_at__isnull=True).exists()


def test_a_user_edits_their_own_details_but_not_their_rights(world, api):
    mine = api("GET", f"/users/{world.bob.id}", login="bob").json()
    saved = send(api, "PUT", f"/users/{world.bob.id}", {**mine, "fullname": "Bob B"}, login="bob")
    assert saved.status_code == 200 and saved.json()["fullname"] == "Bob B"  # a GET body PUT back
    for body in ({"disabled": True}, {"readonly": True}, {"access_level": "admin"}):
        assert send(api, "PUT", f"/users/{world.bob.id}", body, login="bob").status_code == 403
    world.bob.refresh_from_db()
    assert world.bob.is_active and not world.bob.readonly and world.bob.role == Role.VIEWER


def test_a_readonly_user_cannot_change_their_own_data(world, api):
    world.bob.readonly = True
    world.bob.save()
    response = send(api, "PUT", f"/users/{world.bob.id}", {"fullname": "Bob B"}, login="bob")
    assert response.status_code == 403
    assert (
        send(api, "PUT", f"/users/{world.bob.id}", {"fullname": "Bob B"}).status_code == 200
    )  # his admin may


def test_an_organization_administrator_cannot_promote_or_touch_domain_administrators(world, api):
    assert send(api, "PUT", f"/users/{world.bob.id}", {"access_level": "admin"}).status_code == 403
    root = domain_admin()
    MembershipFactory(user=root, organization=world.org_a)
    assert send(api, "PUT", f"/users/{root.id}", {"password": GOOD_PASSWORD}).status_code == 403
    assert (
        send(api, "PUT", f"/users/{world.bob.id}", {"access_level": "admin"}, login="root").json()[
            "access_level"
        ]
        == "admin"
    )


def test_a_user_shared_with_another_organization_is_changed_only_by_a_domain_administrator(world, api):
    MembershipFactory(user=world.bob, organization=world.org_b)
    response = send(api, "PUT", f"/users/{world.bob.id}", {"password": GOOD_PASSWORD})
    assert response.status_code == 403
    assert api("GET", "/profile", login="bob").status_code == 200  # the old password still works
    domain_admin()
    assert send(api, "PUT", f"/users/{world.bob.id}", {"fullname": "B"}, login="root").status_code == 200


def test_users_of_another_organization_are_not_found(world, api):
    path = f"/users/{world.alice.id}"
    assert api("GET", path, login="carol").status_code == 404
    assert send(api, "PUT", path, {"fullname": "x"}, login="carol").status_code == 404
    assert api("DELETE", path, login="carol").status_code == 404
    world.alice.refresh_from_db()
    assert world.alice.fullname == ""


# --- user_delete ----------------------------------------------------------------------------------


def test_nobody_deletes_their_own_account(world, api):
    assert api("DELETE", f"/users/{world.alice.id}", login="alice").status_code == 403
    assert User.objects.filter(pk=world.alice.pk).exists()


def test_a_user_in_an_organization_the_caller_does_not_manage_is_not_deleted(world, api):
    MembershipFactory(user=world.bob, organization=world.org_b)
    assert api("DELETE", f"/users/{world.bob.id}", login="alice").status_code == 403
    domain_admin()
    assert api("DELETE", f"/users/{world.bob.id}", login="root").status_code == 204
    assert not User.objects.filter(pk=world.bob.pk).exists()


def test_a_plain_member_cannot_delete_anyone(world, api):
    assert api("DELETE", f"/users/{world.alice.id}", login="bob").status_code == 404  # not visible to bob


# --- user_organizations_list ----------------------------------------------------------------------


def test_can_edit_keeps_only_organizations_the_caller_may_edit(world, api):
    path = f"/users/{world.bob.id}/organization"
    assert len(api("GET", path + "?can_edit=true", login="alice").json()["organizations"]) == 1
    # Watcher clients always send the parameter: false is "any", not "only those I may not edit".
    assert len(api("GET", path + "?can_edit=false", login="alice").json()["organizations"]) == 1
    assert len(api("GET", path + "?can_edit=false", login="bob").json()["organizations"]) == 1
    assert api("GET", path + "?can_edit=true", login="bob").json()["organizations"] == []
    assert len(api("GET", path, login="bob").json()["organizations"]) == 1
    response = api("GET", path + "?can_edit=maybe", login="alice")
    assert response.status_code == 400 and response.json()["errors"][0]["source"] == {"parameter": "can_edit"}


# --- user_organization_folders_list ---------------------------------------------------------------


def test_an_administrator_has_every_right_on_every_folder(world, api):
    body = api("GET", f"/users/{world.alice.id}/organization/{world.org_a.id}/folders", login="alice").json()
    assert [f["title"] for f in body["folders"]] == ["Lobby", "Vault", "Desk"]
    assert all(
        f["permissions"]["can_use_actions"] and f["permissions"]["can_view_dvr"] for f in body["folders"]
    )


def test_a_user_reads_their_own_folders_but_not_another_members(world, api):
    own = api("GET", f"/users/{world.bob.id}/organization/{world.org_a.id}/folders?select=title", login="bob")
    assert [f["title"] for f in own.json()["folders"]] == ["Lobby", "Desk"]
    assert set(own.json()["folders"][0]) == {"id", "title"}
    other = api("GET", f"/users/{world.alice.id}/organization/{world.org_a.id}/folders", login="bob")
    assert other.status_code == 404


def test_folders_need_the_right_to_manage_users_in_that_organization(world, api):
    extra = OrganizationFactory(title="Org C")
    dave = UserFactory(login="dave")
    MembershipFactory(user=dave, organization=extra)
    MembershipFactory(user=dave, organization=world.org_a)
    MembershipFactory(user=world.bob, organization=extra, can_edit_users=True)
    # bob manages dave through org C, but is a plain member of org A
    assert api("GET", f"/users/{dave.id}/organization/{extra.id}/folders", login="bob").status_code == 200
    response = api("GET", f"/users/{dave.id}/organization/{world.org_a.id}/folders", login="bob")
    assert response.status_code == 403


def test_passwords_are_never_returned(world, api):
    body = {"name": "dave", "password": GOOD_PASSWORD, "organization_id": world.org_a.id}
    created = send(api, "POST", "/users", body)
    listed = api("GET", "/users", login="alice")
    assert GOOD_PASSWORD not in created.content.decode() + listed.content.decode()
    assert PASSWORD not in listed.content.decode()
