"""The camera pages: the filtered list, its htmx fragment, create and edit forms, the toggle."""

from django.urls import reverse

from cameras.choices import CameraStatus
from cameras.models import Camera, CameraInput
from tests.factories import CameraFactory, CameraInputFactory, MembershipFactory, UserFactory

LIST_URL = reverse("cameras:camera_list")
CREATE_URL = reverse("cameras:camera_create")
HTMX = {"HX-Request": "true"}
ORG_A_NAMES = {"a-lobby", "a-desk", "a-vault", "a-loose", "a-granted"}


def _edit_url(name):
    return reverse("cameras:camera_edit", args=[name])


def _names_in(response, candidates=(*ORG_A_NAMES, "b-gate")):
    content = response.content.decode()
    return {name for name in candidates if name in content}


def _form_data(**overrides):
    data = {
        "name": "a-new",
        "title": "New camera",
        "comment": "",
        "folder": "",
        "url": "",
        "username": "",
        "password": "",
        "rtsp_transport": "tcp",
        "enabled": "on",
        "record": "on",
        "record_audio": "on",
        "segment_duration": "60",
        "dvr_depth_days": "",
        "dvr_space_limit_gb": "",
        "latitude": "",
        "longitude": "",
        "postal_address": "",
        "tags": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_alice_sees_every_camera_of_org_a_and_none_of_org_b(client, world):
    client.force_login(world.alice)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert _names_in(response) == ORG_A_NAMES
    assert "Add camera" in response.content.decode()


def test_bob_sees_only_the_cameras_his_grants_open(client, world):
    client.force_login(world.bob)

    response = client.get(LIST_URL)

    assert _names_in(response) == {"a-lobby", "a-desk", "a-granted"}
    assert "Add camera" not in response.content.decode()


def test_list_links_to_edit_only_cameras_the_user_may_manage(client, world):
    client.force_login(world.bob)

    content = client.get(LIST_URL).content.decode()

    assert _edit_url("a-lobby") not in content


def test_htmx_request_returns_only_the_rows_fragment(client, world):
    client.force_login(world.alice)

    response = client.get(LIST_URL, {"q": "desk"}, headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.lstrip().startswith('<div id="camera-rows"')
    assert _names_in(response) == {"a-desk"}
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(client, world):
    client.force_login(world.alice)

    response = client.get(LIST_URL, headers={**HTMX, "HX-History-Restore-Request": "true"})

    assert "<html" in response.content.decode()


def test_long_lists_are_paged_and_the_pager_keeps_the_filters(client, world):
    CameraFactory.create_batch(101, organization=world.org_a, tags="bulk")
    client.force_login(world.alice)

    response = client.get(LIST_URL, {"q": "bulk"})

    content = response.content.decode()
    assert "101 cameras" in content
    assert "Page 1 of 2" in content
    assert 'href="?q=bulk&amp;page=2"' in content
    assert "Page 2 of 2" in client.get(LIST_URL, {"q": "bulk", "page": "2"}).content.decode()


def test_search_filters_the_list(client, world):
    client.force_login(world.alice)

    response = client.get(LIST_URL, {"q": "vault"})

    assert _names_in(response) == {"a-vault"}


def test_folder_and_status_filters_narrow_the_list(client, world):
    Camera.objects.filter(name="a-desk").update(status=CameraStatus.ERROR, status_reason="401 Unauthorized")
    client.force_login(world.alice)

    assert _names_in(client.get(LIST_URL, {"folder": world.folders.vault.pk})) == {"a-vault", "a-granted"}
    response = client.get(LIST_URL, {"status": "error"})
    assert _names_in(response) == {"a-desk"}
    assert "401 Unauthorized" in response.content.decode()


def test_another_organizations_folder_in_the_filter_shows_nothing_of_it(client, world):
    client.force_login(world.alice)

    response = client.get(LIST_URL, {"folder": world.folders.gate.pk})

    assert "b-gate" not in _names_in(response)


def test_search_without_matches_shows_a_clear_filters_state(client, world):
    client.force_login(world.alice)

    response = client.get(LIST_URL, {"q": "nothing-like-this"})

    assert "No cameras match" in response.content.decode()


def test_user_without_organization_sees_an_empty_state(client, db):
    client.force_login(UserFactory())

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert "No organization" in response.content.decode()


def test_alice_creates_a_camera_and_the_password_never_comes_back(client, world):
    client.force_login(world.alice)

    response = client.post(
        CREATE_URL,
        _form_data(
            url="rtsp://admin:s3cret-pass@192.0.2.10:554/stream1",
            folder=world.folders.lobby.pk,
            dvr_depth_days="7",
            dvr_space_limit_gb="1.5",
        ),
    )

    assert response.status_code == 302
    camera = Camera.objects.get(name="a-new")
    assert camera.organization == world.org_a
    assert camera.folder == world.folders.lobby
    assert (camera.dvr_depth, camera.dvr_space_limit) == (7 * 86400, 1_500_000_000)
    main = camera.inputs.get()
    assert main.url == "rtsp://192.0.2.10:554/stream1"
    assert (main.username, main.password) == ("admin", "s3cret-pass")

    page = client.get(_edit_url("a-new")).content.decode()
    assert "s3cret-pass" not in page
    assert "rtsp://192.0.2.10:554/stream1" in page
    assert 'value="admin"' in page


def test_edit_with_a_blank_password_keeps_the_stored_one(client, world):
    CameraInputFactory(
        camera=world.cameras.lobby, url="rtsp://192.0.2.20/main", username="op", password="keep-me"
    )
    client.force_login(world.alice)

    response = client.post(
        _edit_url("a-lobby"),
        _form_data(
            name=None,
            enabled=None,
            title="Lobby",
            url="rtsp://192.0.2.20/sub",
            username="op",
            password="",
        ),
    )

    assert response.status_code == 302
    main = CameraInput.objects.get(camera=world.cameras.lobby)
    assert (main.url, main.username, main.password) == ("rtsp://192.0.2.20/sub", "op", "keep-me")
    assert Camera.objects.get(name="a-lobby").title == "Lobby"


def test_a_blank_password_is_not_sent_to_a_new_address(client, world):
    CameraInputFactory(
        camera=world.cameras.lobby, url="rtsp://192.0.2.20/main", username="op", password="keep-me"
    )
    client.force_login(world.alice)
    data = _form_data(name=None, enabled=None, url="rtsp://203.0.113.9/main", username="op", password="")
    response = client.post(_edit_url("a-lobby"), data)
    assert response.status_code == 422
    assert "enter the password for the new one" in response.content.decode()
    main = CameraInput.objects.get(camera=world.cameras.lobby)
    assert (main.url, main.password) == ("rtsp://192.0.2.20/main", "keep-me")  # nothing saved


def test_password_without_username_is_a_form_error(client, world):
    client.force_login(world.alice)

    response = client.post(CREATE_URL, _form_data(url="rtsp://192.0.2.10/main", password="lonely"))

    assert response.status_code == 422
    assert "Enter the username" in response.content.decode()


def test_edit_keeps_secondary_inputs(client, world):
    CameraInputFactory(camera=world.cameras.lobby, position=0, url="rtsp://192.0.2.20/main")
    CameraInputFactory(camera=world.cameras.lobby, position=1, url="rtsp://192.0.2.20/sub")
    client.force_login(world.alice)

    client.post(_edit_url("a-lobby"), _form_data(name=None, enabled=None, url="rtsp://192.0.2.30/main"))

    urls = list(world.cameras.lobby.inputs.order_by("position").values_list("url", flat=True))
    assert urls == ["rtsp://192.0.2.30/main", "rtsp://192.0.2.20/sub"]


def test_edit_page_works_for_names_with_slashes(client, world):
    Camera.objects.filter(name="a-loose").update(name="site/hall/cam 1")
    client.force_login(world.alice)

    response = client.get(_edit_url("site/hall/cam 1"))

    assert response.status_code == 200


def test_invalid_form_answers_422_with_only_the_form_for_htmx(client, world):
    client.force_login(world.alice)

    response = client.post(CREATE_URL, _form_data(name="bad name!", segment_duration="1"), headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in content
    assert content.lstrip().startswith('<form id="camera-form"')
    assert not Camera.objects.filter(title="New camera").exists()


def test_successful_htmx_create_redirects_the_browser(client, world):
    client.force_login(world.alice)

    response = client.post(CREATE_URL, _form_data(), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == LIST_URL


def test_taken_name_is_a_form_error(client, world):
    client.force_login(world.alice)

    response = client.post(CREATE_URL, _form_data(name="b-gate"))

    assert response.status_code == 422
    assert "already exists" in response.content.decode()


def test_camera_limit_shows_an_error(client, world):
    world.org_a.max_cameras = 5
    world.org_a.save()
    client.force_login(world.alice)

    response = client.post(CREATE_URL, _form_data())

    assert response.status_code == 422
    assert "Camera limit reached" in response.content.decode()
    assert not Camera.objects.filter(name="a-new").exists()


def test_carol_gets_404_on_org_a_camera_edit(client, world):
    client.force_login(world.carol)

    assert client.get(_edit_url("a-lobby")).status_code == 404
    toggle_url = reverse("cameras:camera_toggle", args=["a-lobby"])
    assert client.post(toggle_url, {"enabled": "false"}).status_code == 404
    assert Camera.objects.get(name="a-lobby").enabled is True


def test_bob_without_manage_grant_gets_404_on_edit(client, world):
    client.force_login(world.bob)

    assert client.get(_edit_url("a-lobby")).status_code == 404
    assert client.get(_edit_url("a-vault")).status_code == 404


def test_bob_gets_403_with_a_reason_on_create(client, world):
    client.force_login(world.bob)

    response = client.get(CREATE_URL)

    assert response.status_code == 403
    assert "You may not add cameras" in response.content.decode()
    assert client.post(CREATE_URL, _form_data()).status_code == 403
    assert not Camera.objects.filter(name="a-new").exists()


def test_member_allowed_to_edit_cameras_may_add_one(client, world):
    editor = UserFactory()
    MembershipFactory(user=editor, organization=world.org_a, can_edit_cameras=True)
    client.force_login(editor)

    assert client.get(CREATE_URL).status_code == 200
    assert client.post(CREATE_URL, _form_data()).status_code == 302
    assert Camera.objects.get(name="a-new").organization == world.org_a


def test_folder_of_another_organization_is_refused(client, world):
    client.force_login(world.alice)

    response = client.post(CREATE_URL, _form_data(folder=world.folders.gate.pk))

    assert response.status_code == 422
    assert not Camera.objects.filter(name="a-new").exists()


def test_toggle_disables_and_enables_a_camera(client, world):
    client.force_login(world.alice)
    url = reverse("cameras:camera_toggle", args=["a-desk"])

    response = client.post(url, {"enabled": "false"}, headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="camera-toggle"')
    assert 'hx-swap-oob="true"' in content
    camera = Camera.objects.get(name="a-desk")
    assert (camera.enabled, camera.status) == (False, CameraStatus.DISABLED)

    response = client.post(url, {"enabled": "true"})

    assert response.status_code == 302
    assert Camera.objects.get(name="a-desk").enabled is True
