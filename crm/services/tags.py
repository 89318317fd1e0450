"""Tags shared by leads and customers: one vocabulary per tenant."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tenancy.actors import Actor, actor_user

from ..models import Customer, CustomerTag, CustomerTagChange, Tag

MAX_TAGS = 20
MAX_TAG_LENGTH = 50


def clean_tag_names(names: Iterable[str]) -> list[str]:
    cleaned = sorted({name.strip().lower() for name in names if name and name.strip()})
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": [f"At most {MAX_TAGS} tags."]})
    if any(len(name) > MAX_TAG_LENGTH for name in cleaned):
        raise ValidationError({"tags": [f"Tags are at most {MAX_TAG_LENGTH} characters."]})
    return cleaned


def set_tags(
    *, owner: models.Model, through: type[models.Model], names: list[str]
) -> tuple[list[str], list[str]]:
    """Make `names` (already cleaned) the owner's tags through the tenant-scoped link table;
    returns the names (added, removed).

    A helper of the lead and customer services, which have checked their actor; not a way in."""
    tenant = owner.tenant
    owner_field = next(
        f.name for f in through._meta.fields if f.is_relation and isinstance(owner, f.related_model)
    )
    before = set(through.objects.filter(**{owner_field: owner}).values_list("tag__name", flat=True))
    existing = set(
        Tag.objects.for_tenant(tenant).filter(name__in=names).values_list("name", flat=True)
    )
    Tag.objects.bulk_create(
        [Tag(tenant=tenant, name=name) for name in names if name not in existing],
        ignore_conflicts=True,
    )
    tags = list(Tag.objects.for_tenant(tenant).filter(name__in=names))
    through.objects.filter(**{owner_field: owner}).exclude(tag__in=tags).delete()
    through.objects.bulk_create(
        [through(tenant=tenant, tag=tag, **{owner_field: owner}) for tag in tags],
        ignore_conflicts=True,
    )
    return sorted(set(names) - before), sorted(before - set(names))


def set_customer_tags(*, customer: Customer, by: Actor, names: list[str]) -> None:
    """`set_tags` for a customer, recording each tag added or removed for its timeline."""
    added, removed = set_tags(owner=customer, through=CustomerTag, names=list(names))
    user, now = actor_user(by), timezone.now()
    CustomerTagChange.objects.bulk_create(
        CustomerTagChange(
            tenant=customer.tenant,
            customer=customer,
            tag_name=name,
            added=is_added,
            changed_by=user,
            changed_at=now,
        )
        # Removals first: at the same moment the later row (an addition) shows above.
        for group, is_added in ((removed, False), (added, True))
        for name in group
    )
