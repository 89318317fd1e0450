"""The Celery app of test_events_worker.py's workers: Atrium's own app, plus a consumer that
records each event it is handed in the table `outbox_test_seen`, whose primary key is the
event (a second recording of one event would fail). With OUTBOX_TEST_HANG_FILE set, the first
batch is recorded (not yet committed), its events' ids written to that file, and the worker
then hangs mid-batch until the test kills it. Only the workers import it: importing it
registers the consumer in that process."""

import os
import time

import django

from config.celery import app  # noqa: F401 (celery -A finds it here)

django.setup()

from django.db import connection  # noqa: E402

from tenancy.events import register_consumer  # noqa: E402

TABLE = "outbox_test_seen"


def record(*, tenant, events):
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {TABLE} (event_pk, pid) VALUES (%s, %s)",
            [(event.pk, os.getpid()) for event in events],
        )
    marker = os.environ.get("OUTBOX_TEST_HANG_FILE")
    if marker and not os.path.exists(marker):
        with open(marker + ".tmp", "w") as out:
            out.write(",".join(str(event.pk) for event in events))
        os.replace(marker + ".tmp", marker)
        time.sleep(3600)


register_consumer("test-seen", record)
