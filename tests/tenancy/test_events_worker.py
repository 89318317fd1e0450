"""A real Celery worker on Redis and PostgreSQL, killed (SIGKILL) mid-batch, loses no event,
and nothing is processed twice in effect: a second worker shares the events while the first
holds its batch, and takes the dead worker's batch after it is gone."""

import os
import signal
import subprocess
import sys
import time
import uuid
import warnings

import pytest
from celery.exceptions import AlwaysEagerIgnored
from django.db import connection

from config.celery import app
from tenancy.events import EventSpec, emit_many
from tenancy.models import EventStatus, OutboxEvent
from tenancy.tasks import process_events_task

REDIS_URL = "redis://127.0.0.1:6379/13"
# The workers' consumer records here (tests/tenancy/outbox_worker.py; not imported: it registers
# its consumer in whatever process imports it).
TABLE = "outbox_test_seen"
EVENTS = 100
BATCH = 20


def redis_up() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


def start_worker(queue: str, **extra_env) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        **extra_env,
        "CELERY_BROKER_URL": REDIS_URL,
        "OUTBOX_BATCH_SIZE": str(BATCH),
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.tenancy.outbox_worker",
            "worker",
            "--pool=solo",
            "--prefetch-multiplier=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def queue_drain(queue: str) -> None:
    # send_task, not apply_async: this process has no broker configured, so apply_async would
    # run the task here, eagerly.
    with app.connection_for_write(REDIS_URL) as broker, warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        app.send_task(process_events_task.name, connection=broker, queue=queue)


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def processed() -> int:
    return OutboxEvent.objects.filter(status=EventStatus.PROCESSED).count()


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_nothing_and_nothing_is_done_twice(tenant_a, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the worker processes need a database they can open (PostgreSQL)")
    if not redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running (CI starts it in .ci/run)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from tenancy.events import wakeup

    monkeypatch.setattr(wakeup, "_kick", lambda: None)  # the workers process, not this process
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (event_pk bigint PRIMARY KEY, pid integer NOT NULL)")
    emit_many(
        tenant=tenant_a,
        events=[EventSpec("purchase", customer_id=n, data={"n": n}) for n in range(1, EVENTS + 1)],
    )
    marker = tmp_path / "held"
    tag = uuid.uuid4().hex[:8]
    first_queue, second_queue = f"atrium-test-{tag}-1", f"atrium-test-{tag}-2"
    first = start_worker(first_queue, OUTBOX_TEST_HANG_FILE=str(marker))
    second = None
    try:
        queue_drain(first_queue)
        wait_for(marker.exists, "the first worker to take a batch")
        held = sorted(int(pk) for pk in marker.read_text().split(","))
        assert len(held) == BATCH

        # While the first holds its batch, a second worker takes every other event.
        second = start_worker(second_queue)
        queue_drain(second_queue)
        wait_for(lambda: processed() == EVENTS - BATCH, "the second worker to share the work")
        waiting = OutboxEvent.objects.filter(status=EventStatus.PENDING)
        assert sorted(waiting.values_list("pk", flat=True)) == held

        # The first dies mid-batch: its uncommitted work goes with its connection.
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        queue_drain(second_queue)  # as beat would
        wait_for(lambda: processed() == EVENTS, "the second worker to take the dead one's batch")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT event_pk, pid FROM {TABLE}")
            seen = dict(cursor.fetchall())
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.communicate(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    events_ = OutboxEvent.objects.all()
    assert sorted(seen) == sorted(events_.values_list("pk", flat=True))  # each once, none lost
    assert {seen[pk] for pk in held} == {second.pid}  # the dead one's batch: done by the second
    assert first.pid not in set(seen.values())
    assert set(events_.values_list("attempts", flat=True)) == {1}
    assert not events_.exclude(last_error="").exists()
