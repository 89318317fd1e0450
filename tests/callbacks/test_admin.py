"""The callback admin beyond the generic walk (tests/tenancy): settings, holidays and requests
are written through the services, and their rules show as form errors."""

from datetime import date

import pytest
from django.urls import reverse

from callbacks.models import BusinessHoliday, CallbackRequest, CallbackSettings
from callbacks.services.settings import callback_settings_ensure

SETTINGS_FORM = {
    "customer_value_points": 30,
    "value_spend_cap": 10000,
    "lead_score_points": 20,
    "vip_points": 20,
    "vip_tag": "vip",
    "sales_inquiry_points": 20,
    "support_points": 10,
    "billing_points": 15,
    "complaint_points": 25,
    "other_points": 0,
    "aging_points_per_hour": 2,
    "urgent_threshold": 80,
    "high_threshold": 60,
    "normal_threshold": 30,
    "urgent_sla_hours": 1,
    "high_sla_hours": 4,
    "normal_sla_hours": 24,
    "low_sla_hours": 72,
    "max_attempts": 3,
    **{f"{day}_open": "09:00" for day in ("monday", "tuesday", "wednesday", "thursday")},
    **{f"{day}_close": "17:00" for day in ("monday", "tuesday", "wednesday", "thursday")},
    "friday_open": "09:00",
    "friday_close": "15:00",
    "saturday_open": "",
    "saturday_close": "",
    "sunday_open": "",
    "sunday_close": "",
}


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


def test_a_tenant_admin_sets_up_the_callback_settings(alpha, tenant_a):
    page = alpha.get(url(CallbackSettings, "add")).content.decode()
    assert "95 hours of waiting" in page  # the defaults' overtaking time
    response = alpha.post(url(CallbackSettings, "add"), {**SETTINGS_FORM, "max_attempts": 4})
    assert response.status_code == 302
    settings = CallbackSettings.objects.get(tenant=tenant_a)
    assert (settings.max_attempts, settings.friday_close.hour) == (4, 15)
    # One per tenant: no second add form; the change form edits it.
    assert alpha.get(url(CallbackSettings, "add")).status_code == 403
    response = alpha.post(url(CallbackSettings, "change", settings.pk), SETTINGS_FORM)
    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.max_attempts == 3


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"high_threshold": 90}, "high_threshold", "Thresholds must fall"),
        ({"monday_close": "08:00"}, "monday_close", "Closing time must be after opening time."),
        ({"tuesday_close": ""}, "tuesday_close", "Give both the opening and closing time"),
        ({"aging_points_per_hour": 0}, "aging_points_per_hour", "greater than or equal to 1"),
        (
            {
                f"{d}_{e}": ""
                for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
                for e in ("open", "close")
            },
            "monday_open",
            "Open on at least one weekday.",
        ),
    ],
)
def test_settings_rules_show_as_form_errors(alpha, tenant_a, change, field, message):
    settings = callback_settings_ensure(tenant_a)
    response = alpha.post(url(CallbackSettings, "change", settings.pk), {**SETTINGS_FORM, **change})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    settings.refresh_from_db()
    assert (settings.high_threshold, settings.friday_close.hour) == (60, 17)


def test_holidays_are_added_once_per_date(alpha, tenant_a):
    data = {"date": "2026-12-25", "name": "Christmas Day"}
    assert alpha.post(url(BusinessHoliday, "add"), data).status_code == 302
    response = alpha.post(url(BusinessHoliday, "add"), {**data, "name": "Again"})
    assert response.status_code == 200
    assert "This date is a holiday already." in response.content.decode()
    assert list(BusinessHoliday.objects.values_list("tenant", "date", "name")) == [
        (tenant_a.pk, date(2026, 12, 25), "Christmas Day")
    ]


def test_a_callback_created_in_the_admin_goes_through_the_service(alpha, customer):
    response = alpha.post(
        url(CallbackRequest, "add"),
        {
            "customer": customer.pk,
            "phone": "",
            "preferred_start_0": "",
            "preferred_start_1": "",
            "preferred_end_0": "",
            "preferred_end_1": "",
            "reason": "complaint",
            "source": "manual",
            "notes": "Phoned reception",
            "activities-TOTAL_FORMS": 0,
            "activities-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    callback = CallbackRequest.objects.get()
    assert (callback.phone, callback.sla_category) == ("+442079460958", "low")
    assert callback.sla_due_at is not None
    assert callback.activities.get().message.startswith("Callback requested (manual, complaint)")
    page = alpha.get(url(CallbackRequest, "change", callback.pk)).content.decode()
    assert "Callback requested (manual, complaint) by alpha-admin" in page


def test_admin_refuses_a_callback_without_a_contact(alpha):
    response = alpha.post(
        url(CallbackRequest, "add"),
        {
            "phone": "+15550001111",
            "reason": "other",
            "source": "manual",
            "activities-TOTAL_FORMS": 0,
            "activities-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "Give a customer or a lead." in response.context["adminform"].form.errors["customer"]
    assert not CallbackRequest.objects.exists()
