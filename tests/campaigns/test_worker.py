"""One campaign sent by a real Celery worker (a subprocess) through Redis, and the send tasks a
launch queues there."""

import base64
import os
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection

from campaigns.models import CampaignStatus
from campaigns.services.campaigns import campaign_create
from campaigns.services.launch import create_executions
from campaigns.tasks import send_campaign
from config.celery import app
from tenancy.actors import OPERATOR

REDIS_URL = "redis://127.0.0.1:6379/13"


def redis_up() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_through_redis(tenant_a, customers, sms_channel, http_provider):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can open (PostgreSQL)")
    if not redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running (CI starts it in .ci/run)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    campaign = campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={"name": "Worker", "budget": 1},
        channels=[sms_channel],
        contents=[{"channel": sms_channel, "body": "Hi {{ first_name }}"}],
    )
    # Launch without the eager send: fix the audience and activate, then queue on Redis.
    create_executions(campaign)
    campaign.status = CampaignStatus.objects.get(tenant=tenant_a, status_code="ACTIVE")
    campaign.save()
    db = connection.settings_dict
    queue = f"atrium-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": REDIS_URL,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
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
    try:
        with app.connection_for_write(REDIS_URL) as broker:
            send_campaign.apply_async((campaign.pk,), connection=broker, queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and campaign.executions.filter(status="sent").count() < 3:
            time.sleep(0.2)
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
    assert campaign.executions.filter(status="sent").count() == 3, errors.decode()[-2000:]
    assert sorted(r["json"]["body"].split(":")[0] for r in http_provider.requests) == [
        "Hi Ada\nOpt out",
        "Hi Bob\nOpt out",
        "Hi Dee\nOpt out",
    ]


@pytest.mark.django_db(transaction=True)
def test_launch_with_a_broker_queues_one_send_task_per_sharing_worker(
    tenant_a, customers, sms_channel, settings
):
    """With a broker, launch queues CAMPAIGN_SEND_TASKS send tasks for the campaign (after the
    commit), so that many worker processes share its sending; read back from Redis itself."""
    import json

    import redis

    from campaigns.services.launch import campaign_launch

    if not redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running (CI starts it in .ci/run)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CAMPAIGN_SEND_TASKS = 3
    campaign = campaign_create(
        by=OPERATOR,
        tenant=tenant_a,
        data={"name": "Fan out", "budget": 1},
        channels=[sms_channel],
        contents=[{"channel": sms_channel, "body": "Hi {{ first_name }}"}],
    )
    queue = f"atrium-test-{uuid.uuid4().hex[:8]}"
    saved = {
        key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    # The connection and producer pools are made from broker_url on first use: start afresh.
    app._pool = app.amqp._producer_pool = None
    client = redis.Redis.from_url(REDIS_URL)
    try:
        campaign_launch(by=OPERATOR, campaign=campaign)
        queued = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    finally:
        app.pool.force_close_all()
        app._pool = app.amqp._producer_pool = None
        app.conf.update(**saved)
        client.delete(queue)
    assert [m["headers"]["task"] for m in queued] == ["campaigns.send_campaign"] * 3
    assert [json.loads(base64.b64decode(m["body"]))[0] for m in queued] == [[campaign.pk]] * 3
    assert campaign.executions.filter(status="sent").count() == 0  # nothing sent in-process
