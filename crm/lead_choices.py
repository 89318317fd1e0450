"""The leads page's filter lists (sources, sub-sources, channels, members) and the bulk assign's
members come from the shared cache (tenancy.forms.choices_from_cache) under the scope
LEAD_CHOICES: every list page would otherwise read and label the same few hundred rows again.

Whatever adds, renames, switches off or deletes one of those rows saves it (the services and
the admin alike; deleting a source also saves the source after its sub-sources go), so a bump
on every save and delete of them, after the commit, keeps the lists current for the next
request. A user's sign-in (only `last_login` saved) changes nothing listed and bumps nothing.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from tenancy.caching import bump_figures
from tenancy.models import Membership

from .models import LeadChannel, LeadSource, LeadSubSource

LEAD_CHOICES = "lead-choices"


def bump_lead_choices(tenant_id: int) -> None:
    bump_figures(tenant_id, LEAD_CHOICES)


def _tenant_row_changed(sender, instance, **kwargs) -> None:
    bump_lead_choices(instance.tenant_id)


def _user_changed(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    for tenant_id in Membership.objects.filter(user_id=instance.pk).values_list(
        "tenant_id", flat=True
    ):
        bump_lead_choices(tenant_id)


def connect() -> None:
    for model in (LeadSource, LeadSubSource, LeadChannel, Membership):
        for signal in (post_save, post_delete):
            signal.connect(
                _tenant_row_changed, sender=model, dispatch_uid=f"lead-choices-{model.__name__}"
            )
    user = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(_user_changed, sender=user, dispatch_uid="lead-choices-user")
