"""Caps on a callback's free text: a request's notes, a note on its log and the reason given with
a status change refuse a longer text through the API and the services, naming the field and
writing nothing."""

import pytest
from django.core.exceptions import ValidationError

from callbacks.models import CallbackActivity, CallbackRequest
from callbacks.services.requests import callback_add_note, callback_create
from callbacks.services.status import callback_change_status
from tenancy.validators import NOTES_MAX_LENGTH
from tests.factories import LeadFactory

MEGABYTE = "x" * 1_000_000


@pytest.fixture
def manager(api, manager_a):
    return api(manager_a)


def test_callback_notes_and_resolutions_are_capped(manager, tenant_a, manager_a):
    lead = LeadFactory(tenant=tenant_a, phone="+15550001111")
    response = manager.post(
        "/api/v1/callbacks/",
        {"lead": lead.pk, "reason": "complaint", "notes": MEGABYTE},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()) == {"notes"}
    assert not CallbackRequest.objects.exists()

    callback = callback_create(
        tenant=tenant_a, by=manager_a, data={"lead": lead, "reason": "complaint"}
    )
    response = manager.post(
        f"/api/v1/callbacks/{callback.pk}/activities/", {"note": MEGABYTE}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"note"}
    before = CallbackActivity.objects.filter(callback=callback).count()
    with pytest.raises(ValidationError) as refused:
        callback_add_note(callback=callback, by=manager_a, note="n" * (NOTES_MAX_LENGTH + 1))
    assert set(refused.value.message_dict) == {"note"}
    with pytest.raises(ValidationError) as refused:
        callback_change_status(
            callback=callback, by=manager_a, status="cancelled", note="n" * (NOTES_MAX_LENGTH + 1)
        )
    assert set(refused.value.message_dict) == {"note"}
    callback.refresh_from_db()
    assert callback.status == "pending" and callback.close_reason == ""
    assert CallbackActivity.objects.filter(callback=callback).count() == before
    callback_add_note(callback=callback, by=manager_a, note="n" * NOTES_MAX_LENGTH)
