"""The organization switcher in the navbar."""

from django.urls import reverse

from accounts.choices import Role
from organizations.middleware import SESSION_KEY
from tests.factories import UserFactory

SWITCH_URL = reverse("organizations:switch")
LIST_URL = reverse("cameras:camera_list")


def test_switcher_refuses_an_organization_the_user_is_not_in(client, world):
    client.force_login(world.carol)

    response = client.post(SWITCH_URL, {"organization_id": world.org_a.pk})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_switcher_refuses_a_missing_or_malformed_id(client, world):
    client.force_login(world.alice)

    assert client.post(SWITCH_URL, {"organization_id": "999999"}).status_code == 404
    assert client.post(SWITCH_URL, {"organization_id": "nope"}).status_code == 404
    assert client.post(SWITCH_URL).status_code == 404


def test_switcher_accepts_post_only(client, world):
    client.force_login(world.alice)

    assert client.get(SWITCH_URL, {"organization_id": world.org_a.pk}).status_code == 405


def test_domain_admin_switches_organization_and_sees_its_cameras(client, world):
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)

    response = client.post(SWITCH_URL, {"organization_id": world.org_b.pk})

    assert response.status_code == 302
    assert response.url == LIST_URL
    assert client.session[SESSION_KEY] == world.org_b.pk
    content = client.get(LIST_URL).content.decode()
    assert "b-gate" in content
    assert "a-lobby" not in content


def test_switcher_follows_a_safe_next_only(client, world):
    client.force_login(world.alice)

    response = client.post(SWITCH_URL, {"organization_id": world.org_a.pk, "next": "/cameras/?q=desk"})
    assert response.url == "/cameras/?q=desk"

    response = client.post(SWITCH_URL, {"organization_id": world.org_a.pk, "next": "//evil.example/"})
    assert response.url == LIST_URL


def test_navbar_offers_the_organizations_of_the_user(client, world):
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)

    content = client.get(LIST_URL).content.decode()

    assert 'name="organization_id"' in content
    assert "Org A" in content and "Org B" in content
