"""Issue 13, "password recovery answers existing accounts measurably slower".

Before: the request looked the account up, rendered and sent the mail and wrote an audit row for
an existing address, and did one query for a missing one. Now the request queues one task either
way and the worker does the rest, so the request's work (asserted here, not wall-clock) is the same.
"""

import json

from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from tests.dialects.flussonic.conftest import BASE
from tests.support.tasks import worker_runs_after_commit

EXISTING, MISSING = "alice@example.test", "nobody@example.test"


def recover(client, email):
    body = json.dumps({"email": email})
    return client.post(BASE + "/password_recovery", data=body, content_type="application/json")


def test_the_request_does_the_same_work_for_an_existing_and_a_missing_account(world, client):
    work = {}
    for email in (EXISTING, MISSING):
        with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks() as queued:
            response = recover(client, email)
        assert response.status_code == 204 and response.content == b""
        work[email] = ([q["sql"] for q in queries], len(queued))
    assert work[EXISTING] == work[MISSING]
    assert work[EXISTING][1] == 1  # one task queued, whoever asked
    assert mail.outbox == []  # nothing was sent from the request


def test_the_worker_mails_only_the_existing_account(world, client):
    with worker_runs_after_commit():
        recover(client, EXISTING)
        recover(client, MISSING)
    (message,) = mail.outbox
    assert message.to == [EXISTING]
