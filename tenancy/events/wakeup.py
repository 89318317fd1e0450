"""Waking the workers after a commit that emitted: in-process without a broker, else one
queued drain per window (tenancy.events)."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)

# Set while this thread drains: a consumer's own emits are taken by the running loop.
local = threading.local()

KICK_KEY = "tenancy:outbox:kick"


def eager() -> bool:
    """No broker: tasks run in the calling process."""
    from ..tasks import process_events_task

    return bool(process_events_task.app.conf.task_always_eager)


def queue_drain(*, debounced: bool) -> None:
    from ..tasks import process_events_task

    if eager():
        if not getattr(local, "draining", False):
            from .processing import drain

            drain()
        return
    countdown = settings.OUTBOX_KICK_SECONDS
    # One task per window however many transactions emit: the first to set the flag queues a
    # drain that starts when the flag lapses, so it sees every event whose emitter found the
    # flag set. Beat's schedule is the safety net.
    if debounced and not cache.add(KICK_KEY, 1, timeout=countdown):
        return
    process_events_task.apply_async(countdown=countdown if debounced else 0)


def _kick() -> None:
    if getattr(local, "draining", False):
        return  # the running drain takes the events a consumer emitted
    try:
        queue_drain(debounced=True)
    except Exception:  # the events are committed; beat's schedule will take them
        logger.exception("Could not queue the outbox's processing")


def process_after_commit() -> None:
    """After the caller's commit, process (in-process without a broker, else queue a worker's
    drain); once per transaction however many events it emits."""
    if connection.in_atomic_block and any(
        func is _kick for _savepoints, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_kick, robust=True)
