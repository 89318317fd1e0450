"""Callbacks' part of the crossing walks (tests/tenancy): tenant B's marked callback settings,
holiday, customer, lead and a callback assigned to one of its agents, with a note; how to address
them; the writes and filters that point at them."""

from datetime import date

from callbacks.api import CallbackViewSet
from callbacks.models import BusinessHoliday, CallbackRequest, CallbackSettings
from callbacks.services.assignment import callback_assign
from callbacks.services.requests import callback_add_note, callback_create
from callbacks.services.settings import callback_settings_create, holiday_create
from crm.services.customers import customer_create
from crm.services.leads import lead_create
from tenancy.actors import OPERATOR
from tenancy.models import Role
from tests.factories import make_member


def build(world, tenant) -> None:
    world.cb_manager = make_member(tenant, "zqxbeta-cb-manager", Role.MANAGER)
    world.cb_agent = make_member(tenant, "zqxbeta-cb-agent", Role.AGENT)
    world.cb_admin = make_member(tenant, "zqxbeta-cb-admin", Role.ADMIN)
    world.cb_settings = callback_settings_create(
        tenant=tenant, by=world.cb_admin, data={"vip_tag": "zqxbeta-vip", "max_attempts": 5}
    )
    world.holiday = holiday_create(
        tenant=tenant, by=world.cb_admin, data={"date": date(2026, 12, 24), "name": "Zqxbeta day"}
    )
    world.cb_customer = customer_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": "Zqxbeta", "last_name": "Caller", "phone": "+1 555 000 1111"},
        tags=["zqxbeta-vip"],
    )
    world.cb_lead = lead_create(
        tenant=tenant,
        by=OPERATOR,
        data={"first_name": "Zqxbeta", "last_name": "Prospect", "phone": "+15550002222"},
    )
    world.callback = callback_create(
        tenant=tenant,
        by=world.cb_manager,
        data={
            "customer": world.cb_customer,
            "reason": "complaint",
            "notes": "zqxbeta private callback notes",
        },
    )
    callback_assign(
        callback=world.callback, by=world.cb_manager, assignee_id=world.cb_agent.user_id
    )
    callback_add_note(callback=world.callback, by=world.cb_agent, note="zqxbeta call note")


def snapshot(world) -> tuple:
    callback = CallbackRequest.objects.get(pk=world.callback.pk)
    settings = CallbackSettings.objects.get(pk=world.cb_settings.pk)
    holiday = BusinessHoliday.objects.get(pk=world.holiday.pk)
    return (
        callback.status,
        callback.assigned_to_id,
        callback.attempts,
        callback.notes,
        callback.phone,
        callback.sla_due_at,
        callback.activities.count(),
        settings.vip_tag,
        settings.max_attempts,
        holiday.name,
        holiday.date,
        CallbackRequest.objects.filter(tenant=world.callback.tenant).count(),
    )


DETAIL_KWARGS = {CallbackViewSet: lambda w: {"pk": w.callback.pk}}

FOREIGN_POSTS = {
    "callback-list": lambda w, a: [
        {"customer": w.cb_customer.pk, "reason": "support"},
        {"lead": w.cb_lead.pk, "reason": "support", "phone": "+15550009999"},
    ],
    "callback-auto-assign": lambda w, a: [{"callback_ids": [w.callback.pk]}],
}
OWN_POSTS = {"callback-claim-next"}

FOREIGN_FILTERS = {
    "callback-list": {
        "customer": lambda w: w.cb_customer.pk,
        "lead": lambda w: w.cb_lead.pk,
        "assigned_to": lambda w: w.cb_agent.user_id,
    }
}

ADMIN_OBJECTS = {
    CallbackRequest: lambda w: w.callback,
    CallbackSettings: lambda w: w.cb_settings,
    BusinessHoliday: lambda w: w.holiday,
}
