"""The one camera save (cameras.services.camera_save) that every dialect's stream save calls."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cameras.models import Camera
from cameras.services.camera_save import CameraChange, camera_save
from tests.factories import FolderFactory, PresetFactory


def test_a_new_camera_joins_the_callers_only_organization_with_its_references(world):
    camera = camera_save(
        actor=world.carol, camera=None, name="b-door", change=CameraChange(fields={"title": "Door"})
    )
    assert camera.organization == world.org_b and camera.title == "Door"
    change = CameraChange(folder_id=world.folders.vault.id)
    with pytest.raises(ValidationError) as error:  # a folder of another organization is unknown
        camera_save(actor=world.carol, camera=None, name="b-door2", change=change)
    assert error.value.message_dict == {"folder": ["unknown folder"]}
    assert not Camera.objects.filter(name="b-door2").exists()  # the create rolled back with it
    change = CameraChange(folder_id=FolderFactory(organization=world.org_b).id, favourite=True)
    camera = camera_save(actor=world.carol, camera=None, name="b-door3", change=change)
    assert world.carol in camera.favourited_by.all()


def test_vision_merges_unless_reset_and_a_fixed_preset_keeps_its_dvr_fields(world):
    camera = world.cameras.lobby
    camera_save(
        actor=world.alice,
        camera=camera,
        name=camera.name,
        change=CameraChange(fields={"vision": {"a": {"x": 1}}}),
    )
    camera_save(
        actor=world.alice,
        camera=camera,
        name=camera.name,
        change=CameraChange(fields={"vision": {"a": {"y": 2}}}),
    )
    camera.refresh_from_db()
    assert camera.vision == {"a": {"x": 1, "y": 2}}
    camera_save(
        actor=world.alice,
        camera=camera,
        name=camera.name,
        change=CameraChange(fields={"vision": {"b": 1}}, reset=True),
    )
    camera.refresh_from_db()
    assert camera.vision == {"b": 1}
    fixed = PresetFactory(is_default=True, is_adjustable=False)
    change = CameraChange(fields={"dvr_depth": 3600, "title": "Hall"}, preset_id=fixed.id)
    camera_save(actor=world.alice, camera=camera, name=camera.name, change=change)
    camera.refresh_from_db()
    assert camera.preset == fixed and camera.title == "Hall" and camera.dvr_depth != 3600


def test_a_viewer_marks_a_favourite_but_changes_nothing_else(world):
    camera = world.cameras.lobby
    camera_save(actor=world.bob, camera=camera, name=camera.name, change=CameraChange(favourite=True))
    assert world.bob in camera.favourited_by.all()
    with pytest.raises(PermissionDenied):
        camera_save(
            actor=world.bob, camera=camera, name=camera.name, change=CameraChange(fields={"title": "x"})
        )
