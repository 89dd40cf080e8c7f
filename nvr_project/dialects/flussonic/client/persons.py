"""Persons and person lists (catalog §5.8, §6.18): the face identification database, read and soft-deleted."""

from django.db.models import F, Q
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from recordings.models import Person, PersonList
from recordings.persons import access_person, person_delete, person_list_for_user, person_lists_for_user

from ..collections import Collection, Field
from ..openapi import (
    INT,
    TEXT,
    UTC_MS,
    array,
    collection,
    collection_parameters,
    component,
    nullable,
    obj,
    responses,
)
from .base import WatcherClientView
from .streams import utc_ms

PERSON_FIELDS = {
    "person_id": Field("id", "int"),
    "name": Field("name"),
    "external_id": Field("external_id", nullable=True),
    "originator": Field("originator"),
    "updated_at": Field("updated_at", "utc_ms"),
    "deleted_at": Field("deleted_at", "utc_ms", nullable=True),
    "organization.id": Field("organization_id", "int"),
    "organization.title": Field("organization__title"),
    "person_list.id": Field("person_list_id", "int", nullable=True),
    "person_list.name": Field("person_list__name", nullable=True),
    "first_seen_at": Field("first_seen_at", "utc_ms", nullable=True),
    "last_seen_at": Field("last_seen_at", "utc_ms", nullable=True),
}


def _person_search(queryset, q: str):
    return queryset.filter(Q(name__icontains=q) | Q(external_id__icontains=q))


PERSONS = Collection(
    fields=PERSON_FIELDS,
    items_key="persons",
    default_sort=("person_id",),
    required=("person_id", "originator", "updated_at"),
    search=_person_search,
)

PERSON_LISTS = Collection(
    fields={
        "id": Field("id", "int"),
        "name": Field("name"),
        "organization.id": Field("organization_id", "int"),
        "organization.title": Field("organization__title"),
        "stats.person": Field(lambda request: F("n_persons"), "int"),
        "stats.camera": Field(lambda request: F("n_cameras"), "int"),
    },
    items_key="person_lists",
    default_sort=("id",),
    required=("id",),
    search=lambda queryset, q: queryset.filter(name__icontains=q),
)


ORGANIZATION_REF = obj("id", "title", id=INT, title=TEXT)
PERSON_SCHEMA = component(
    "Person",
    obj(
        *PERSONS.required,
        person_id={**INT, "format": "int64"},
        name=TEXT,
        external_id=nullable(TEXT),
        originator={"type": "string", "enum": ["api", "identification_service"]},
        updated_at=UTC_MS,
        deleted_at=UTC_MS,
        photos=array(obj("data", data=TEXT, sha256=TEXT, mime_type=TEXT)),
        organization=ORGANIZATION_REF,
        person_list=obj("id", "name", id=INT, name=TEXT),
        first_seen_at=UTC_MS,
        last_seen_at=UTC_MS,
    ),
)
PERSON_LIST_SCHEMA = component(
    "PersonList",
    obj(
        *PERSON_LISTS.required,
        id=INT,
        name=TEXT,
        organization=ORGANIZATION_REF,
        stats=obj("person", "camera", person=INT, camera=INT),
    ),
)


def person_data(person: Person) -> dict:
    """Person → §6.18; absent marks (`deleted_at`, sightings, list) are left out, not null."""
    data = {
        "person_id": person.pk,
        "name": person.name,
        "external_id": person.external_id,
        "originator": person.originator,
        "updated_at": utc_ms(person.updated_at),
        "deleted_at": utc_ms(person.deleted_at),
        "photos": [
            {k: photo[k] for k in ("data", "sha256", "mime_type") if k in photo}
            for photo in person.photos or []
            if isinstance(photo, dict) and "data" in photo
        ],
        "organization": {"id": person.organization_id, "title": person.organization.title},
        "first_seen_at": utc_ms(person.first_seen_at),
        "last_seen_at": utc_ms(person.last_seen_at),
    }
    if person.person_list is not None:
        data["person_list"] = {"id": person.person_list_id, "name": person.person_list.name}
    return {k: v for k, v in data.items() if v is not None or k == "external_id"}


def person_list_data(person_list: PersonList) -> dict:
    return {
        "id": person_list.pk,
        "name": person_list.name,
        "organization": {"id": person_list.organization_id, "title": person_list.organization.title},
        "stats": {"person": person_list.n_persons, "camera": person_list.n_cameras},
    }


class PersonListView(WatcherClientView):
    """GET /persons: persons of every organization whose lists the caller may view."""

    @extend_schema(
        operation_id="persons_list",
        parameters=collection_parameters(PERSONS),
        responses=responses(collection(PERSONS, PERSON_SCHEMA), 400, 403),
    )
    def get(self, request):
        rows = person_list_for_user(self.user)
        return Response(PERSONS.page(request, rows, lambda page, selection: [person_data(p) for p in page]))


class PersonDetailView(WatcherClientView):
    """GET and DELETE /persons/{person_id}: one person; deleting marks it `deleted_at`."""

    @extend_schema(operation_id="person_get", responses=responses(PERSON_SCHEMA, 403, 404))
    def get(self, request, person_id: int):
        return Response(person_data(access_person(self.user, person_id)))

    @extend_schema(operation_id="person_delete", responses=responses(None, 403, 404, status=204))
    def delete(self, request, person_id: int):
        person_delete(person=access_person(self.user, person_id, edit=True), actor=self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonListsView(WatcherClientView):
    """GET /person_lists: the lists of every organization whose lists the caller may view."""

    @extend_schema(
        operation_id="person_lists_get",
        parameters=collection_parameters(PERSON_LISTS),
        responses=responses(collection(PERSON_LISTS, PERSON_LIST_SCHEMA), 400, 403),
    )
    def get(self, request):
        rows = person_lists_for_user(self.user)
        return Response(
            PERSON_LISTS.page(request, rows, lambda page, selection: [person_list_data(p) for p in page])
        )


urlpatterns = [
    path("persons", PersonListView.as_view(), name="persons_list"),
    path("persons/<int:person_id>", PersonDetailView.as_view(), name="person_get"),  # also person_delete
    path("person_lists", PersonListsView.as_view(), name="person_lists_get"),
]
