"""Folder tree edits keep sibling order dense and refuse moves that would break the tree."""

import pytest

from organizations.exceptions import ObjectNotFound
from organizations.models import Folder
from organizations.services import FolderMoveInvalid, folder_create, folder_move
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def titles(organization, parent):
    return list(
        Folder.objects.filter(organization=organization, parent=parent)
        .order_by("position")
        .values_list("title", flat=True)
    )


@pytest.fixture
def tree():
    org = OrganizationFactory()
    a, b, c = (folder_create(organization=org, title=t) for t in "ABC")
    a1 = folder_create(organization=org, title="A1", parent=a)
    return org, a, b, c, a1


def test_created_folders_are_appended_in_order(tree):
    org, a, b, c, a1 = tree
    assert titles(org, None) == ["A", "B", "C"]


def test_moving_a_folder_between_siblings_renumbers_them(tree):
    org, a, b, c, a1 = tree
    folder_move(folder=c, parent=None, position=0)
    assert titles(org, None) == ["C", "A", "B"]
    assert list(
        Folder.objects.filter(organization=org, parent=None)
        .order_by("position")
        .values_list("position", flat=True)
    ) == [0, 1, 2]


def test_moving_into_another_parent_closes_the_hole_it_leaves(tree):
    org, a, b, c, a1 = tree
    folder_move(folder=b, parent=a, position=0)
    assert titles(org, None) == ["A", "C"]
    assert titles(org, a) == ["B", "A1"]
    assert Folder.objects.get(pk=c.pk).position == 1


def test_a_folder_cannot_move_into_its_own_subtree(tree):
    org, a, b, c, a1 = tree
    with pytest.raises(FolderMoveInvalid):
        folder_move(folder=a, parent=a1)
    with pytest.raises(FolderMoveInvalid):
        folder_move(folder=a, parent=a)
    assert Folder.objects.get(pk=a.pk).parent_id is None


def test_a_folder_cannot_move_under_another_organizations_folder(tree):
    org, a, b, c, a1 = tree
    foreign = folder_create(organization=OrganizationFactory(), title="Foreign")
    with pytest.raises(FolderMoveInvalid):
        folder_move(folder=b, parent=foreign)
    with pytest.raises(ObjectNotFound):
        folder_create(organization=org, title="X", parent=foreign)
