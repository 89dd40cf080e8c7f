"""Registry rows: password recovery and reset, persons and person lists, agent activation tokens."""

import json

from django.core import mail
from django.utils import timezone

from cameras.models import Camera
from cameras.services.agents import agent_activate, agent_activation_token_create
from recordings.models import Person, PersonList
from tests.support.tasks import worker_runs_after_commit

from ..conftest import basic
from ..registry import JSON, UTC_MS, Operation


def check_password_recovery(world, api):
    body = json.dumps({"email": "carol@example.test"})
    with worker_runs_after_commit():  # the mail leaves from a task
        response = api("POST", "/password_recovery", data=body, content_type=JSON)  # no credentials
    assert response.status_code == 204 and response.content == b""
    (message,) = mail.outbox
    assert message.to == ["carol@example.test"] and "recovery." in message.body


def check_reset_password(world, api):
    body = json.dumps({"password": "a fresh passphrase 12"})
    response = api("POST", "/reset_password", login="alice", data=body, content_type=JSON)
    assert response.status_code == 204 and response.content == b""
    assert api("GET", "/profile", headers=basic("alice", "a fresh passphrase 12")).status_code == 200


# --- persons ---------------------------------------------------------------------------------------


def persons_of(world) -> dict[str, Person]:
    """Staff list "Staff" in org A with Ann (external id, photo, sightings); Bob unlisted; Cy in org B."""
    staff = PersonList.objects.get_or_create(organization=world.org_a, name="Staff")[0]
    seen = timezone.now()
    ann = Person.objects.get_or_create(
        organization=world.org_a,
        name="Ann",
        defaults={
            "person_list": staff,
            "external_id": "E-1",
            "photos": [{"data": "aGk=", "sha256": "0" * 64, "mime_type": "image/jpeg"}],
            "first_seen_at": seen,
            "last_seen_at": seen,
        },
    )[0]
    unknown = Person.objects.get_or_create(
        organization=world.org_a, name="Unknown ABC", originator="identification_service"
    )[0]
    gate = PersonList.objects.get_or_create(organization=world.org_b, name="Gate")[0]
    cy = Person.objects.get_or_create(organization=world.org_b, name="Cy", person_list=gate)[0]
    return {"ann": ann, "unknown": unknown, "cy": cy}


def foreign_person(world) -> str:
    return f"/persons/{persons_of(world)['cy'].pk}"


def check_persons_list(world, api):
    persons = persons_of(world)
    body = api("GET", "/persons", login="alice").json()
    assert list(body) == ["estimated_count", "timing", "persons"] and body["estimated_count"] == 2
    ann, unknown = body["persons"]
    assert ann == {
        "person_id": persons["ann"].pk,
        "name": "Ann",
        "external_id": "E-1",
        "originator": "api",
        "updated_at": ann["updated_at"],
        "photos": [{"data": "aGk=", "sha256": "0" * 64, "mime_type": "image/jpeg"}],
        "organization": {"id": world.org_a.id, "title": "Org A"},
        "person_list": {"id": persons["ann"].person_list_id, "name": "Staff"},
        "first_seen_at": ann["first_seen_at"],
        "last_seen_at": ann["last_seen_at"],
    }
    assert ann["updated_at"] in UTC_MS and ann["first_seen_at"] in UTC_MS
    assert unknown["originator"] == "identification_service" and unknown["external_id"] is None
    assert "person_list" not in unknown and "deleted_at" not in unknown


def check_person_get(world, api):
    ann = persons_of(world)["ann"]
    response = api("GET", f"/persons/{ann.pk}", login="alice")
    assert response.status_code == 200
    person = response.json()
    assert person["person_id"] == ann.pk and person["name"] == "Ann" and person["originator"] == "api"
    assert person["organization"] == {"id": world.org_a.id, "title": "Org A"}


def check_person_delete(world, api):
    ann = persons_of(world)["ann"]
    response = api("DELETE", f"/persons/{ann.pk}", login="alice")
    assert response.status_code == 204 and response.content == b""
    person = api("GET", f"/persons/{ann.pk}", login="alice").json()
    assert person["deleted_at"] in UTC_MS and person["updated_at"] >= person["deleted_at"]


def check_person_lists_get(world, api):
    persons_of(world)
    body = api("GET", "/person_lists", login="alice").json()
    assert list(body) == ["estimated_count", "timing", "person_lists"] and body["estimated_count"] == 1
    (staff,) = body["person_lists"]
    assert staff == {
        "id": staff["id"],
        "name": "Staff",
        "organization": {"id": world.org_a.id, "title": "Org A"},
        "stats": {"person": 1, "camera": 0},
    }


def _person_path(name: str):
    return lambda world: f"/persons/{persons_of(world)[name].pk}"


# --- agent activation tokens ------------------------------------------------------------------------


def token_in(organization, **parameters) -> str:
    return agent_activation_token_create(organization=organization, actor=None, parameters=parameters)[1]


def check_agent_activation_token_create(world, api):
    body = {"title": "Porch", "folder_id": world.folders.lobby.id, "dvr_depth": 3, "dvr_space": 2, "x": 1}
    response = api("POST", "/agent_activation_token", login="alice", data=json.dumps(body), content_type=JSON)
    assert response.status_code == 200, response.content
    created = response.json()
    assert list(created) == ["token"] and isinstance(created["token"], str) and len(created["token"]) >= 24
    camera = agent_activate(token=created["token"], agent_id="1234567")
    assert (camera.organization, camera.folder, camera.title) == (world.org_a, world.folders.lobby, "Porch")
    assert (camera.dvr_depth, camera.dvr_space_limit) == (3 * 86400, 2 * 1024**3)
    assert [i.url for i in camera.inputs.all()] == ["agent://1234567"]


def check_agent_activation_token_get(world, api):
    raw = token_in(world.org_a, title="Porch")
    body = api("GET", f"/agent_activation_token/{raw}", login="alice").json()
    assert body == {"token": raw}  # not provisioned yet: keep polling
    camera = agent_activate(token=raw, agent_id="7654321")
    body = api("GET", f"/agent_activation_token/{raw}", login="alice").json()
    assert body == {"token": raw, "stream_name": camera.name}
    assert Camera.objects.get(name=body["stream_name"]).organization == world.org_a


OPERATIONS: dict[str, Operation] = {
    "password_recovery": Operation("POST", "/password_recovery", check_password_recovery, public=True),
    "reset_password": Operation("POST", "/reset_password", check_reset_password),
    "persons_list": Operation("GET", "/persons", check_persons_list),
    "person_get": Operation("GET", _person_path("ann"), check_person_get, foreign_path=foreign_person),
    "person_delete": Operation(
        "DELETE", _person_path("ann"), check_person_delete, foreign_path=foreign_person, route="person_get"
    ),
    "person_lists_get": Operation("GET", "/person_lists", check_person_lists_get),
    "agent_activation_token_create": Operation(
        "POST", "/agent_activation_token", check_agent_activation_token_create
    ),
    "agent_activation_token_get": Operation(
        "GET",
        lambda world: f"/agent_activation_token/{token_in(world.org_a, title='A')}",
        check_agent_activation_token_get,
        foreign_path=lambda world: f"/agent_activation_token/{token_in(world.org_b, title='B')}",
    ),
}
