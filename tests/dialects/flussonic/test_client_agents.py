"""Agent activation tokens (catalog §5.1): validation, rights, polling, and the Agent's activation."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cameras.models import Agent, AgentActivationToken, Camera, Preset
from cameras.services.agents import ActivationRefused, agent_activate
from tests.factories import MembershipFactory, UserFactory

from .client_ops.auth_persons_agents import token_in

JSON = "application/json"


def create(api, body, login="alice"):
    return api("POST", "/agent_activation_token", login=login, data=json.dumps(body), content_type=JSON)


def poll(api, raw, login="alice"):
    return api("GET", f"/agent_activation_token/{raw}", login=login)


def pointers(response) -> list[str]:
    assert response.status_code == 400, response.content
    return sorted(e["source"]["pointer"] for e in response.json()["errors"])


def test_wrong_fields_are_400_with_pointers(world, api):
    assert pointers(create(api, {})) == ["/title"]
    bad = {
        "title": "",
        "enabled": "yes",
        "dvr_depth": -1,
        "dvr_space": 1.5,
        "comment": 3,
        "coordinates": {"latitude": 91, "longitude": "east"},
    }
    assert pointers(create(api, bad)) == [
        "/comment",
        "/coordinates/latitude",
        "/coordinates/longitude",
        "/dvr_depth",
        "/dvr_space",
        "/enabled",
        "/title",
    ]
    gate = world.folders.gate.id  # org B's folder is unknown in org A
    assert pointers(create(api, {"title": "x", "folder_id": gate, "preset_id": 999})) == [
        "/folder_id",
        "/preset_id",
    ]
    assert pointers(create(api, {"title": "x", "organization_id": world.org_b.id})) == ["/organization_id"]
    assert not AgentActivationToken.objects.exists()


def test_several_organizations_need_organization_id(world, api):
    both = UserFactory(login="both")
    MembershipFactory(user=both, organization=world.org_a, is_admin=True)
    MembershipFactory(user=both, organization=world.org_b, is_admin=True)
    assert pointers(create(api, {"title": "x"}, login="both")) == ["/organization_id"]
    response = create(api, {"title": "x", "organization_id": world.org_b.id}, login="both")
    assert response.status_code == 200
    assert AgentActivationToken.objects.get().organization == world.org_b


def test_only_camera_editors_create_and_poll_tokens(world, api):
    response = create(api, {"title": "x"}, login="bob")
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "forbidden"
    raw = token_in(world.org_a, title="x")
    assert poll(api, raw, login="bob").status_code == 403
    assert poll(api, raw, login="carol").status_code == 404  # another organization's token
    editor = UserFactory(login="editor")
    MembershipFactory(user=editor, organization=world.org_a, can_edit_cameras=True)
    assert create(api, {"title": "x"}, login="editor").status_code == 200
    assert poll(api, raw, login="editor").json() == {"token": raw}


def test_unknown_expired_and_orphaned_tokens_are_404(world, api):
    response = poll(api, "no-such-token")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    expired = token_in(world.org_a, title="x")
    AgentActivationToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert poll(api, expired).status_code == 404
    with pytest.raises(ActivationRefused):
        agent_activate(token=expired, agent_id="1")
    orphan = token_in(world.org_a, title="y")
    Camera.objects.filter(pk=agent_activate(token=orphan, agent_id="2").pk).delete()
    assert poll(api, orphan).status_code == 404


def test_a_full_organization_gets_no_token(world, api):
    world.org_a.max_cameras = Camera.objects.filter(organization=world.org_a).count()
    world.org_a.save()
    response = create(api, {"title": "x"})
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "limit_reached"


def test_activation_creates_the_described_camera_once(world, api):
    default = Preset.objects.create(title="Default", is_default=True)
    body = {
        "title": "Back door",
        "comment": "by the bins",
        "enabled": False,
        "static": False,
        "postal_address": "1 Main St",
        "coordinates": {"latitude": 55.7, "longitude": 37.6},
    }
    raw = create(api, body).json()["token"]
    camera = agent_activate(token=raw, agent_id="42", key="k", serial="SN1", model="M1")
    assert (camera.title, camera.comment, camera.enabled, camera.static) == (
        "Back door",
        "by the bins",
        False,
        False,
    )
    assert (camera.postal_address, camera.latitude, camera.longitude) == ("1 Main St", 55.7, 37.6)
    assert camera.preset == default and camera.folder is None and camera.agent_id == "42"
    agent = Agent.objects.get(agent_id="42")
    assert (agent.organization, agent.serial, agent.model, agent.key) == (world.org_a, "SN1", "M1", "k")
    assert agent_activate(token=raw, agent_id="42") == camera  # a retry gets the same camera
    with pytest.raises(ActivationRefused):
        agent_activate(token=raw, agent_id="43")  # spent
    assert Camera.objects.filter(agent_id__in=["42", "43"]).count() == 1
    stream = api("GET", f"/streams/{camera.name}", login="alice").json()
    assert stream["inputs"][0]["url"] == "agent://42" and stream["title"] == "Back door"


def test_an_agent_of_another_organization_is_refused(world, api):
    agent_activate(token=token_in(world.org_b, title="b"), agent_id="99")
    with pytest.raises(ActivationRefused):
        agent_activate(token=token_in(world.org_a, title="a"), agent_id="99")
    assert Camera.objects.filter(agent_id="99").count() == 1


def test_the_management_command_activates_an_agent(world, api):
    raw = create(api, {"title": "Shed"}).json()["token"]
    out = io.StringIO()
    call_command(
        "agent_activate", raw, "555", "--serial", "S", "--stats", '{"agent_type": "single"}', stdout=out
    )
    name = out.getvalue().strip()
    assert poll(api, raw).json() == {"token": raw, "stream_name": name}
    assert Agent.objects.get(agent_id="555").stats == {"agent_type": "single"}
    with pytest.raises(CommandError, match="used"):
        call_command("agent_activate", raw, "556", stdout=io.StringIO())
