"""The embedded broker survives processes that start together.

kombu's own filesystem transport let workers that start at once on a fresh data directory corrupt
the exchange table (a crash at start-up, then on every start after), and let a consumer read a
message file before its bytes were written. These run the real transport in real processes.
"""

import multiprocessing
import os
import traceback
from queue import Empty

import pytest
from django.conf import settings
from kombu import Connection, Exchange, Queue

from nvr_project.celery import app

TRANSPORT = "nvr_project.broker:Transport"


def connection(folder) -> Connection:
    return Connection(
        transport=TRANSPORT,
        transport_options={
            "data_folder_in": f"{folder}/queue",
            "data_folder_out": f"{folder}/queue",
            "control_folder": f"{folder}/control",
            "processed_folder": f"{folder}/processed",
            "store_processed": False,
        },
    )


def fresh(tmp_path, name):
    folder = tmp_path / name
    for sub in ("queue", "control", "processed"):
        (folder / sub).mkdir(parents=True)
    return folder


def bind(folder, n, barrier, errors):
    try:
        with connection(folder) as conn:
            channel = conn.channel()
            barrier.wait()
            # What each worker does at start-up for its remote-control (pidbox) queue.
            Queue(f"worker{n}.pidbox", Exchange("celery.pidbox", "fanout"), channel=channel).declare()
    except Exception:
        errors.put(traceback.format_exc())


def test_the_embedded_broker_is_the_race_free_transport():
    if settings.REDIS_URL:
        pytest.skip("Redis is the broker")
    assert settings.CELERY_BROKER_TRANSPORT == TRANSPORT
    with app.connection_for_write() as conn:
        assert conn.transport.driver_type == "filesystem"
        assert type(conn.transport).__module__ == "nvr_project.broker"


def test_workers_starting_together_keep_every_binding_and_none_crashes(tmp_path):
    context = multiprocessing.get_context("fork")
    processes, trials = 6, 15
    for trial in range(trials):
        folder = fresh(tmp_path, f"trial{trial}")
        barrier, errors = context.Barrier(processes), context.Queue()
        workers = [context.Process(target=bind, args=(folder, n, barrier, errors)) for n in range(processes)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert errors.empty(), errors.get()
        with connection(folder) as conn:
            table = conn.channel().get_table("celery.pidbox")
        assert sorted(q.queue for q in table) == sorted(f"worker{n}.pidbox" for n in range(processes))


def produce(folder, count):
    with connection(folder) as conn:
        channel = conn.channel()
        for i in range(count):
            channel._put("jobs", {"i": i, "padding": "x" * 20000})


def test_a_consumer_never_reads_a_message_before_it_is_whole(tmp_path):
    folder = fresh(tmp_path, "queue-race")
    count = 600
    producer = multiprocessing.get_context("fork").Process(target=produce, args=(folder, count))
    producer.start()
    received = []
    with connection(folder) as conn:
        channel = conn.channel()
        while len(received) < count and (producer.is_alive() or channel._size("jobs")):
            try:
                received.append(channel._get("jobs")["i"])
            except Empty:
                pass
    producer.join(30)
    assert sorted(received) == list(range(count))
    assert os.listdir(folder / "processed") == []  # claimed files are removed once read


def test_a_corrupt_table_left_by_an_older_broker_heals_on_the_next_start(tmp_path):
    folder = fresh(tmp_path, "corrupt")
    (folder / "control" / "celery.pidbox.exchange").write_text('[["", "", "a"]]"", "b"]]')
    with connection(folder) as conn:
        Queue("c", Exchange("celery.pidbox", "fanout"), channel=conn.channel()).declare()
        assert [q.queue for q in conn.channel().get_table("celery.pidbox")] == ["c"]
