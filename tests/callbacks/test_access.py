"""Who may reach a callback and who may write: `callback_for` is the one way the API, the pages
and the admin fetch a request (the same 404 for a missing one, another tenant's and another
agent's), and every write service checks its actor's role itself, whichever way in calls it."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from callbacks.models import BusinessHoliday, CallbackRequest
from callbacks.selectors import callback_actions_for, callback_for
from callbacks.services.assignment import callback_assign, callback_auto_assign
from callbacks.services.requests import callback_add_note, callback_create, callback_update
from callbacks.services.settings import (
    callback_settings_ensure,
    callback_settings_update,
    holiday_create,
    holiday_delete,
)
from callbacks.services.status import callback_change_status

from .conftest import NOW
from .factories import BusinessHolidayFactory, CallbackActivityFactory, CallbackRequestFactory


@pytest.fixture
def callbacks(tenant_a, tenant_b, agent_a, agent_a2):
    """Tenant A's request in the pool, one of agent 2's, and one of tenant B."""
    return {
        "pool": CallbackRequestFactory(tenant=tenant_a),
        "theirs": CallbackRequestFactory(tenant=tenant_a, assigned_to=agent_a2.user),
        "foreign": CallbackRequestFactory(tenant=tenant_b),
    }


def test_callback_for_gives_what_the_member_sees_with_its_priority(
    tenant_a, manager_a, agent_a, callbacks
):
    for membership, name in ((manager_a, "theirs"), (agent_a, "pool")):
        found = callback_for(tenant=tenant_a, membership=membership, pk=callbacks[name].pk, now=NOW)
        assert found == callbacks[name]
        assert found.priority_category and found.priority_score >= 0


@pytest.mark.parametrize("pk", ["theirs", "foreign", "missing", "abc", None])
def test_callback_for_is_one_404_for_missing_foreign_and_not_yours(
    tenant_a, agent_a, callbacks, pk
):
    pk = callbacks[pk].pk if pk in callbacks else 10**6 if pk == "missing" else pk
    with pytest.raises(Http404):
        callback_for(tenant=tenant_a, membership=agent_a, pk=pk, now=NOW)


def test_the_admin_fetches_what_the_tenant_admin_sees(client, admin_a, callbacks):
    client.force_login(admin_a.user)
    change = "admin:callbacks_callbackrequest_change"
    assert client.get(reverse(change, args=[callbacks["theirs"].pk])).status_code == 200
    assert client.get(reverse(change, args=[callbacks["foreign"].pk])).status_code == 404


def test_agents_write_only_on_what_they_see(agent_a, callbacks):
    theirs = callbacks["theirs"]
    with pytest.raises(PermissionDenied):
        callback_add_note(callback=theirs, by=agent_a, note="hi")
    with pytest.raises(PermissionDenied):
        callback_update(callback=theirs, by=agent_a, data={"notes": "mine now"})
    with pytest.raises(PermissionDenied):
        callback_change_status(callback=theirs, by=agent_a, status="in_progress")
    with pytest.raises(PermissionDenied):
        callback_assign(callback=callbacks["pool"], by=agent_a, assignee_id=agent_a.user_id)
    theirs.refresh_from_db()
    assert (theirs.notes, theirs.status, theirs.activities.count()) == ("", "pending", 0)
    assert callback_actions_for(callback=callbacks["pool"], membership=agent_a) == ["in_progress"]


def test_a_member_writes_only_in_its_own_tenant(tenant_a, admin_b, agent_a, callbacks):
    with pytest.raises(PermissionDenied):
        callback_create(
            tenant=tenant_a, by=admin_b, data={"lead": callbacks["pool"].lead, "reason": "other"}
        )
    with pytest.raises(PermissionDenied):
        callback_add_note(callback=callbacks["pool"], by=admin_b, note="hi")
    with pytest.raises(PermissionDenied):
        callback_auto_assign(tenant=tenant_a, by=admin_b)
    with pytest.raises(PermissionDenied):
        holiday_create(tenant=tenant_a, by=admin_b, data={"date": date(2030, 5, 1), "name": "X"})
    assert CallbackRequest.objects.filter(tenant=tenant_a).count() == 2
    assert not BusinessHoliday.objects.exists()


def test_only_admins_change_the_settings_and_holidays(tenant_a, admin_a, manager_a):
    settings = callback_settings_ensure(tenant_a)
    with pytest.raises(PermissionDenied):
        callback_settings_update(settings=settings, by=manager_a, data={"max_attempts": 5})
    holiday = BusinessHolidayFactory(tenant=tenant_a)
    with pytest.raises(PermissionDenied):
        holiday_delete(holiday=holiday, by=manager_a)
    callback_settings_update(settings=settings, by=admin_a, data={"max_attempts": 5})
    holiday_delete(holiday=holiday, by=admin_a)
    settings.refresh_from_db()
    assert settings.max_attempts == 5 and not BusinessHoliday.objects.exists()


def test_the_log_of_a_request_is_read_through_the_same_door(api, agent_a, callbacks):
    CallbackActivityFactory(callback=callbacks["pool"], note="pool note")
    CallbackActivityFactory(callback=callbacks["theirs"], note="their note")
    client = api(agent_a)
    url = "/api/v1/callbacks/{}/activities/"
    rows = client.get(url.format(callbacks["pool"].pk)).json()["results"]
    assert [row["note"] for row in rows] == ["pool note"]
    assert client.get(url.format(callbacks["theirs"].pk)).status_code == 404
