"""The outbox in the admin: the tenant's events, read-only, filtered by status, with the error
of a failed one shown and an action that tries failed events again."""

from django.urls import reverse

from tenancy.events import emit
from tenancy.models import EventStatus, OutboxEvent

CHANGELIST = reverse("admin:tenancy_outboxevent_changelist")


def failed(tenant, event_type="purchase"):
    event = emit(tenant=tenant, event_type=event_type, data={"sku": "A-1"})
    OutboxEvent.objects.filter(pk=event.pk).update(
        status=EventStatus.FAILED, attempts=8, last_error="automation: ValueError: no such sku"
    )
    return event


def test_the_changelist_shows_the_tenants_events_filtered_by_status(
    client, admin_a, tenant_a, tenant_b
):
    broken = failed(tenant_a)
    waiting = emit(tenant=tenant_a, event_type="tag_added")
    failed(tenant_b, event_type="theirs_only")
    client.force_login(admin_a.user)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert [e.pk for e in page.context["cl"].result_list] == [waiting.pk, broken.pk]
    assert "theirs_only" not in page.content.decode()
    only_failed = client.get(CHANGELIST, {"status__exact": "failed"})
    assert [e.pk for e in only_failed.context["cl"].result_list] == [broken.pk]
    detail = client.get(reverse("admin:tenancy_outboxevent_change", args=[broken.pk]))
    assert detail.status_code == 200
    assert "no such sku" in detail.content.decode() and "A-1" in detail.content.decode()
    # read-only: no adding, changing or deleting
    assert client.get(reverse("admin:tenancy_outboxevent_add")).status_code == 403
    delete = reverse("admin:tenancy_outboxevent_delete", args=[broken.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert OutboxEvent.objects.filter(pk=broken.pk).exists()


def test_the_retry_action_retries_failed_events_only(client, admin_a, tenant_a):
    broken = failed(tenant_a)
    waiting = emit(tenant=tenant_a, event_type="tag_added")
    client.force_login(admin_a.user)
    response = client.post(
        CHANGELIST,
        {"action": "retry_selected", "_selected_action": [broken.pk, waiting.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 event(s) will be tried again. 1 not failed" in response.content.decode()
    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == (EventStatus.PENDING, 0)  # tries afresh


def test_managers_and_agents_do_not_see_the_outbox(client, manager_a, agent_a):
    for member in (manager_a, agent_a):
        client.force_login(member.user)
        assert client.get(CHANGELIST).status_code in (302, 403)
