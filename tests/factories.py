"""factory_boy factories; a camera and its segments stay in one tenant through SubFactory."""

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from cameras.models import Camera, CameraGrant, CameraInput, Mosaic, Preset, Streamer
from organizations.models import Folder, FolderGrant, Membership, Organization
from recordings.models import Episode, Gap, Job, Run, Segment

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    login = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.login}@example.test")
    role = Role.USER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    title = factory.Sequence(lambda n: f"Organization {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)


class FolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Folder

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Folder {n}")
    position = factory.Sequence(lambda n: n)


class FolderGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FolderGrant

    folder = factory.SubFactory(FolderFactory)
    user = factory.SubFactory(UserFactory)


class StreamerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Streamer

    hostname = factory.Sequence(lambda n: f"node{n}.test")


class PresetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preset

    title = factory.Sequence(lambda n: f"Preset {n}")


class CameraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Camera

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"cam-{n:03d}")
    title = factory.Sequence(lambda n: f"Camera {n}")


class CameraInputFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CameraInput

    camera = factory.SubFactory(CameraFactory)
    url = factory.Sequence(lambda n: f"rtsp://10.0.0.{n % 250 + 1}:554/stream1")


class CameraGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CameraGrant

    camera = factory.SubFactory(CameraFactory)
    user = factory.SubFactory(UserFactory)


class MosaicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mosaic

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Mosaic {n}")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    camera = factory.SubFactory(CameraFactory)
    run_id = factory.LazyFunction(uuid.uuid4)
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=10))
    ended_at = factory.LazyAttribute(lambda s: s.started_at + timedelta(seconds=60))
    path = factory.LazyAttribute(lambda s: f"{s.camera.storage_key}/{s.started_at:%Y/%m/%d/%H%M%S}.mp4")
    complete = True


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Run

    camera = factory.SubFactory(CameraFactory)
    run_id = factory.LazyFunction(uuid.uuid4)
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=10))
    ended_at = factory.LazyAttribute(lambda s: s.started_at + timedelta(minutes=5))


class GapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gap

    camera = factory.SubFactory(CameraFactory)
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    reason = "connect_failed"


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    camera = factory.SubFactory(CameraFactory)
    opened_at = factory.LazyFunction(timezone.now)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = "export"
    organization = factory.SubFactory(OrganizationFactory)
