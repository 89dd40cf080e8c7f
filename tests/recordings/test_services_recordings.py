"""Protecting segments and cancelling jobs change only what they should."""

import pytest

from organizations.models import AuditEvent
from recordings.services import job_request_cancel, segment_set_protected
from tests.factories import JobFactory, SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_protecting_segments_counts_only_those_that_changed_and_audits_it():
    actor = UserFactory()
    already, fresh = SegmentFactory(protected=True), SegmentFactory()
    assert segment_set_protected(segments=[already, fresh], protected=True, actor=actor) == 1
    fresh.refresh_from_db()
    assert fresh.protected
    event = AuditEvent.objects.get(object_type="segment")
    assert event.object_id == str(fresh.pk) and event.actor == actor
    assert segment_set_protected(segments=[already, fresh], protected=True, actor=actor) == 0


def test_only_unfinished_jobs_are_asked_to_cancel():
    running, done = JobFactory(status="running"), JobFactory(status="done")
    assert job_request_cancel(jobs=[running, done]) == 1
    running.refresh_from_db()
    done.refresh_from_db()
    assert (running.cancel_requested, done.cancel_requested) == (True, False)
