"""Persons and person lists (catalog §5.8, §6.18): rights, soft delete, filters and list stats."""

import pytest

from accounts.choices import Role
from recordings.models import Person, PersonList
from tests.factories import CameraFactory, MembershipFactory, UserFactory

from .client_ops.auth_persons_agents import persons_of


@pytest.fixture
def persons(world):
    return persons_of(world)


def member(world, login: str, **rights):
    user = UserFactory(login=login)
    MembershipFactory(user=user, organization=world.org_a, **rights)
    return user


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["persons"]]


def test_a_member_without_the_view_right_is_refused_everywhere(world, api, persons):
    ann = persons["ann"].pk
    for method, path in [
        ("GET", "/persons"),
        ("GET", "/person_lists"),
        ("GET", f"/persons/{ann}"),
        ("DELETE", f"/persons/{ann}"),
    ]:
        response = api(method, path, login="bob")
        assert response.status_code == 403, path
        assert response.json()["errors"][0]["code"] == "forbidden"
    assert Person.objects.get(pk=ann).deleted_at is None


def test_the_view_right_reads_but_does_not_delete(world, api, persons):
    member(world, "viewer", can_view_persons_lists=True)
    ann = persons["ann"].pk
    assert names(api("GET", "/persons", login="viewer")) == ["Ann", "Unknown ABC"]
    assert api("GET", f"/persons/{ann}", login="viewer").status_code == 200
    assert [p["name"] for p in api("GET", "/person_lists", login="viewer").json()["person_lists"]] == [
        "Staff"
    ]
    assert api("DELETE", f"/persons/{ann}", login="viewer").status_code == 403
    assert Person.objects.get(pk=ann).deleted_at is None


def test_the_edit_right_deletes(world, api, persons):
    member(world, "editor", can_edit_persons_lists=True)
    ann = persons["ann"].pk
    assert api("DELETE", f"/persons/{ann}", login="editor").status_code == 204
    assert Person.objects.get(pk=ann).deleted_at is not None


def test_each_organization_sees_only_its_own_persons(world, api, persons):
    assert names(api("GET", "/persons", login="carol")) == ["Cy"]
    response = api("GET", f"/persons/{persons['ann'].pk}", login="carol")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    assert api("DELETE", f"/persons/{persons['ann'].pk}", login="carol").status_code == 404
    assert api("GET", "/persons/999999999", login="alice").status_code == 404
    UserFactory(login="root", role=Role.ADMIN)
    assert sorted(names(api("GET", "/persons", login="root"))) == ["Ann", "Cy", "Unknown ABC"]


def test_a_deleted_person_stays_listed_until_filtered_out(world, api, persons):
    api("DELETE", f"/persons/{persons['ann'].pk}", login="alice")
    assert names(api("GET", "/persons", login="alice")) == ["Ann", "Unknown ABC"]
    assert names(api("GET", "/persons?deleted_at_is=null", login="alice")) == ["Unknown ABC"]
    assert names(api("GET", "/persons?deleted_at_is_not=null", login="alice")) == ["Ann"]
    # a second delete changes nothing, and the list no longer counts Ann as a live member
    first = Person.objects.get(pk=persons["ann"].pk).deleted_at
    assert api("DELETE", f"/persons/{persons['ann'].pk}", login="alice").status_code == 204
    assert Person.objects.get(pk=persons["ann"].pk).deleted_at == first
    (staff,) = api("GET", "/person_lists", login="alice").json()["person_lists"]
    assert staff["stats"]["person"] == 0


def test_persons_filter_sort_search_and_select(world, api, persons):
    staff = persons["ann"].person_list_id
    assert names(api("GET", f"/persons?person_list.id={staff}", login="alice")) == ["Ann"]
    assert names(api("GET", "/persons?originator=identification_service", login="alice")) == ["Unknown ABC"]
    assert names(api("GET", "/persons?name_like=unknown", login="alice")) == ["Unknown ABC"]
    assert names(api("GET", "/persons?q=E-1", login="alice")) == ["Ann"]
    assert names(api("GET", "/persons?sort=-name", login="alice")) == ["Unknown ABC", "Ann"]
    selected = api("GET", "/persons?select=name&limit=1", login="alice").json()
    assert selected["persons"] == [
        {
            "person_id": persons["ann"].pk,
            "name": "Ann",
            "originator": "api",
            "updated_at": selected["persons"][0]["updated_at"],
        }
    ]
    assert names(api("GET", f"/persons?limit=1&cursor={selected['next']}", login="alice")) == ["Unknown ABC"]
    response = api("GET", "/persons?sort=height", login="alice")
    assert response.status_code == 400 and response.json()["errors"][0]["source"] == {"parameter": "sort"}


def test_person_list_stats_count_live_persons_and_face_cameras(world, api, persons):
    staff = PersonList.objects.get(name="Staff")
    Person.objects.create(organization=world.org_a, person_list=staff, name="Dan")
    CameraFactory(organization=world.org_a, name="a-faces", vision={"alg": "faces"})
    CameraFactory(organization=world.org_a, name="a-plates", vision={"alg": "plates"})
    CameraFactory(organization=world.org_b, name="b-faces", vision={"alg": "faces"})
    PersonList.objects.create(organization=world.org_a, name="Visitors")
    lists = api("GET", "/person_lists?sort=name", login="alice").json()["person_lists"]
    assert [(p["name"], p["stats"]) for p in lists] == [
        ("Staff", {"person": 2, "camera": 1}),
        ("Visitors", {"person": 0, "camera": 1}),
    ]
    emptiest = api("GET", "/person_lists?stats.person=0", login="alice").json()["person_lists"]
    assert [p["name"] for p in emptiest] == ["Visitors"]
    assert [p["name"] for p in api("GET", "/person_lists", login="carol").json()["person_lists"]] == ["Gate"]
